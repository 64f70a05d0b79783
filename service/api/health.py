"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from service import __version__
from service.api.deps import AssessorDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str


class Ready(BaseModel):
    status: str
    model_version: str
    policies: dict[str, str]


@router.get("/healthz")
def healthz() -> Health:
    """Alive: the process answers HTTP."""
    return Health(status="ok", version=__version__)


@router.get("/readyz")
def readyz(assessor: AssessorDep) -> Ready:
    """Ready: the model loaded and every policy validated (both at start-up,
    which fails otherwise); storage joins this check when it exists."""
    return Ready(status="ready", model_version=assessor.model.version, policies=assessor.policy_versions)
