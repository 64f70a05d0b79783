"""Legal-order writes: fill in the deadline the order's law gives when the
authority named none, store the order with its targets, and have this
process's follower rebuild the order index before returning, so the next
tweet here already meets it (the rebuild lives in `service.pipeline.follow`,
which every replica runs)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from service.legal.orders import OrderInfo
from service.legal.targets import TargetKind
from service.schemas.legal import LegalOrderIn
from service.settings import Settings
from service.store import legal as store
from service.store.db import Database


def default_deadline(settings: Settings, country: str, basis: str, received: datetime) -> datetime:
    clocks = settings.legal_deadline_hours
    hours = clocks.get(f"{basis}@{country}", clocks.get(country, clocks.get("*", 72.0)))
    return received + timedelta(hours=hours)


class LegalOrders:
    def __init__(self, db: Database, sync: Callable[[], object], settings: Settings) -> None:
        self.db, self.sync, self.settings = db, sync, settings

    def register(self, body: LegalOrderIn, by: str) -> OrderInfo:
        received = body.received_at or datetime.now(UTC)
        deadline = body.deadline or default_deadline(self.settings, body.country, body.legal_basis, received)
        t = body.targets
        targets = [
            *((TargetKind.account, v) for v in t.accounts),
            *((TargetKind.tweet, v) for v in t.tweets),
            *((TargetKind.hashtag, v) for v in t.hashtags),
            *((TargetKind.url, v) for v in t.urls),
        ]
        fields = store.OrderFields(
            body.country, body.legal_basis, body.authority, body.reference, body.emergency, body.sealed,
            received, deadline, targets,
        )  # fmt: skip
        order = store.create_order(self.db, fields, by)
        self.sync()
        return order
