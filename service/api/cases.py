"""The review queue over HTTP: submit, list, claim, decide.

Every acknowledged decision is committed (SQLite `synchronous=FULL`, or
PostgreSQL's commit) before the 2xx leaves, and an `Idempotency-Key` makes a
retried POST return the first answer instead of deciding twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Response
from fastapi.concurrency import run_in_threadpool

from service.api.assess import OVERLOAD, check_lengths
from service.api.auth import DatabaseDep, QueueDep, ReaderDep, ReviewerDep
from service.api.deps import AdmissionDep, AssessorDep, MetricsDep, RowId, ScoringPoolDep, SettingsDep
from service.api.media_input import prepare_media
from service.pipeline import intake, review
from service.pipeline.intake import coordination_config
from service.pipeline.review import DecisionError, case_out, decision_out, policy_cells
from service.schemas.cases import (
    BulkDecisionIn,
    CaseList,
    CaseOut,
    CaseStatus,
    CaseSubmit,
    ClaimRequest,
    DecisionIn,
    DecisionOut,
    SubmitResponse,
)
from service.store import cases as store

router = APIRouter(prefix="/v1/cases", tags=["review queue"])
IdempotencyKey = Annotated[str | None, Header(max_length=200, description="Makes a retried POST harmless.")]


def _fail(exc: store.CaseError | DecisionError) -> HTTPException:
    if isinstance(exc, DecisionError):
        return HTTPException(422, [{"loc": exc.loc, "msg": str(exc), "type": "value_error"}])
    return HTTPException(exc.status, [{"loc": [exc.field], "msg": str(exc), "type": "case_error"}])


@router.post("", status_code=200, responses=OVERLOAD)
async def submit_cases(
    body: CaseSubmit,
    assessor: AssessorDep,
    admission: AdmissionDep,
    pool: ScoringPoolDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    db: DatabaseDep,
    _who: QueueDep,
) -> SubmitResponse:
    if len(body.tweets) > settings.max_batch:
        msg = f"{len(body.tweets)} tweets; at most {settings.max_batch} per call (HARMLABEL_MAX_BATCH)"
        raise HTTPException(413, [{"loc": ["body", "tweets"], "msg": msg, "type": "too_long"}])
    check_lengths(body.tweets, settings, ("tweets",))
    with admission.admit(len(body.tweets)) as ticket:
        media = await run_in_threadpool(prepare_media, body.tweets, settings, ("tweets",))
        now, tweets = datetime.now(UTC), body.tweets
        # The store's reads and commit run on the event loop's threads; only
        # scoring takes one of the scoring pool's few threads.
        prepared = await run_in_threadpool(intake.prepare, db, tweets, coordination_config(settings), now)
        assessed = await pool.run(
            lambda: intake.assess(assessor, tweets, prepared, now, media, ticket.deadline)
        )
        stored = await run_in_threadpool(intake.store_assessed, db, tweets, assessed, prepared, now)
    metrics.observe_assessments(assessed)
    english = next((a.model_version for a in assessed if a.route == "model:en" and a.model_version), None)
    return SubmitResponse(cases=stored, model_version=english or assessor.model.version)


@router.get("")
def list_cases(
    db: DatabaseDep,
    _who: ReaderDep,
    status: CaseStatus = CaseStatus.open,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> CaseList:
    now = datetime.now(UTC)
    found = store.list_cases(db, status.value, now, limit, offset)
    return CaseList(cases=[case_out(c, now) for c in found], count=len(found))


@router.post("/claim")
def claim_cases(body: ClaimRequest, db: DatabaseDep, who: ReviewerDep) -> CaseList:
    now = datetime.now(UTC)
    got = store.claim(db, who.name, body.n, timedelta(seconds=body.lease_seconds), now)
    return CaseList(cases=[case_out(c, now) for c in got], count=len(got))


@router.post("/{case_id}/release", status_code=204)
def release_case(case_id: RowId, db: DatabaseDep, who: ReviewerDep) -> Response:
    try:
        store.release(db, case_id, who.name)
    except store.CaseError as exc:
        raise _fail(exc) from None
    return Response(status_code=204)


@router.get("/{case_id}")
def get_case(case_id: RowId, db: DatabaseDep, _who: ReaderDep) -> CaseOut:
    try:
        case, history = store.get_case(db, case_id)
    except store.CaseError as exc:
        raise _fail(exc) from None
    return case_out(case, history=history)


def _decide(
    db: Any,
    cells: dict[str, frozenset[str]],
    case_ids: list[int],
    body: DecisionIn,
    reviewer: str,
    key: str | None,
    response: Response,
) -> list[DecisionOut]:
    try:
        made, replayed = review.decide(db, case_ids, body, reviewer, key, cells, datetime.now(UTC))
    except (store.CaseError, DecisionError) as exc:
        raise _fail(exc) from None
    response.status_code = 200 if replayed else 201
    return [decision_out(d) for d in made]


@router.post("/{case_id}/decisions", status_code=201)
def decide_case(
    case_id: RowId,
    body: DecisionIn,
    response: Response,
    db: DatabaseDep,
    who: ReviewerDep,
    assessor: AssessorDep,
    idempotency_key: IdempotencyKey = None,
) -> DecisionOut:
    [made] = _decide(
        db, policy_cells(assessor.all_policies), [case_id], body, who.name, idempotency_key, response
    )
    return made


@router.post("/bulk-decisions", status_code=201)
def bulk_decide(
    body: BulkDecisionIn,
    response: Response,
    db: DatabaseDep,
    who: ReviewerDep,
    assessor: AssessorDep,
    idempotency_key: IdempotencyKey = None,
) -> list[DecisionOut]:
    ids = list(dict.fromkeys(body.case_ids))
    return _decide(
        db, policy_cells(assessor.all_policies), ids, body.decision, who.name, idempotency_key, response
    )
