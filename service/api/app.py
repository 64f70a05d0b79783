"""Application factory: the one place that wires Settings into the HTTP layer.

Everything that can be wrong with the configuration, the model folder or the
policies fails here, at start-up, not on the first request.
"""

from __future__ import annotations

from fastapi import FastAPI

from service import __version__
from service.api import assess, catalog, health, metrics
from service.api.limits import BodySizeLimit
from service.inference import TextModel
from service.inference.card import resolve_current
from service.pipeline.assess import Assessor
from service.policy.schema import load_policies
from service.policy.signals import known_signals, thresholds
from service.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the app for these settings; tests pass their own."""
    model = TextModel(resolve_current(settings.models_dir), threads=settings.inference_threads)
    policies = load_policies(settings.policies_dir, known_signals(model.card), thresholds(model.card))
    app = FastAPI(
        title="harmlabel",
        version=__version__,
        summary="Harm scores and policy label recommendations for tweets.",
    )
    app.state.settings = settings
    app.state.assessor = Assessor(model, policies)
    app.state.metrics = metrics.Metrics()
    app.middleware("http")(app.state.metrics.middleware)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    for module in (health, assess, catalog, metrics):
        app.include_router(module.router)
    return app
