"""Backpressure: a bound on tweets in flight, fast 503s beyond it, deadlines,
and a readiness check that reports saturation. The overload tests drive a
real `harmlabel serve` process over a real socket."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.inference.batcher import DeadlineExpiredError, MicroBatcher
from service.pipeline.admission import Admission, OverloadedError
from service.settings import Settings, load_settings
from tests.conftest import make_key
from tests.server import running


def test_admission_bounds_tweets_in_flight_and_always_admits_when_idle() -> None:
    admission = Admission(capacity=4, deadline_s=1.0)
    with admission.admit(3):
        assert admission.in_flight == 3
        with admission.admit(1):
            assert admission.saturation == 1.0 and not admission.ready
            with pytest.raises(OverloadedError) as refused, admission.admit(1):
                pass
            assert refused.value.reason == "capacity" and refused.value.retry_after_s >= 1
    assert admission.in_flight == 0
    with admission.admit(50):  # larger than the bound, but nothing else is running
        assert admission.in_flight == 50
    assert admission.in_flight == 0 and admission.ready


def test_a_request_past_its_deadline_is_not_scored() -> None:
    scored: list[list[str]] = []
    release = threading.Event()

    def run(texts: list[str]) -> list[int]:
        scored.append(texts)
        release.wait(5)
        return [len(t) for t in texts]

    batcher: MicroBatcher[int] = MicroBatcher(run, window_s=0)
    leader = threading.Thread(target=batcher.submit, args=(["first"],))
    leader.start()
    time.sleep(0.1)  # the leader is now inside run()
    errors: list[BaseException] = []

    def late() -> None:
        try:
            batcher.submit(["late"], deadline=time.monotonic() + 0.05)
        except DeadlineExpiredError as exc:
            errors.append(exc)

    follower = threading.Thread(target=late)
    follower.start()
    time.sleep(0.2)  # its deadline passes while it is queued
    release.set()
    leader.join(5)
    follower.join(5)
    assert [type(e) for e in errors] == [DeadlineExpiredError]
    assert scored == [["first"]], "the expired request must not reach the model"


def test_readyz_reports_saturation(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_in_flight": 2}))
    with TestClient(app) as client:
        body = client.get("/readyz").json()
        assert body["status"] == "ready" and body["load"]["capacity"] == 2
        with app.state.admission.admit(2):
            saturated = client.get("/readyz")
            assert saturated.status_code == 503
            assert saturated.json()["status"] == "saturated"
            assert saturated.json()["load"]["in_flight"] == 2


def test_a_saturated_worker_refuses_before_reading_the_body(settings: Settings) -> None:
    """At capacity the gate answers 503 without parsing: even a malformed
    body gets the 503, not a 422, and /metrics counts it under its route."""
    app = create_app(settings.model_copy(update={"max_in_flight": 2}))
    key = make_key(settings)
    with TestClient(app) as client:
        with app.state.admission.admit(2):
            r = client.post("/v1/assess", content=b"{not json", headers={"X-API-Key": key})
            assert r.status_code == 503, r.text
            assert int(r.headers["retry-after"]) >= 1
            assert r.json()["detail"][0]["type"] == "overloaded.capacity"
        assert client.post("/v1/assess", content=b"{not json", headers={"X-API-Key": key}).status_code == 422
        metrics = client.get("/metrics").text
        assert 'harmlabel_shed_total{reason="capacity"} 1.0' in metrics
        assert 'method="POST",route="/v1/assess",status="503"' in metrics


def test_a_tweet_past_its_deadline_gets_503_not_a_score(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"request_deadline_ms": 0.001}))
    key = make_key(settings)
    with TestClient(app) as client:
        r = client.post("/v1/assess", json={"id": "1", "text": "hello"}, headers={"X-API-Key": key})
        assert r.status_code == 503 and r.json()["detail"][0]["type"] == "overloaded.deadline"
        assert 'harmlabel_shed_total{reason="deadline"} 1.0' in client.get("/metrics").text


def _post(url: str, key: str, body: object) -> tuple[int, dict[str, str], float]:
    req = urllib.request.Request(
        url, json.dumps(body).encode(), {"content-type": "application/json", "X-API-Key": key}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()
            return r.status, dict(r.headers), time.monotonic() - started
    except urllib.error.HTTPError as err:
        err.read()
        return err.code, dict(err.headers), time.monotonic() - started


@pytest.mark.slow
def test_overload_gets_fast_503s_not_timeouts(tmp_path: Path, free_port: int) -> None:
    """64 clients at once against a server admitting 4 tweets: every request
    is answered, the refused ones at once with Retry-After, and /metrics
    counts them."""
    state = tmp_path / "state"
    key = make_key(load_settings(state_dir=state))
    env = {"HARMLABEL_MAX_IN_FLIGHT": "4", "HARMLABEL_SCORE_CACHE_SIZE": "0"}
    env["HARMLABEL_LOG_LEVEL"] = "warning"  # stderr is a pipe nobody reads while it runs
    with running(state, free_port, **env) as base:
        bodies = [{"id": str(i), "text": f"Tweet {i}: the vaccine rollout starts Monday"} for i in range(256)]
        url = f"{base}/v1/assess?spans=false"
        with ThreadPoolExecutor(64) as pool:
            results = list(pool.map(lambda b: _post(url, key, b), bodies))
        codes = [c for c, _, _ in results]
        assert set(codes) <= {200, 503}, codes
        assert codes.count(200) >= 4 and codes.count(503) > 0, codes
        shed = [(h, s) for c, h, s in results if c == 503]
        assert all(int(h["retry-after"]) >= 1 for h, _ in shed)
        slowest_admitted = max(s for c, _, s in results if c == 200)
        fastest_shed = sorted(s for _, s in shed)[len(shed) // 2]
        assert fastest_shed < slowest_admitted, "a refusal must come faster than scoring"
        metrics = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
        shed_line = 'harmlabel_shed_total{reason="capacity"}'
        line = next(ln for ln in metrics.splitlines() if ln.startswith(shed_line))
        assert float(line.split()[-1]) == codes.count(503)


@pytest.mark.slow
def test_two_workers_serve_with_threads_split(tmp_path: Path, free_port: int) -> None:
    state = tmp_path / "state"
    key = make_key(load_settings(state_dir=state))
    with running(state, free_port, HARMLABEL_WORKERS="2", HARMLABEL_LOG_LEVEL="warning") as base:
        url = f"{base}/v1/assess?spans=false"
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: _post(url, key, {"id": str(i), "text": f"hi {i}"}), range(16)))
        assert {c for c, _, _ in results} == {200}


def test_workers_split_the_cores_between_them() -> None:
    import os

    cores = os.cpu_count() or 1
    assert load_settings(workers=1).ort_threads == cores
    assert load_settings(workers=2).ort_threads == max(1, cores // 2)
    assert load_settings(workers=2, inference_threads=3).ort_threads == 3
