"""GET /v1/transparency?from=&to=: the report as JSON."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Query

from service.api.auth import DatabaseDep, ReaderDep
from service.legal.transparency import transparency
from service.schemas.tweet import Timestamp
from service.store.legal import all_orders
from service.store.reports import load_facts

router = APIRouter(prefix="/v1", tags=["transparency"])


@router.get("/transparency")
def report(
    db: DatabaseDep,
    _who: ReaderDep,
    start: Annotated[Timestamp, Query(alias="from", description="Inclusive, ISO 8601.")],
    end: Annotated[Timestamp, Query(alias="to", description="Exclusive, ISO 8601.")],
) -> dict[str, Any]:
    """Counts for the half-open window [from, to); `to` at or before `from`
    is an empty window, and its report counts nothing."""
    start, end = (d if d.tzinfo else d.replace(tzinfo=UTC) for d in (start, end))
    end = max(start, end)
    return transparency(load_facts(db, start, end), all_orders(db), start, end)
