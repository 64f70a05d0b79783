"""Change counters, one per kind of shared state (fact-checks, media banks,
legal orders, API keys), bumped in the same transaction as every change to it.

A replica compares the counters with the ones its indexes were built at and
rebuilds what moved (`service.pipeline.follow`). The bump is one atomic
UPDATE, so two concurrent changes always move the counter twice: a replica
that rebuilt between them sees it move again. On PostgreSQL the bump also
sends a NOTIFY, delivered at commit, so listening replicas look at once
instead of at their next poll (`service.pipeline.listen`); the counters stay
the truth, so a lost notification only costs time.
"""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from service.store.db import Database
from service.store.models import BankVersion

FACT_CHECKS, MEDIA_BANKS, LEGAL_ORDERS, API_KEYS = "fact_checks", "media_banks", "legal_orders", "api_keys"
KINDS = (FACT_CHECKS, MEDIA_BANKS, LEGAL_ORDERS, API_KEYS)
CHANNEL = "harmlabel_changes"


def bump(s: Session, kind: str) -> None:
    moved = s.execute(
        update(BankVersion).where(BankVersion.kind == kind).values(version=BankVersion.version + 1)
    )
    if moved.rowcount == 0:  # type: ignore[attr-defined]
        s.add(BankVersion(kind=kind, version=1))
        s.flush()
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_notify(:channel, :kind)"), {"channel": CHANNEL, "kind": kind})


def current(db: Database) -> dict[str, int]:
    """Every counter; a kind never changed reads 0."""
    with db.session() as s:
        rows = s.execute(select(BankVersion.kind, BankVersion.version))
        found = {row.kind: row.version for row in rows}
    return {kind: found.get(kind, 0) for kind in KINDS}
