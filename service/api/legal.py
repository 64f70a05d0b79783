"""Legal orders over HTTP: admins register them (`service.pipeline.orders`,
which rebuilds the index before the response, so the next tweet already
meets the order); reviewers read them with their compliance reports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from service.api.auth import AdminDep, DatabaseDep, ReviewerDep
from service.api.deps import RowId
from service.legal.orders import OrderInfo
from service.legal.reporting import lumen_record, order_report
from service.pipeline.orders import LegalOrders
from service.schemas.legal import LegalOrderIn, LegalOrderOut, TargetReport
from service.store import legal as store
from service.store.db import Database
from service.store.reports import load_facts

router = APIRouter(prefix="/v1/legal-orders", tags=["legal orders"])


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
def create_order(body: LegalOrderIn, request: Request, who: AdminDep) -> LegalOrderOut:
    orders: LegalOrders = request.app.state.legal_orders
    order = orders.register(body, who.name)
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
