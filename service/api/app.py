"""Application factory: the one place that wires Settings into the HTTP layer."""

from __future__ import annotations

from fastapi import FastAPI

from service import __version__
from service.api import health
from service.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the app for these settings; tests pass their own."""
    app = FastAPI(
        title="harmlabel",
        version=__version__,
        summary="Harm scores and policy label recommendations for tweets.",
    )
    app.state.settings = settings
    app.include_router(health.router)
    return app
