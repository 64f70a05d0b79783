"""Liveness: answers while the process can serve HTTP at all."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from service import __version__

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str


@router.get("/healthz")
def healthz() -> Health:
    return Health(status="ok", version=__version__)
