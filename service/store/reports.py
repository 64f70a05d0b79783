"""Read cases with their decisions, for order reports and transparency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from service.store.db import Database
from service.store.models import Case, Decision


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    tweet: dict[str, Any]
    assessment: dict[str, Any]
    created_at: datetime
    decisions: list[dict[str, Any]]  # oldest first: final_actions, verdicts, created_at

    @property
    def final_actions(self) -> list[str] | None:
        return self.decisions[-1]["final_actions"] if self.decisions else None


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def load_facts(
    db: Database, start: datetime | None = None, end: datetime | None = None, legal_only: bool = False
) -> list[CaseFacts]:
    with db.session() as s:
        q = select(Case).order_by(Case.id)
        if start is not None:
            q = q.where(Case.created_at >= start)
        if end is not None:
            q = q.where(Case.created_at < end)
        if legal_only:
            q = q.where(Case.legal_deadline.is_not(None))
        cases = list(s.scalars(q))
        ids = [c.id for c in cases]
        decisions: dict[int, list[dict[str, Any]]] = {}
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            for d in s.scalars(select(Decision).where(Decision.case_id.in_(chunk)).order_by(Decision.id)):
                decisions.setdefault(d.case_id, []).append(
                    {
                        "final_actions": list(d.final_actions),
                        "verdicts": list(d.verdicts),
                        "created_at": _aware(d.created_at),
                    }
                )
        return [
            CaseFacts(c.id, dict(c.tweet), dict(c.assessment), _aware(c.created_at), decisions.get(c.id, []))
            for c in cases
        ]
