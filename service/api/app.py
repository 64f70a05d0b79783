"""Application factory: the one place that wires Settings into the HTTP layer.

Everything that can be wrong with the configuration, the model folder or the
policies fails here, at start-up, not on the first request.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.middleware.sessions import SessionMiddleware

from service import __version__
from service.api import (
    admin,
    assess,
    cases,
    catalog,
    fact_checks,
    health,
    legal,
    media_banks,
    metrics,
    transparency,
    trends,
)
from service.api.auth import KeyCache
from service.api.deps import ScoringPool
from service.api.limits import BodySizeLimit, SaturationGate
from service.api.openapi import declare_limits
from service.api.ratelimit import RateLimiter
from service.inference.batcher import DeadlineExpiredError
from service.pipeline.admission import Admission, OverloadedError
from service.pipeline.follow import Follower
from service.pipeline.reload import ModelReloader
from service.pipeline.runtime import build_runtime
from service.pipeline.scheduler import RetrainScheduler
from service.review import console
from service.review.session import session_secret
from service.settings import Settings
from service.store import versions
from service.store.errors import StoreError


@asynccontextmanager
async def _background(app: FastAPI) -> AsyncIterator[None]:
    """The model watcher, the retraining scheduler, the follower of shared
    changes and its PostgreSQL listener run beside the server on daemon
    threads, started and stopped with it."""
    stop = threading.Event()
    settings: Settings = app.state.settings
    follower: Follower = app.state.follower
    workers = []
    if settings.model_watch_seconds > 0:
        workers.append(threading.Thread(target=app.state.reloader.watch, args=(stop,), daemon=True))
    if settings.retrain_after_decisions > 0:
        workers.append(threading.Thread(target=app.state.scheduler.watch, args=(stop,), daemon=True))
    if settings.replica_poll_seconds > 0:
        workers += follower.threads(stop, settings.replica_poll_seconds)
    for worker in workers:
        worker.start()
    yield
    stop.set()
    follower.wake()
    for worker in workers:
        worker.join(timeout=5)


async def _shed(request: Request, exc: Exception) -> JSONResponse:
    """Backpressure's answer: 503 at once, with when to retry."""
    overloaded = exc if isinstance(exc, OverloadedError) else OverloadedError("deadline", 1, str(exc))
    request.app.state.metrics.shed.labels(overloaded.reason).inc()
    return JSONResponse(overloaded.body(), 503, headers={"Retry-After": str(overloaded.retry_after_s)})


async def _store_error(request: Request, exc: Exception) -> JSONResponse:
    """Every route's refusal from the bank stores, in one shape naming the field."""
    assert isinstance(exc, StoreError)
    return JSONResponse(exc.body(), exc.status)


def create_app(settings: Settings) -> FastAPI:
    """Build the app for these settings; tests pass their own."""
    metrics_ = metrics.Metrics()
    runtime = build_runtime(settings, metrics_.observe_batch, metrics_.observe_cache)
    app = FastAPI(
        title="harmlabel",
        version=__version__,
        summary="Harm scores and policy label recommendations for tweets.",
        lifespan=_background,
    )
    app.state.settings = settings
    app.state.db = runtime.db
    app.state.key_cache = KeyCache()
    app.state.banks = runtime.banks
    app.state.follower = runtime.follower
    runtime.follower.on(versions.API_KEYS, app.state.key_cache.clear)  # a revoked key stops everywhere
    app.state.claims = runtime.claims
    app.state.assessor = runtime.assessor
    app.state.media_banks = runtime.media_banks
    app.state.legal_orders = runtime.legal_orders
    app.state.metrics = metrics_
    app.state.rate_limiter = RateLimiter(settings.rate_limits)
    app.state.admission = Admission(settings.max_in_flight, settings.request_deadline_ms / 1000)
    app.state.scoring_pool = ScoringPool(settings.scoring_threads)
    metrics_.in_flight.set_function(lambda: app.state.admission.in_flight)
    app.add_exception_handler(OverloadedError, _shed)
    app.add_exception_handler(DeadlineExpiredError, _shed)
    app.add_exception_handler(StoreError, _store_error)
    app.state.reloader = ModelReloader(settings, app.state.assessor, metrics_.reloads_result)
    app.state.scheduler = RetrainScheduler(settings, runtime.db, runtime.assessor)
    shed = metrics_.shed
    app.add_middleware(SaturationGate, admission=app.state.admission, on_shed=lambda r: shed.labels(r).inc())
    app.add_middleware(metrics.MetricsMiddleware, metrics=metrics_)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie="harmlabel_review",
        same_site="strict",
        https_only=settings.secure_cookies,
        max_age=12 * 3600,
    )
    routers = (
        health,
        admin,
        assess,
        cases,
        catalog,
        media_banks,
        fact_checks,
        legal,
        trends,
        transparency,
        metrics,
        console,
    )
    for module in routers:
        app.include_router(module.router)
    declare_limits(app, settings)
    return app
