"""Prometheus metrics, in a registry per app so tests can build many apps."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.schemas.assessment import Assessment


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "harmlabel_requests_total", "HTTP requests", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "harmlabel_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "harmlabel_batch_tweets",
            "Tweets per scoring call",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
            registry=self.registry,
        )
        self.microbatch = Histogram(
            "harmlabel_microbatch_texts",
            "Texts per ONNX Runtime call after coalescing concurrent requests",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
            registry=self.registry,
        )
        self.microbatch_requests = Histogram(
            "harmlabel_microbatch_requests",
            "Requests coalesced into one ONNX Runtime call",
            buckets=(1, 2, 3, 4, 6, 8, 12, 16, 32, 64),
            registry=self.registry,
        )
        self.cache = Counter(
            "harmlabel_score_cache_total", "Duplicate-cache lookups", ["result"], registry=self.registry
        )
        self.rate_limited = Counter(
            "harmlabel_rate_limited_total",
            "Requests answered 429: the API key's token bucket was empty",
            ["role"],
            registry=self.registry,
        )
        self.shed = Counter(
            "harmlabel_shed_total",
            "Requests answered 503 by backpressure: over capacity, or queued past their deadline",
            ["reason"],
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "harmlabel_in_flight_tweets",
            "Tweets queued or being scored (backpressure)",
            registry=self.registry,
        )
        self.reloads = Counter(
            "harmlabel_model_reloads_total",
            "Model reloads: loaded, refused (the old model kept serving) or unchanged",
            ["result"],
            registry=self.registry,
        )
        self.recommendations = Counter(
            "harmlabel_recommendations_total",
            "Recommendations by action and policy",
            ["action", "policy"],
            registry=self.registry,
        )

    def observe_batch(self, texts: int, requests: int) -> None:
        self.microbatch.observe(texts)
        self.microbatch_requests.observe(requests)

    def reloads_result(self, result: str) -> None:
        self.reloads.labels(result).inc()

    def observe_cache(self, hits: int, misses: int) -> None:
        self.cache.labels("hit").inc(hits)
        self.cache.labels("miss").inc(misses)

    def observe_assessments(self, assessments: list[Assessment]) -> None:
        self.batch_size.observe(len(assessments))
        for a in assessments:
            for r in a.recommendations:
                self.recommendations.labels(r.action.value, r.policy.split("@")[0]).inc()


class MetricsMiddleware:
    """Request count and latency per route, as pure ASGI middleware: the
    `@app.middleware("http")` form wraps every request and response in
    extra tasks and streams, which cost more than the metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(path).observe(time.perf_counter() - started)
            self.metrics.requests.labels(path, scope["method"], str(status)).inc()


router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    m: Metrics = request.app.state.metrics
    return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)
