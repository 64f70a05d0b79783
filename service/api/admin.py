"""Operator endpoints: reload the model CURRENT names."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from service.api.auth import AdminDep
from service.pipeline.reload import ModelReloader, ReloadRefusedError

router = APIRouter(prefix="/v1/admin", tags=["admin"])


def _reloader(request: Request) -> ModelReloader:
    reloader: ModelReloader = request.app.state.reloader
    return reloader


class ReloadOut(BaseModel):
    status: str
    model_version: str
    previous: str


@router.post("/reload", responses={409: {"description": "The new model was refused; the old one serves."}})
def reload(
    _who: AdminDep,
    reloader: Annotated[ModelReloader, Depends(_reloader)],
    force: Annotated[bool, Query(description="Reload even if CURRENT names the served version.")] = False,
) -> ReloadOut:
    """Load the version models/CURRENT names beside the served one, smoke-test
    it, and swap; in-flight requests finish on the model they started with."""
    try:
        result = reloader.reload(force=force)
    except ReloadRefusedError as exc:
        raise HTTPException(409, detail=str(exc)) from None
    return ReloadOut(status=result.status, model_version=result.model_version, previous=result.previous)
