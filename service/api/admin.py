"""Operator endpoints: reload the model a language's pointer names."""

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
    language: str


@router.post("/reload", responses={409: {"description": "The new model was refused; the old one serves."}})
def reload(
    _who: AdminDep,
    reloader: Annotated[ModelReloader, Depends(_reloader)],
    force: Annotated[bool, Query(description="Reload even if CURRENT names the served version.")] = False,
    language: Annotated[
        str, Query(max_length=16, description="The language route to reload: en (CURRENT), hi (CURRENT-hi).")
    ] = "en",
) -> ReloadOut:
    """Load the version the language's pointer names beside the served one,
    smoke-test it, and swap; in-flight requests finish on the model they
    started with."""
    try:
        result = reloader.reload(force=force, language=language)
    except ReloadRefusedError as exc:
        raise HTTPException(409, detail=str(exc)) from None
    return ReloadOut(
        status=result.status, model_version=result.model_version, previous=result.previous, language=language
    )
