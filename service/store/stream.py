"""What the stream worker keeps beside the cases: receipts and dead letters.

A receipt names a stream message whose case is committed. It is written in
the same transaction as the case (`cases.submit_many`), so "stored" and
"receipted" cannot disagree: a message redelivered because its worker died
between commit and ack is found here and acked without being stored again.
Receipts only need to outlive redelivery (ack wait × max deliveries), so old
ones are pruned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.store.db import Database
from service.store.models import DeadLetter, StreamReceipt


@dataclass(frozen=True)
class Receipt:
    stream: str
    seq: int
    tweet_id: str
    deliveries: int


def received(db: Database, stream: str, seqs: list[int]) -> set[int]:
    """The sequence numbers among `seqs` already committed."""
    if not seqs:
        return set()
    with db.session() as s:
        found = s.scalars(
            select(StreamReceipt.seq).where(StreamReceipt.stream == stream, StreamReceipt.seq.in_(seqs))
        )
        return set(found)


def write_receipts(s: Session, receipts: list[Receipt], now: datetime) -> None:
    s.add_all(
        StreamReceipt(stream=r.stream, seq=r.seq, tweet_id=r.tweet_id, deliveries=r.deliveries, stored_at=now)
        for r in receipts
    )
    s.flush()


def redelivered(db: Database, stream: str) -> int:
    """How many committed messages needed more than one delivery."""
    with db.session() as s:
        rows = s.scalars(
            select(StreamReceipt.seq).where(StreamReceipt.stream == stream, StreamReceipt.deliveries > 1)
        )
        return len(list(rows))


def prune_receipts(db: Database, before: datetime) -> int:
    with db.session() as s:
        gone = s.execute(delete(StreamReceipt).where(StreamReceipt.stored_at < before))
        return int(gone.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Letter:
    """A message that failed its last allowed delivery."""

    stream: str
    seq: int
    subject: str
    msg_id: str | None
    payload: bytes
    error: str
    deliveries: int


def dead_letter(db: Database, letter: Letter, now: datetime) -> int:
    with db.session() as s:
        row = DeadLetter(
            stream=letter.stream,
            seq=letter.seq,
            subject=letter.subject,
            msg_id=letter.msg_id,
            payload=letter.payload,
            error=letter.error[:4000],
            deliveries=letter.deliveries,
            created_at=now,
        )
        s.add(row)
        s.flush()
        return row.id


def dead_letters(
    db: Database, limit: int = 100, pending_only: bool = True, ids: list[int] | None = None
) -> list[DeadLetter]:
    with db.session() as s:
        query = select(DeadLetter).order_by(DeadLetter.id).limit(limit)
        if pending_only:
            query = query.where(DeadLetter.replayed_at.is_(None))
        if ids is not None:
            query = query.where(DeadLetter.id.in_(ids))
        rows = list(s.scalars(query))
        s.expunge_all()
        return rows


def mark_replayed(db: Database, ids: list[int], now: datetime) -> None:
    with db.session() as s:
        for row in s.scalars(select(DeadLetter).where(DeadLetter.id.in_(ids))):
            row.replayed_at = now
