"""Hostile input: schemathesis generates requests from the app's own OpenAPI
document and sends them to the real app (SQLite store, the shipped models),
with an admin key so that every operation runs past authentication.

Every operation, on a fixed seed: no response may be a 5xx, and every
documented response must match its schema. A stateful run follows the
document's links, so decisions, releases, entry removals and fact-check
reads are tried on ids the API really issued. Last, the fuzzer's own
"validation mismatch" rule is checked: an operation whose every answer was a
400/422 declares less than it enforces.

HARMLABEL_FUZZ_EXAMPLES sets the examples per operation (default 20); the
longer run of the scale-out issue is `HARMLABEL_FUZZ_EXAMPLES=150 pytest
tests/test_fuzz.py` (about 5,000 requests).
"""

from __future__ import annotations

import os
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from service.api.app import create_app
from service.legal.orders import OrderIndex
from service.settings import RateLimit, load_settings
from service.store.keys import Role, create_key

EXAMPLES = int(os.environ.get("HARMLABEL_FUZZ_EXAMPLES", "20"))
CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # a fixed seed: the same requests on every run
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
PRISTINE = "pristine.db"
STATUSES: dict[str, list[int]] = defaultdict(list)  # operation -> status codes seen

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    state = tmp_path_factory.mktemp("fuzz")
    # One replica, no background pollers: the stateful run swaps the database file between scenarios.
    # No rate limit for the fuzzer's admin key: a 429 that depends on how fast
    # this machine runs would make the stateful run's answers differ between a
    # scenario and its replay (tests/test_ratelimit.py tests the limits).
    unlimited = {"admin": RateLimit(per_second=0, burst=1)}
    app = create_app(load_settings(state_dir=state, replica_poll_seconds=0, rate_limits=unlimited))
    with TestClient(app) as client:  # start-up and shutdown as in production
        key = create_key(app.state.db, Role.admin, "fuzzer")[0]
        _issue_real_ids(client, key)
        assert app.state.claims.settle(), "a fact-check rebuild is still reading the store"
        app.state.db.engine.dispose()
        live = Path(app.state.db.engine.url.database)
        _copy_db(live, live.with_name(PRISTINE))  # the stateful run restores it
        yield app, key


REAL: dict[str, list[Any]] = {}  # path parameter -> values the API issued before fuzzing


def _issue_real_ids(client: TestClient, key: str) -> None:
    """Cases, a fact-check, a bank with an entry and a legal order, so that
    half of each by-id operation's requests name something that exists."""
    auth = {"X-API-Key": key}
    tweets = [
        {"id": f"real{i}", "text": f"Drinking hot water every 15 minutes kills the virus #{i}"}
        for i in range(4)
    ]
    cases = client.post("/v1/cases", json={"tweets": tweets}, headers=auth).json()["cases"]
    fact = {"claim": "Hot water kills the coronavirus.", "rating": "false", "url": "https://f.example/hw"}
    order = {
        "country": "DE", "legal_basis": "NetzDG", "authority": "BfJ", "reference": "fuzz-1",
        "targets": {"hashtags": ["#fuzz"]},
    }  # fmt: skip
    client.post("/v1/media-banks", json={"name": "real"}, headers=auth)
    entry = client.post("/v1/media-banks/real/entries", json={"pdq": "a" * 64}, headers=auth).json()
    REAL.update(
        case_id=[c["case_id"] for c in cases],
        fact_check_id=[client.post("/v1/fact-checks", json=fact, headers=auth).json()["id"]],
        order_id=[client.post("/v1/legal-orders", json=order, headers=auth).json()["id"]],
        bank=["real"],
        entry_id=[entry["id"]],
    )


def _real_half_the_time(case: Any, n: int) -> None:
    """Every other request of a by-id operation names an id the API issued:
    decisions, releases and removals are fuzzed on real cases and entries,
    not only on ids that never existed (which test the 404 path)."""
    if n % 2 or not case.path_parameters:
        return
    for name in case.path_parameters:
        if REAL.get(name):
            case.path_parameters[name] = REAL[name][n // 2 % len(REAL[name])]


@pytest.fixture(scope="module")
def api_schema(served: tuple[FastAPI, str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", served[0])


def _authorised(case: Any, key: str) -> None:
    """The generated x-api-key / authorization headers give way to the admin key."""
    kept = {k: v for k, v in (case.headers or {}).items() if k.lower() not in {"x-api-key", "authorization"}}
    case.headers = {**kept, "X-API-Key": key}


def _fuzzer(operation: Any, key: str) -> Any:
    """A Hypothesis test of one operation: call it, record the status, check the answer."""

    @FUZZ
    @given(case=operation.as_strategy())
    def fuzz(case: Any) -> None:
        _authorised(case, key)
        _real_half_the_time(case, len(STATUSES[operation.label]))
        response = case.call()
        STATUSES[operation.label].append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    return fuzz


def test_no_operation_answers_5xx_or_off_its_schema(api_schema: Any, served: tuple[FastAPI, str]) -> None:
    """One Hypothesis run per operation (schemathesis's pytest plugin does not
    load under pytest 9, so the operations are walked here); every failure of
    every operation is collected and reported together."""
    failures: dict[str, str] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzzer(operation, served[1])()
        except Exception as exc:  # every operation's failure, then one assertion
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:2000]}"
    requests = sum(len(codes) for codes in STATUSES.values())
    print(f"{requests} requests over {len(STATUSES)} operations")
    assert not failures, "\n\n".join(f"{label}\n{why}" for label, why in failures.items())


def _copy_db(source: Path, target: Path) -> None:
    """SQLite's online backup: what is still in the write-ahead log comes
    along (a file copy missed it whenever a connection was still open)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _empty(app: FastAPI) -> None:
    """Back to the store as it was when the fuzzer's key was made (decisions
    are append-only, so rows are not deleted: the database file is), and the
    indexes built from it."""
    assert app.state.claims.settle(), "a fact-check rebuild is still reading the store"
    app.state.db.engine.dispose()
    live = Path(app.state.db.engine.url.database)
    _copy_db(live.with_name(PRISTINE), live)
    app.state.banks.replace([])
    app.state.assessor.orders.index = OrderIndex([])
    app.state.claims.refresh(force=True)


def test_following_links_gives_no_5xx_and_no_answer_off_its_schema(
    api_schema: Any, served: tuple[FastAPI, str]
) -> None:
    key = served[1]
    linked: list[tuple[str, int]] = []

    app = served[0]

    class Machine(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            """Each scenario starts from an empty store, as Hypothesis needs: the
            same requests must get the same answers (a bank created twice is a
            409 the second time, and the links that follow it change)."""
            _empty(app)

        def before_call(self, case: Any) -> None:
            _authorised(case, key)

        def after_call(self, response: Any, case: Any) -> None:
            linked.append((case.operation.label, response.status_code))
            STATUSES[case.operation.label].append(response.status_code)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Machine.run(settings=settings(FUZZ, max_examples=EXAMPLES, stateful_step_count=8))
    assert linked, "the stateful run made no calls"


def test_no_operation_rejects_everything_it_declares(served: tuple[FastAPI, str]) -> None:
    """Schemathesis's validation-mismatch rule over both runs above: every
    answer a 4xx, and most of them 400/422 (not 404, 401/403, 409 or 429),
    means the schema allows what the validators refuse. (An image's bytes
    cannot be declared: a bank entry succeeds when the stateful run adds a
    PDQ hash to a bank it created.)"""
    if not STATUSES:
        pytest.skip("run with the parametrized fuzz test above")
    mismatched = {}
    for label, codes in STATUSES.items():
        client_errors = [c for c in codes if 400 <= c < 500 and c not in {401, 403, 404, 409, 429}]
        only_4xx = all(400 <= c < 500 for c in codes)
        if only_4xx and len(client_errors) * 2 >= len([c for c in codes if 400 <= c < 500]):
            mismatched[label] = sorted(set(codes))
    assert not mismatched, mismatched
    decided = STATUSES["POST /v1/cases/{case_id}/decisions"]
    assert any(code != 404 for code in decided), f"no decision named a real case: {decided}"


def test_an_unparsable_url_is_a_422_naming_it(served: tuple[FastAPI, str]) -> None:
    """The first thing the fuzzer found: '[' in a URL was a 500 in legal-order matching."""
    app, key = served
    with TestClient(app) as client:
        tweet = {
            "id": "u1",
            "text": "look at this",
            "entities": {"urls": ["https://ok.example/a", "http://["]},
        }
        r = client.post("/v1/cases", json={"tweets": [tweet]}, headers={"X-API-Key": key})
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["body", "tweets", 0, "entities", "urls", 1]
        huge = client.delete("/v1/media-banks/x/entries/99999999999999999999", headers={"X-API-Key": key})
        assert huge.status_code == 422 and huge.json()["detail"][0]["loc"] == ["path", "entry_id"]


def test_the_document_declares_this_deployments_limits(served: tuple[FastAPI, str]) -> None:
    app, _ = served
    doc = app.openapi()
    settings_ = app.state.settings
    assert (
        doc["components"]["schemas"]["Tweet"]["properties"]["text"]["maxLength"] == settings_.max_text_chars
    )
    assert (
        doc["components"]["schemas"]["RankRequest"]["properties"]["tweets"]["maxItems"] == settings_.max_batch
    )
    links = doc["paths"]["/v1/cases"]["post"]["responses"]["200"]["links"]
    assert links["DecideCase"]["parameters"] == {"case_id": "$response.body#/cases/0/case_id"}


def test_what_the_longer_run_found_is_a_4xx(served: tuple[FastAPI, str]) -> None:
    """The ~5,000-request run's finds, each once: a CSV field with a stray
    carriage return, an import item whose title is an object, and a window
    ending in the year 9999 with an offset (were 500s)."""
    app, key = served
    auth = {"X-API-Key": key}
    with TestClient(app) as client:
        assert client.post("/v1/media-banks", json={"name": "finds"}, headers=auth).status_code in (201, 409)
        csv_body = "pdq," + "a" * 64 + ",tag\rline\n"  # unquoted: the csv module refused it
        csv_headers = {**auth, "Content-Type": "text/csv"}
        r = client.post("/v1/media-banks/finds/import", content=csv_body, headers=csv_headers)
        assert r.status_code < 500, r.text
        item = {"claimReviewed": "The moon is made of cheese", "headline": {"nested": True}}
        body = {"format": "claimreview", "items": [item]}
        r = client.post("/v1/fact-checks/import", json=body, headers=auth)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "items", 0], r.text
        window = {"from": "2026-01-01T00:00:00Z", "to": "9999-12-31T23:59:59+05:00"}
        r = client.get("/v1/transparency", params=window, headers=auth)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "to"], r.text
