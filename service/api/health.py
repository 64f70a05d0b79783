"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from service import __version__
from service.api.auth import DatabaseDep
from service.api.deps import AdmissionDep, AssessorDep
from service.store.db import schema_version

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str


class Saturation(BaseModel):
    in_flight: int
    capacity: int
    saturation: float
    ready_below: float


class ClaimsStatus(BaseModel):
    matcher: str
    ready: bool = Field(description="False until the first build of the bank (the service serves meanwhile).")
    fact_checks: int
    bank_version: int = Field(description="The stored bank version served; -1 before the first build.")
    threshold: float
    error: str | None = Field(description="The last rebuild's failure; the previous bank keeps serving.")


class Ready(BaseModel):
    status: str = Field(description="ready, saturated, stale, or database unavailable.")
    shared_state_age_s: float = Field(
        description="Seconds since this replica last confirmed its media banks and legal orders current."
    )
    database: str = Field(description="The schema migration the database is at, or why it cannot be read.")
    model_version: str = Field(description="The English model (each language's is under `models`).")
    models: dict[str, str] = Field(description="Language route -> the version serving it.")
    policies: dict[str, str]
    load: Saturation
    claims: ClaimsStatus | None = Field(
        None, description="The fact-check matcher, when one is installed: the bank version it serves."
    )


@router.get("/healthz")
def healthz() -> Health:
    """Alive: the process answers HTTP."""
    return Health(status="ok", version=__version__)


@router.get("/readyz", responses={503: {"model": Ready, "description": "Saturated: route elsewhere."}})
def readyz(
    request: Request, assessor: AssessorDep, admission: AdmissionDep, db: DatabaseDep, response: Response
) -> Ready:
    """Ready: the model loaded and every policy validated (both at start-up,
    which fails otherwise), the database answers at a migrated schema, this
    replica's banks and legal orders were confirmed current recently, and
    the worker is below its saturation mark; otherwise 503, so a load
    balancer routes away."""
    try:
        database, reachable = f"at migration {schema_version(db)}", True
    except SQLAlchemyError as exc:  # unreachable, or not migrated: nothing can be stored
        database, reachable = f"unavailable: {type(exc).__name__}", False
    settings, follower = request.app.state.settings, request.app.state.follower
    age = follower.stale_for() if settings.replica_poll_seconds > 0 else 0.0
    current = age <= settings.max_staleness_seconds
    ready = admission.ready and reachable and current
    response.status_code = 200 if ready else 503
    status = "ready"
    if not ready:
        status = "database unavailable" if not reachable else ("stale" if not current else "saturated")
    load = Saturation(
        in_flight=admission.in_flight,
        capacity=admission.capacity,
        saturation=round(admission.saturation, 3),
        ready_below=admission.ready_below,
    )
    return Ready(
        status=status,
        database=database,
        shared_state_age_s=round(age, 1),
        model_version=assessor.model.version,
        models={lang: lane.served.model.version for lang, lane in assessor.lanes.items()},
        policies=assessor.policy_versions,
        load=load,
        claims=ClaimsStatus(**assessor.claims.status()) if assessor.claims else None,
    )
