"""Legal orders: admins register them; the index every assessment consults
is rebuilt before the response, so the next tweet already meets the order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from service.api.auth import AdminDep, DatabaseDep, ReviewerDep
from service.api.deps import RowId, SettingsDep
from service.legal.orders import OrderIndex, OrderInfo
from service.legal.reporting import lumen_record, order_report
from service.legal.targets import TargetKind
from service.pipeline.assess import Assessor
from service.schemas.legal import LegalOrderIn, LegalOrderOut, TargetReport
from service.settings import Settings
from service.store import legal as store
from service.store.db import Database
from service.store.reports import load_facts

router = APIRouter(prefix="/v1/legal-orders", tags=["legal orders"])


def refresh_orders(request: Request, db: Database) -> None:
    assessor: Assessor = request.app.state.assessor
    assessor.orders.index = OrderIndex(store.all_orders(db))


def default_deadline(settings: Settings, country: str, basis: str, received: datetime) -> datetime:
    clocks = settings.legal_deadline_hours
    hours = clocks.get(f"{basis}@{country}", clocks.get(country, clocks.get("*", 72.0)))
    return received + timedelta(hours=hours)


def _out(
    o: OrderInfo, status: str | None = None, report: list[dict[str, Any]] | None = None
) -> LegalOrderOut:
    return LegalOrderOut(
        id=o.id,
        country=o.country,
        legal_basis=o.legal_basis,
        authority=o.authority,
        reference=o.reference,
        emergency=o.emergency,
        sealed=o.sealed,
        received_at=o.received_at,
        deadline=o.deadline,
        targets=[{"kind": k.value, "value": v} for k, v in o.targets],
        status=status,
        report=None if report is None else [TargetReport(**t) for t in report],
    )


def _order(db: Database, order_id: int) -> OrderInfo:
    found = store.get_order(db, order_id)
    if found is None:
        raise HTTPException(404, f"no legal order {order_id}")
    return found


@router.post("", status_code=201)
def create_order(
    body: LegalOrderIn, request: Request, db: DatabaseDep, settings: SettingsDep, who: AdminDep
) -> LegalOrderOut:
    received = body.received_at or datetime.now(UTC)
    deadline = body.deadline or default_deadline(settings, body.country, body.legal_basis, received)
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
    order = store.create_order(db, fields, who.name)
    refresh_orders(request, db)
    return _out(order)


@router.get("")
def list_orders(db: DatabaseDep, _who: ReviewerDep) -> list[LegalOrderOut]:
    facts = load_facts(db, legal_only=True)
    return [_out(o, order_report(o, facts)[0]) for o in store.all_orders(db)]


@router.get("/{order_id}")
def get_order(order_id: RowId, db: DatabaseDep, _who: ReviewerDep) -> LegalOrderOut:
    order = _order(db, order_id)
    status, report = order_report(order, load_facts(db, legal_only=True))
    return _out(order, status, report)


@router.get("/{order_id}/lumen.json")
def lumen(order_id: RowId, db: DatabaseDep, _who: ReviewerDep) -> dict[str, Any]:
    return lumen_record(_order(db, order_id), load_facts(db, legal_only=True))
