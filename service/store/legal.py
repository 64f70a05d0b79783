"""Legal orders in the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from service.legal.orders import OrderInfo
from service.legal.targets import TargetKind, normalise_target
from service.store import versions
from service.store.db import Database
from service.store.models import LegalOrder, LegalTarget


@dataclass(frozen=True)
class OrderFields:
    country: str
    legal_basis: str
    authority: str
    reference: str
    emergency: bool
    sealed: bool
    received_at: datetime
    deadline: datetime
    targets: list[tuple[TargetKind, str]]


def create_order(db: Database, f: OrderFields, by: str) -> OrderInfo:
    with db.session() as s:
        row = LegalOrder(
            country=f.country.upper(),
            legal_basis=f.legal_basis,
            authority=f.authority,
            reference=f.reference,
            emergency=f.emergency,
            sealed=f.sealed,
            received_at=f.received_at,
            deadline=f.deadline,
            created_by=by,
            created_at=datetime.now(UTC),
        )
        s.add(row)
        s.flush()
        s.add_all(
            LegalTarget(order_id=row.id, kind=k.value, value=normalise_target(k, v)) for k, v in f.targets
        )
        versions.bump(s, versions.LEGAL_ORDERS)
        s.flush()
        return _info(row, [(k, normalise_target(k, v)) for k, v in f.targets])


def get_order(db: Database, order_id: int) -> OrderInfo | None:
    with db.session() as s:
        row = s.get(LegalOrder, order_id)
        if row is None:
            return None
        targets = s.scalars(
            select(LegalTarget).where(LegalTarget.order_id == order_id).order_by(LegalTarget.id)
        )
        return _info(row, [(TargetKind(t.kind), t.value) for t in targets])


def all_orders(db: Database) -> list[OrderInfo]:
    with db.session() as s:
        orders = list(s.scalars(select(LegalOrder).order_by(LegalOrder.id)))
        targets: dict[int, list[tuple[TargetKind, str]]] = {}
        for t in s.scalars(select(LegalTarget).order_by(LegalTarget.id)):
            targets.setdefault(t.order_id, []).append((TargetKind(t.kind), t.value))
        return [_info(o, targets.get(o.id, [])) for o in orders]


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _info(o: LegalOrder, targets: list[tuple[TargetKind, str]]) -> OrderInfo:
    return OrderInfo(
        o.id,
        o.country,
        o.legal_basis,
        o.authority,
        o.reference,
        o.emergency,
        o.sealed,
        _aware(o.received_at),
        _aware(o.deadline),
        tuple(targets),
    )
