"""`/review`: log in with a reviewer key, claim cases, accept or override.

Plain forms posted back to the server (POST, then redirect), so every
action also works without JavaScript; the page's small script only adds the
keyboard shortcuts, the SLA countdown and bulk selection.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from service.api.auth import DatabaseDep
from service.api.deps import AssessorDep
from service.claims.matcher import RATINGS
from service.pipeline import review
from service.pipeline.review import DecisionError, policy_cells
from service.policy.schema import Action
from service.review.session import CONSOLE_ROLES, csrf_ok, csrf_token, current_reviewer
from service.review.views import card
from service.schemas.cases import DecisionIn, ReasonCode
from service.store import cases as store
from service.store import fact_checks
from service.store.errors import StoreError
from service.store.keys import authenticate

router = APIRouter(prefix="/review", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
LEASE = timedelta(minutes=15)
Csrf = Annotated[str | None, Form()]


def _back(request: Request, message: str | None = None, anchor: str = "") -> RedirectResponse:
    if message:
        request.session["flash"] = message
    return RedirectResponse(f"/review{anchor}", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, error: str | None = None) -> Response:
    ctx = {"csrf": csrf_token(request), "error": error}
    return templates.TemplateResponse(request, "login.html", ctx, status_code=401 if error else 200)


@router.post("/login")
def login(request: Request, db: DatabaseDep, key: Annotated[str, Form()], csrf: Csrf = None) -> Response:
    if not csrf_ok(request, csrf):
        return login_page(request, "The form expired; try again.")
    who = authenticate(db, key.strip())
    if who is None or who.role not in CONSOLE_ROLES:
        return login_page(request, "That key is unknown, revoked, or not a reviewer key.")
    request.session.clear()
    request.session["key_id"] = who.key_id
    return _back(request, f"Signed in as {who.name}.")


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/review/login", status_code=303)


@router.get("", response_class=HTMLResponse)
def queue_page(request: Request, db: DatabaseDep, assessor: AssessorDep) -> Response:
    who = current_reviewer(request, db)
    if who is None:
        return RedirectResponse("/review/login", status_code=303)
    now = datetime.now(UTC)
    policies = {p.ref: p for p in assessor.all_policies}
    cards = [card(c, policies) for c in store.held_by(db, who.name, now)]
    ctx = {
        "who": who,
        "cards": cards,
        "waiting": store.count_available(db, now),
        "csrf": csrf_token(request),
        "flash": request.session.pop("flash", None),
        "actions": [a.value for a in Action],
        "reasons": [r.value for r in ReasonCode],
        "ratings": list(RATINGS),
        "nonce": uuid.uuid4().hex,
    }
    return templates.TemplateResponse(request, "queue.html", ctx)


@router.post("/claim")
def claim(
    request: Request, db: DatabaseDep, n: Annotated[int, Form(ge=1, le=50)] = 10, csrf: Csrf = None
) -> Response:
    who = current_reviewer(request, db)
    if who is None or not csrf_ok(request, csrf):
        return RedirectResponse("/review/login", status_code=303)
    got = store.claim(db, who.name, n, LEASE, datetime.now(UTC))
    return _back(request, f"You hold {len(got)} case(s) for {int(LEASE.total_seconds() // 60)} minutes.")


def _decide(
    request: Request,
    db: DatabaseDep,
    ids: list[int],
    body: DecisionIn,
    key: str | None,
    cells: dict[str, frozenset[str]] | None = None,
) -> Response:
    """`cells`: each policy's cells, which a verdict's correct_cell must name."""
    who = current_reviewer(request, db)
    if who is None:
        return RedirectResponse("/review/login", status_code=303)
    try:
        review.decide(db, ids, body, who.name, key, cells, datetime.now(UTC))
    except (store.CaseError, DecisionError) as exc:
        return _back(request, f"Not saved: {exc}")
    return _back(request, f"Saved the decision on {len(ids)} case(s).")


@router.post("/cases/{case_id}/accept")
def accept(
    request: Request,
    case_id: int,
    db: DatabaseDep,
    csrf: Csrf = None,
    key: Annotated[str | None, Form()] = None,
) -> Response:
    if not csrf_ok(request, csrf):
        return _back(request, "The form expired; reload and try again.")
    body = DecisionIn(accept_all=True, reason_code=ReasonCode.policy_applies)
    return _decide(request, db, [case_id], body, key)


@router.post("/cases/{case_id}/override")
def override(
    request: Request,
    case_id: int,
    db: DatabaseDep,
    assessor: AssessorDep,
    reason_code: Annotated[ReasonCode, Form()],
    correct_cells: Annotated[list[str] | None, Form()] = None,
    final_actions: Annotated[list[Action] | None, Form()] = None,
    final_labels: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    csrf: Csrf = None,
    key: Annotated[str | None, Form()] = None,
) -> Response:
    if not csrf_ok(request, csrf):
        return _back(request, "The form expired; reload and try again.")
    try:
        case, _ = store.get_case(db, case_id)
    except store.CaseError as exc:
        return _back(request, f"Not saved: {exc}")
    # "policy@version|cell" from the picker: the cell the reviewer says is right.
    correct = dict(v.split("|", 1) for v in correct_cells or [] if "|" in v)
    verdicts = [
        {"policy": r["policy"], "cell": r["cell"], "action": r["action"], "verdict": "override"}
        | ({"correct_cell": correct[r["policy"]]} if r["policy"] in correct else {})
        for r in case.assessment.get("recommendations", [])
        if r["action"] != "no_action" or r["policy"] in correct  # a no_action can be corrected too
    ]
    body = DecisionIn.model_validate(
        {
            "verdicts": verdicts or [],
            "accept_all": not verdicts,
            "final_actions": final_actions or [Action.no_action],
            "final_labels": [x.strip() for x in final_labels.split(";") if x.strip()],
            "reason_code": reason_code,
            "note": note or None,
        }
    )
    return _decide(request, db, [case_id], body, key, policy_cells(assessor.all_policies))


@router.post("/cases/{case_id}/skip")
def skip(request: Request, case_id: int, db: DatabaseDep, csrf: Csrf = None) -> Response:
    who = current_reviewer(request, db)
    if who is None or not csrf_ok(request, csrf):
        return RedirectResponse("/review/login", status_code=303)
    try:
        store.release(db, case_id, who.name)
    except store.CaseError as exc:
        return _back(request, str(exc))
    return _back(request, f"Case {case_id} went back to the queue.")


@router.post("/bulk-accept")
def bulk_accept(
    request: Request,
    db: DatabaseDep,
    case_ids: Annotated[list[int], Form()],
    csrf: Csrf = None,
    key: Annotated[str | None, Form()] = None,
) -> Response:
    if not csrf_ok(request, csrf):
        return _back(request, "The form expired; reload and try again.")
    body = DecisionIn(accept_all=True, reason_code=ReasonCode.policy_applies)
    return _decide(request, db, list(dict.fromkeys(case_ids)), body, key)


@router.post("/cases/{case_id}/fact-check")
def bank_claim(
    request: Request,
    case_id: int,
    db: DatabaseDep,
    claim: Annotated[str, Form(min_length=1, max_length=2000)],
    url: Annotated[str, Form(min_length=8, max_length=2000, pattern=r"^https?://\S+$")],
    rating: Annotated[str, Form()] = "false",
    title: Annotated[str, Form(max_length=500)] = "",
    publisher: Annotated[str, Form(max_length=200)] = "",
    csrf: Csrf = None,
) -> Response:
    """A reviewer banks the case's claim with a fact-check's verdict and link,
    as they bank an image: later tweets repeating it match it."""
    if not csrf_ok(request, csrf):
        return _back(request, "The form expired; reload and try again.")
    who = current_reviewer(request, db)
    if who is None:
        return RedirectResponse("/review/login", status_code=303)
    fields = fact_checks.FactCheckFields(
        claim=claim.strip(), rating=rating, url=url, title=title or None, publisher=publisher or None
    )
    try:
        store.get_case(db, case_id)
        [row], _ = fact_checks.add(db, [fields], who.name)
    except (store.CaseError, StoreError) as exc:
        return _back(request, f"Not banked: {exc}")
    request.app.state.follower.sync()  # kicks this process's matcher rebuild, once
    return _back(request, f"Banked fact-check #{row.id} ({rating}) from case {case_id}.", f"#case-{case_id}")
