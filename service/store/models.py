"""Tables. Rows that record a human's judgement are never hard-deleted:
a removed bank entry keeps its row with `removed_at` set, so an audit can
always say why a past match happened."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always UTC-aware in Python. PostgreSQL keeps the
    zone; SQLite stores the wall clock and hands it back naive, which the API
    then served as a date-time without an offset (not RFC 3339: the fuzzer's
    schema check caught it). Stored as UTC, read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class MediaBank(Base):
    __tablename__ = "media_banks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    negative: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BankEntry(Base):
    __tablename__ = "bank_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank: Mapped[str] = mapped_column(ForeignKey("media_banks.name"), index=True)
    pdq: Mapped[str] = mapped_column(String(64))
    quality: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    original_date: Mapped[date | None] = mapped_column(Date, default=None)
    context: Mapped[str | None] = mapped_column(Text, default=None)
    tags: Mapped[str | None] = mapped_column(Text, default=None)
    derived: Mapped[str | None] = mapped_column(Text, default=None)  # space-separated PDQ hex
    added_by: Mapped[str | None] = mapped_column(String(100), default=None)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    removed_by: Mapped[str | None] = mapped_column(String(100), default=None)


class Case(Base):
    """One tweet in the review queue. `queue_key` orders the queue with aging
    built in (see `service.store.cases.queue_key`), so SQL can sort it."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tweet_id: Mapped[str] = mapped_column(String(64), unique=True)
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    tweet: Mapped[dict[str, Any]] = mapped_column(JSON)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[float] = mapped_column(Float)
    priority_band: Mapped[str] = mapped_column(String(4))
    queue_key: Mapped[float] = mapped_column(Float, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    sla_deadline: Mapped[datetime] = mapped_column(UtcDateTime())
    submissions: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # What coordination needs of the tweet, written at insert (migration 0006):
    # the account, when it posted, and its MinHash signature (64 uint64).
    account: Mapped[str | None] = mapped_column(String(100), default=None)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    assigned_to: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    legal_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class Decision(Base):
    """A reviewer's decision: append-only, enforced by database triggers."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(100))
    verdicts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    final_labels: Mapped[list[str]] = mapped_column(JSON)
    final_actions: Mapped[list[str]] = mapped_column(JSON)
    reason_code: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    model_version: Mapped[str] = mapped_column(String(100))
    policy_versions: Mapped[dict[str, str]] = mapped_column(JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    bulk_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LegalOrder(Base):
    __tablename__ = "legal_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    legal_basis: Mapped[str] = mapped_column(String(200))
    authority: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(200))
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deadline: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LegalTarget(Base):
    __tablename__ = "legal_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("legal_orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # account | tweet | hashtag | url
    value: Mapped[str] = mapped_column(String(500), index=True)  # normalised for matching


class ModelEvent(Base):
    """The model registry's audit trail: every gate decision, promotion and
    rollback, with its figures. Append-only, like decisions."""

    __tablename__ = "model_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # gate | promote | rollback
    version: Mapped[str] = mapped_column(String(100), index=True)
    previous: Mapped[str | None] = mapped_column(String(100), default=None)
    passed: Mapped[bool | None] = mapped_column(Boolean, default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FactCheck(Base):
    """A published fact-check a tweet can be matched to. Soft-deleted for the
    audit trail; `embedding` caches its vector for `embedder` (a version),
    so a restart or a replica does not embed the bank again."""

    __tablename__ = "fact_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text, default=None)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    rating: Mapped[str] = mapped_column(String(16))
    publisher: Mapped[str | None] = mapped_column(String(200), default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    review_date: Mapped[date | None] = mapped_column(Date, default=None)
    language: Mapped[str] = mapped_column(String(16), default="en")
    tags: Mapped[str | None] = mapped_column(Text, default=None)
    source_key: Mapped[str | None] = mapped_column(String(300), default=None, unique=True)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    embedder: Mapped[str | None] = mapped_column(String(100), default=None)
    added_by: Mapped[str | None] = mapped_column(String(100), default=None)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None, index=True)
    removed_by: Mapped[str | None] = mapped_column(String(100), default=None)


class BankVersion(Base):
    """One counter per bank kind, bumped in the same transaction as every
    change, so a matcher (on any replica) knows when to rebuild."""

    __tablename__ = "bank_versions"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class StreamReceipt(Base):
    """A stream message whose case is committed, written in the same
    transaction as the case: a redelivery (the worker died after its commit,
    before its ack) is recognised and acked without storing it twice."""

    __tablename__ = "stream_receipts"

    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tweet_id: Mapped[str] = mapped_column(String(64))
    deliveries: Mapped[int] = mapped_column(Integer)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class DeadLetter(Base):
    """A stream message that failed its last allowed delivery, kept with its
    payload and error so an operator can read, fix and replay it."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stream: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    subject: Mapped[str] = mapped_column(String(255))
    msg_id: Mapped[str | None] = mapped_column(String(255), default=None)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text)
    deliveries: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    replayed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
