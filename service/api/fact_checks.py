"""The fact-check bank: reviewers add and remove fact-checks; admins import
and export whole banks (schema.org ClaimReview, CheckThat! JSONL). Each
change bumps the bank version and starts a rebuild of this process's claim
index off the request path; other replicas follow the version by polling."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response

from service.api.auth import AdminDep, DatabaseDep, ReviewerDep
from service.api.deps import RowId
from service.claims import claimreview
from service.schemas.fact_checks import (
    FactCheckCreate,
    FactCheckImport,
    FactCheckList,
    FactCheckOut,
    ImportOutcome,
)
from service.store import fact_checks as store
from service.store.models import FactCheck

router = APIRouter(prefix="/v1/fact-checks", tags=["fact-checks"])


def _out(row: FactCheck) -> FactCheckOut:
    return FactCheckOut(**{k: getattr(row, k) for k in FactCheckOut.model_fields})


def _rebuild(request: Request) -> None:
    """The follower sees the bank's version move and kicks this process's
    rebuild on another thread (see ClaimBank.kick), once; /readyz's
    `claims.bank_version` says when it serves the change."""
    request.app.state.follower.sync()


@router.post("", status_code=201)
async def add(body: FactCheckCreate, request: Request, db: DatabaseDep, who: ReviewerDep) -> FactCheckOut:
    [row], _ = store.add(db, [store.FactCheckFields(**body.model_dump())], who.name)
    _rebuild(request)
    return _out(row)


@router.get("")
def listing(
    db: DatabaseDep,
    _who: ReviewerDep,
    q: str | None = Query(None, max_length=200, description="Words in the claim or title."),
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(50, ge=1, le=500),
) -> FactCheckList:
    rows, total = store.listing(db, offset, limit, q)
    return FactCheckList(items=[_out(r) for r in rows], total=total, bank_version=store.bank_version(db))


@router.get("/export")
def export(db: DatabaseDep, _who: AdminDep) -> list[dict[str, Any]]:
    """Every live fact-check as schema.org ClaimReview."""
    rows, _ = store.listing(db, 0, 10_000_000)
    return [claimreview.to_claim_review(r) for r in rows]


@router.get("/{fact_check_id}")
def get(fact_check_id: RowId, db: DatabaseDep, _who: ReviewerDep) -> FactCheckOut:
    return _out(store.get(db, fact_check_id))


@router.delete("/{fact_check_id}", status_code=204)
async def remove(fact_check_id: RowId, request: Request, db: DatabaseDep, who: ReviewerDep) -> Response:
    store.remove(db, fact_check_id, who.name)
    _rebuild(request)
    return Response(status_code=204)


@router.post("/import")
async def import_bank(
    body: FactCheckImport, request: Request, db: DatabaseDep, who: AdminDep
) -> ImportOutcome:
    """All or nothing: one item that cannot be read refuses the whole import, naming it."""
    parse = claimreview.from_claim_review if body.format == "claimreview" else claimreview.from_checkthat
    items = []
    for i, obj in enumerate(body.items):
        try:
            items.append(parse(obj))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise HTTPException(
                422, [{"loc": ["body", "items", i], "msg": str(exc), "type": "fact_check_error"}]
            ) from None
    rows, skipped = store.add(db, items, who.name)
    _rebuild(request)
    return ImportOutcome(added=len(rows), skipped_known=skipped, bank_version=store.bank_version(db))
