"""A reviewer's decision, from DecisionIn to stored rows, for the API and
the console alike.

A verdict must name a recommendation the case actually carried, so the
training signal derived from decisions is never about a suggestion that was
not made.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from service.policy.schema import Policy
from service.schemas.assessment import Assessment
from service.schemas.cases import CaseOut, DecisionIn, DecisionOut
from service.schemas.tweet import Tweet
from service.store import cases as store
from service.store.cases import DecisionFields, effective_priority
from service.store.db import Database
from service.store.models import Case, Decision


class DecisionError(ValueError):
    def __init__(self, loc: list[str | int], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def decide(
    db: Database,
    case_ids: list[int],
    body: DecisionIn,
    reviewer: str,
    key: str | None,
    cells: dict[str, frozenset[str]] | None,
    now: datetime,
) -> tuple[list[Decision], bool]:
    """Decide every case the same way, all or none; (decisions, replayed).
    The idempotency key is scoped to the reviewer, so two reviewers' keys
    never collide; several cases share one bulk id for the audit."""
    items = [(cid, to_fields(body, store.get_case(db, cid)[0].assessment, cells)) for cid in case_ids]
    scoped = f"{reviewer}:{key}" if key else None
    bulk = uuid.uuid4().hex if len(case_ids) > 1 else None
    return store.decide(db, items, reviewer, now, scoped, bulk)


def acting(assessment: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in assessment.get("recommendations", []) if r["action"] != "no_action"]


def policy_cells(policies: list[Policy]) -> dict[str, frozenset[str]]:
    """Policy ref → its cells: what a verdict's `correct_cell` may name."""
    return {p.ref: frozenset(r.cell for r in p.rules) for p in policies}


def to_fields(
    body: DecisionIn, assessment: dict[str, Any], cells: dict[str, frozenset[str]] | None = None
) -> DecisionFields:
    suggested = acting(assessment)
    if body.accept_all:
        verdicts = [
            {"policy": r["policy"], "cell": r["cell"], "action": r["action"], "verdict": "accept"}
            for r in suggested
        ]
        actions = [r["action"] for r in suggested] if body.final_actions is None else body.final_actions
        labels = sorted({r["label_text"] for r in suggested if r.get("label_text")})
    else:
        known = {(r["policy"], r["cell"], r["action"]) for r in assessment.get("recommendations", [])}
        for i, v in enumerate(body.verdicts):
            if (v.policy, v.cell, v.action.value) not in known:
                raise DecisionError(
                    ["body", "verdicts", i],
                    f"the case has no recommendation {v.policy} [{v.cell}] → {v.action}",
                )
            if v.correct_cell is not None:
                _check_correct_cell(v.policy, v.correct_cell, v.verdict, (cells or {}).get(v.policy), i)
        verdicts = [v.model_dump(mode="json") for v in body.verdicts]
        actions = body.final_actions or []
        labels = []
    return DecisionFields(
        verdicts=verdicts,
        final_labels=body.final_labels if body.final_labels is not None else labels,
        final_actions=[str(a) for a in actions],
        reason_code=body.reason_code.value,
        note=body.note,
    )


def _check_correct_cell(policy: str, cell: str, verdict: str, known: frozenset[str] | None, i: int) -> None:
    loc: list[str | int] = ["body", "verdicts", i, "correct_cell"]
    if verdict != "override":
        raise DecisionError(loc, "correct_cell goes with an override: an accepted cell is already correct")
    if known is None:
        raise DecisionError(loc, f"policy {policy} is no longer loaded; its cells cannot be checked")
    if cell not in known:
        raise DecisionError(loc, f"{policy} has no cell {cell!r}; its cells: {', '.join(sorted(known))}")


def decision_out(d: Decision) -> DecisionOut:
    return DecisionOut.model_validate(d, from_attributes=True)


def case_out(case: Case, now: datetime | None = None, history: list[Decision] | None = None) -> CaseOut:
    now = now or datetime.now(UTC)
    deadline = case.sla_deadline if case.sla_deadline.tzinfo else case.sla_deadline.replace(tzinfo=UTC)
    lease = case.lease_expires_at
    return CaseOut(
        id=case.id,
        tweet_id=case.tweet_id,
        status=case.status,
        priority=case.priority,
        priority_band=case.priority_band,
        effective_priority=round(effective_priority(case, now), 4),
        sla_deadline=deadline,
        sla_breached=case.status != "decided" and deadline < now,
        submissions=case.submissions,
        created_at=case.created_at,
        updated_at=case.updated_at,
        assigned_to=case.assigned_to,
        lease_expires_at=lease if lease is None or lease.tzinfo else lease.replace(tzinfo=UTC),
        tweet=Tweet.model_validate(case.tweet),
        assessment=Assessment.model_validate(case.assessment),
        decisions=None if history is None else [decision_out(d) for d in history],
    )
