"""The review queue and its decisions.

Ordering with aging: a case's effective priority at time t is
`priority + AGING_PER_HOUR × hours waited`, so a P3 case (0.0) overtakes a
fresh P0 case (0.5) after 50 hours and nothing starves. Because the aging
term grows at the same rate for every case, the order never changes between
two cases as time passes, and it can be stored: `queue_key = priority −
AGING_PER_HOUR × hours from EPOCH to creation` sorts exactly like the
effective priority at any moment, in plain SQL.

Cases under a legal clock that ends within 48 hours come before all others,
soonest deadline first: a compliance deadline is not something aging trades
off against.

Claims are race-safe without row locks: each is a conditional UPDATE that
only succeeds on a case that is still open or whose lease ran out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from service.behaviour.coordination import Post, posts_of
from service.schemas.tweet import Tweet
from service.store.db import Database
from service.store.models import Case, Decision
from service.store.stream import Receipt, write_receipts

AGING_PER_HOUR = 0.01
SLA_HOURS = {"P0": 4, "P1": 24, "P2": 72, "P3": 168}
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
LEGAL_HORIZON = timedelta(hours=48)


class CaseError(ValueError):
    def __init__(self, message: str, status: int = 409, field: str = "case") -> None:
        super().__init__(message)
        self.status, self.field = status, field


@dataclass(frozen=True)
class DecisionFields:
    verdicts: list[dict[str, Any]]
    final_labels: list[str]
    final_actions: list[str]
    reason_code: str
    note: str | None = None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def queue_key(priority: float, created_at: datetime) -> float:
    return priority - AGING_PER_HOUR * _hours(created_at - EPOCH)


def effective_priority(case: Case, now: datetime) -> float:
    return case.priority + AGING_PER_HOUR * _hours(now - _aware(case.created_at))


def text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()


def _aware(dt: datetime) -> datetime:
    """SQLite returns naive datetimes; everything here is UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _available(now: datetime) -> ColumnElement[bool]:
    expired = and_(Case.status == "claimed", Case.lease_expires_at < now)
    return or_(Case.status == "open", expired)


_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Incoming:
    """One assessed tweet to store: the tweet as kept (no image bytes), its
    assessment, and what coordination will read of it later."""

    tweet: dict[str, Any]
    assessment: dict[str, Any]
    account: str | None = None
    posted_at: datetime | None = None
    minhash: bytes | None = None


def submit(
    db: Database, tweet: dict[str, Any], assessment: dict[str, Any], now: datetime
) -> tuple[Case, bool]:
    """One tweet: see `submit_many`."""
    [(case, created)] = submit_many(db, [Incoming(tweet, assessment)], now)
    return case, created


def submit_many(
    db: Database, batch: list[Incoming], now: datetime, receipts: Sequence[Receipt] = ()
) -> list[tuple[Case, bool]]:
    """Insert each case, or update the one with its tweet id (new metrics,
    new scores, an SLA that may only tighten), all in one transaction: a
    failure stores none of the batch. A stream worker's receipts commit in
    the same transaction. Returns (case, created) per item."""
    for _ in range(3):  # a concurrent first submission of a tweet wins the insert; then this batch updates
        try:
            with db.session() as s:
                stored = [_upsert(s, item, now) for item in batch]
                write_receipts(s, list(receipts), now)
                return stored
        except IntegrityError:
            continue
    raise CaseError(f"{len(batch)} tweets could not be stored; retry", status=503)


def _upsert(s: Session, item: Incoming, now: datetime) -> tuple[Case, bool]:
    tweet, assessment = item.tweet, item.assessment
    case = s.scalar(select(Case).where(Case.tweet_id == tweet["id"]))
    priority, band = float(assessment["priority"]), str(assessment["priority_band"])
    legal = _legal_deadline(assessment)
    if case is None:
        case = Case(
            tweet_id=tweet["id"],
            text_hash=text_hash(tweet["text"]),
            tweet=tweet,
            assessment=assessment,
            priority=priority,
            priority_band=band,
            queue_key=queue_key(priority, now),
            status="open",
            sla_deadline=min(now + timedelta(hours=SLA_HOURS[band]), legal or _NEVER),
            legal_deadline=legal,
            submissions=1,
            created_at=now,
            updated_at=now,
            account=item.account,
            posted_at=item.posted_at,
            minhash=item.minhash,
        )
        s.add(case)
        s.flush()
        return case, True
    created = _aware(case.created_at)
    case.tweet, case.assessment = tweet, assessment
    case.text_hash = text_hash(tweet["text"])
    case.priority, case.priority_band = priority, band
    case.queue_key = queue_key(priority, created)
    tighter = created + timedelta(hours=SLA_HOURS[band])
    case.sla_deadline = min(_aware(case.sla_deadline), tighter, legal or tighter)
    case.legal_deadline = legal
    case.submissions += 1
    case.updated_at = now
    case.account, case.posted_at, case.minhash = item.account, item.posted_at, item.minhash
    s.flush()
    return case, False


def _legal_deadline(assessment: dict[str, Any]) -> datetime | None:
    raw = assessment.get("legal_deadline")
    return _aware(datetime.fromisoformat(raw)) if raw else None


def recent_posts(db: Database, since: datetime, limit: int = 50_000) -> list[Post]:
    """Posts of cases submitted since `since`, as coordination reads them:
    account, time and the signature stored at insert. A case stored before
    migration 0006 has none; its stored tweet is read and hashed instead."""
    window = Case.created_at >= since
    with db.session() as s:
        signed = s.execute(
            select(Case.tweet_id, Case.account, Case.posted_at, Case.created_at, Case.minhash,
                   Case.tweet["text"].as_string())
            .where(window, Case.minhash.is_not(None), Case.account.is_not(None))
            .order_by(Case.id)
            .limit(limit)
        ).all()  # fmt: skip
        unsigned = s.execute(
            select(Case.tweet, Case.created_at)
            .where(window, Case.minhash.is_(None))
            .order_by(Case.id)
            .limit(limit)
        ).all()
    posts = [
        Post(tweet_id, account, text or "", _aware(posted_at or created_at), minhash)
        for tweet_id, account, posted_at, created_at, minhash, text in signed
    ]
    for tweet, created_at in unsigned:
        posts += posts_of([Tweet.model_validate(tweet)], _aware(created_at))
    return posts


def _order(now: datetime) -> tuple[Any, ...]:
    """Cases under a legal clock that ends within LEGAL_HORIZON come first,
    soonest deadline first; everything else by aged priority."""
    urgent = case(
        (and_(Case.legal_deadline.is_not(None), Case.legal_deadline < now + LEGAL_HORIZON), 0), else_=1
    )
    return (urgent, Case.legal_deadline, Case.queue_key.desc(), Case.sla_deadline, Case.id)


def list_cases(db: Database, status: str, now: datetime, limit: int, offset: int = 0) -> list[Case]:
    with db.session() as s:
        q = select(Case)
        if status == "open":
            q = q.where(_available(now))
        elif status == "claimed":
            q = q.where(Case.status == "claimed", Case.lease_expires_at >= now)
        else:
            q = q.where(Case.status == status)
        q = q.order_by(*_order(now)).limit(limit).offset(offset)
        return list(s.scalars(q))


def claim(db: Database, reviewer: str, n: int, lease: timedelta, now: datetime) -> list[Case]:
    """The next `n` available cases, leased to `reviewer`; cases it already
    holds come first, so a reloaded console shows the same work."""
    got = held_by(db, reviewer, now)[:n]
    while len(got) < n:
        with db.session() as s:
            ids = list(s.scalars(select(Case.id).where(_available(now)).order_by(*_order(now)).limit(n * 2)))
        if not ids:
            break
        for case_id in ids:
            if len(got) >= n:
                break
            with db.session() as s:
                won = s.execute(
                    update(Case)
                    .where(Case.id == case_id, _available(now))
                    .values(status="claimed", assigned_to=reviewer, lease_expires_at=now + lease)
                )
                if won.rowcount == 1:  # type: ignore[attr-defined]
                    got.append(s.get_one(Case, case_id))
    return got


def held_by(db: Database, reviewer: str, now: datetime) -> list[Case]:
    with db.session() as s:
        return list(
            s.scalars(
                select(Case)
                .where(Case.status == "claimed", Case.assigned_to == reviewer, Case.lease_expires_at >= now)
                .order_by(*_order(now))
            )
        )


def count_available(db: Database, now: datetime) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Case).where(_available(now))) or 0)


def release(db: Database, case_id: int, reviewer: str) -> None:
    """Give a claimed case back (a skip): it returns to the queue at once."""
    with db.session() as s:
        done = s.execute(
            update(Case)
            .where(Case.id == case_id, Case.status == "claimed", Case.assigned_to == reviewer)
            .values(status="open", assigned_to=None, lease_expires_at=None)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise CaseError(f"case {case_id} is not claimed by you")


def get_case(db: Database, case_id: int) -> tuple[Case, list[Decision]]:
    with db.session() as s:
        case = s.get(Case, case_id)
        if case is None:
            raise CaseError(f"no case {case_id}", status=404)
        history = list(s.scalars(select(Decision).where(Decision.case_id == case_id).order_by(Decision.id)))
        return case, history


def decide(
    db: Database,
    items: list[tuple[int, DecisionFields]],
    reviewer: str,
    now: datetime,
    idempotency_key: str | None = None,
    bulk_id: str | None = None,
) -> tuple[list[Decision], bool]:
    """Record one decision per case, all or none. A retried request with the
    same idempotency key returns the decisions first stored, and (…, True)."""
    case_ids = [cid for cid, _ in items]
    keys = [_key(idempotency_key, cid, len(case_ids) > 1) for cid in case_ids]
    if idempotency_key and (stored := _replay(db, keys)):
        if sorted(d.case_id for d in stored) != sorted(case_ids):
            raise CaseError("this Idempotency-Key was used for other cases", 422, "Idempotency-Key")
        return stored, True
    try:
        with db.session() as s:
            made = []
            for (case_id, fields), key in zip(items, keys, strict=True):
                case = s.get(Case, case_id)
                if case is None:
                    raise CaseError(f"no case {case_id}", status=404)
                lease = case.lease_expires_at
                if (
                    case.status == "claimed"
                    and case.assigned_to != reviewer
                    and lease
                    and _aware(lease) >= now
                ):
                    raise CaseError(f"case {case_id} is claimed by another reviewer until {lease:%H:%M:%S}Z")
                decision = Decision(
                    case_id=case_id,
                    reviewer=reviewer,
                    verdicts=fields.verdicts,
                    final_labels=fields.final_labels,
                    final_actions=fields.final_actions,
                    reason_code=fields.reason_code,
                    note=fields.note,
                    model_version=str(case.assessment.get("model_version") or "unscored"),
                    policy_versions=dict(case.assessment.get("policy_versions", {})),
                    idempotency_key=key,
                    bulk_id=bulk_id,
                    created_at=now,
                )
                s.add(decision)
                case.status, case.decided_at, case.updated_at = "decided", now, now
                case.assigned_to, case.lease_expires_at = None, None
                made.append(decision)
            s.flush()
            return made, False
    except IntegrityError:
        stored = _replay(db, keys)
        if stored:
            return stored, True
        raise


def _key(idempotency_key: str | None, case_id: int, bulk: bool) -> str | None:
    if not idempotency_key:
        return None
    return f"{idempotency_key}#{case_id}" if bulk else idempotency_key


def _replay(db: Database, keys: list[str | None]) -> list[Decision]:
    with db.session() as s:
        found = list(s.scalars(select(Decision).where(Decision.idempotency_key.in_([k for k in keys if k]))))
    return sorted(found, key=lambda d: keys.index(d.idempotency_key))


def count_decisions_since(db: Database, since: datetime) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count(Decision.id)).where(Decision.created_at > since)) or 0)
