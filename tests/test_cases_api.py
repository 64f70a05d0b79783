"""The review queue over HTTP with the real model and SQLite, and the whole
role × endpoint matrix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import load_settings
from service.store.keys import Role, create_key

CLAIM = "Thousands of doctors say hydroxychloroquine cures coronavirus. Share before they delete it!"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = load_settings(state_dir=tmp_path_factory.mktemp("state"))
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def keys(client: TestClient) -> dict[str, dict[str, str]]:
    db = client.app.state.db  # type: ignore[attr-defined]
    return {r.value: {"X-API-Key": create_key(db, r, f"{r.value}-1")[0]} for r in Role}


def _submit(
    client: TestClient, keys: dict[str, dict[str, str]], *tweets: dict[str, Any]
) -> list[dict[str, Any]]:
    r = client.post("/v1/cases", json={"tweets": list(tweets)}, headers=keys["queue"])
    assert r.status_code == 200, r.text
    cases: list[dict[str, Any]] = r.json()["cases"]
    return cases


def test_submit_is_idempotent_on_tweet_id(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    [first] = _submit(client, keys, {"id": "t-idem", "text": CLAIM})
    [again] = _submit(client, keys, {"id": "t-idem", "text": CLAIM, "public_metrics": {"like_count": 5000}})
    assert first["created"] and not again["created"] and again["case_id"] == first["case_id"]
    case = client.get(f"/v1/cases/{first['case_id']}", headers=keys["reviewer"]).json()
    assert case["submissions"] == 2 and case["tweet"]["public_metrics"]["like_count"] == 5000
    assert case["assessment"]["model_version"] and case["decisions"] == []


def test_queue_is_sorted_and_claims_do_not_overlap(
    client: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    _submit(
        client,
        keys,
        {"id": "q-claim", "text": CLAIM, "author": {"followers_count": 500_000}},
        {"id": "q-garden", "text": "Planted tomatoes in the garden this morning."},
    )
    listed = client.get("/v1/cases?status=open", headers=keys["queue"]).json()["cases"]
    effective = [c["effective_priority"] for c in listed]
    assert effective == sorted(effective, reverse=True) and all(c["sla_deadline"] for c in listed)
    a = client.post("/v1/cases/claim", json={"n": 2}, headers=keys["reviewer"]).json()["cases"]
    b = client.post("/v1/cases/claim", json={"n": 50}, headers=keys["admin"]).json()["cases"]
    assert len(a) == 2 and not {c["id"] for c in a} & {c["id"] for c in b}
    assert a[0]["effective_priority"] >= a[1]["effective_priority"]


def test_decide_with_idempotency_key_then_override(
    client: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    [case] = _submit(client, keys, {"id": "d-1", "text": CLAIM, "author": {"followers_count": 90_000}})
    url = f"/v1/cases/{case['case_id']}/decisions"
    body = {"accept_all": True, "reason_code": "policy_applies"}
    headers = {**keys["reviewer"], "Idempotency-Key": "retry-me"}
    first = client.post(url, json=body, headers=headers)
    retry = client.post(url, json=body, headers=headers)
    assert first.status_code == 201 and retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    stored = first.json()
    assert stored["model_version"] and stored["policy_versions"] and stored["verdicts"]
    assert all(v["verdict"] == "accept" for v in stored["verdicts"])

    v = stored["verdicts"][0]
    override = {
        "verdicts": [{**v, "verdict": "override"}],
        "final_actions": ["no_action"],
        "final_labels": [],
        "reason_code": "counter_speech_or_reporting",
        "note": "quotes the claim to debunk it",
    }
    r = client.post(url, json=override, headers=keys["admin"])
    assert r.status_code == 201, r.text
    history = client.get(f"/v1/cases/{case['case_id']}", headers=keys["queue"]).json()["decisions"]
    assert [d["reason_code"] for d in history] == ["policy_applies", "counter_speech_or_reporting"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"accept_all": True, "reason_code": "because"}, ["body", "reason_code"]),
        ({"reason_code": "other"}, ["body"]),
        (
            {
                "verdicts": [{"policy": "nope@1", "cell": "x", "action": "label", "verdict": "accept"}],
                "final_actions": ["label"],
                "reason_code": "other",
            },
            ["body", "verdicts", 0],
        ),
        (
            {"accept_all": True, "final_actions": ["delete_everything"], "reason_code": "other"},
            ["body", "final_actions", 0],
        ),
    ],
)
def test_bad_decisions_are_422_naming_the_field(
    client: TestClient, keys: dict[str, dict[str, str]], body: dict[str, Any], loc: list[Any]
) -> None:
    [case] = _submit(client, keys, {"id": "bad-decision", "text": CLAIM})
    r = client.post(f"/v1/cases/{case['case_id']}/decisions", json=body, headers=keys["reviewer"])
    assert r.status_code == 422, r.text
    assert any(d["loc"][: len(loc)] == loc for d in r.json()["detail"]), r.json()
    assert client.get(f"/v1/cases/{case['case_id']}", headers=keys["reviewer"]).json()["decisions"] == []


def test_bulk_decisions_for_a_wave_of_identical_posts(
    client: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    wave = _submit(client, keys, *({"id": f"wave-{i}", "text": CLAIM} for i in range(4)))
    ids = [c["case_id"] for c in wave]
    body = {"case_ids": ids, "decision": {"accept_all": True, "reason_code": "policy_applies"}}
    r = client.post(
        "/v1/cases/bulk-decisions", json=body, headers={**keys["reviewer"], "Idempotency-Key": "w"}
    )
    assert r.status_code == 201 and sorted(d["case_id"] for d in r.json()) == sorted(ids)
    assert len({d["bulk_id"] for d in r.json()}) == 1
    again = client.post(
        "/v1/cases/bulk-decisions", json=body, headers={**keys["reviewer"], "Idempotency-Key": "w"}
    )
    assert again.status_code == 200 and [d["id"] for d in again.json()] == [d["id"] for d in r.json()]


ENDPOINTS: list[tuple[str, str, set[str], dict[str, Any] | None]] = [
    ("post", "/v1/assess", {"queue", "reviewer", "admin"}, {"id": "x", "text": "hello there"}),
    ("post", "/v1/rank", {"queue", "reviewer", "admin"}, {"tweets": [{"id": "x", "text": "hello there"}]}),
    ("get", "/v1/model", {"queue", "reviewer", "admin"}, None),
    ("get", "/v1/policies", {"queue", "reviewer", "admin"}, None),
    ("post", "/v1/cases", {"queue", "admin"}, {"tweets": [{"id": "matrix", "text": "hello there"}]}),
    ("get", "/v1/cases", {"queue", "reviewer", "admin"}, None),
    ("get", "/v1/cases/1", {"queue", "reviewer", "admin"}, None),
    ("post", "/v1/cases/claim", {"reviewer", "admin"}, {"n": 1, "lease_seconds": 30}),
    ("post", "/v1/cases/999999/release", {"reviewer", "admin"}, None),
    (
        "post",
        "/v1/cases/999999/decisions",
        {"reviewer", "admin"},
        {"accept_all": True, "reason_code": "other"},
    ),
    ("post", "/v1/cases/bulk-decisions", {"reviewer", "admin"}, {"case_ids": [999999], "decision": {}}),
    ("post", "/v1/media-banks", {"admin"}, {"name": "matrix-bank"}),
    ("get", "/v1/media-banks", {"reviewer", "admin"}, None),
]


@pytest.mark.parametrize(
    ("method", "path", "allowed", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS]
)
def test_role_endpoint_matrix(
    client: TestClient,
    keys: dict[str, dict[str, str]],
    method: str,
    path: str,
    allowed: set[str],
    body: dict[str, Any] | None,
) -> None:
    assert client.request(method, path, json=body).status_code == 401
    assert client.request(method, path, json=body, headers={"X-API-Key": "hl_wrong"}).status_code == 401
    for role, headers in keys.items():
        status = client.request(method, path, json=body, headers=headers).status_code
        assert (status == 403) == (role not in allowed), (role, status)
        assert status != 401


def test_health_readiness_and_metrics_need_no_key(client: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        assert client.get(path).status_code == 200


def test_a_revoked_key_stops_working_within_the_cache_ttl(client: TestClient) -> None:
    import time

    from service.store.keys import revoke_key

    db = client.app.state.db  # type: ignore[attr-defined]
    cache = client.app.state.key_cache  # type: ignore[attr-defined]
    raw, who = create_key(db, Role.queue, "short-lived")
    assert client.get("/v1/cases", headers={"X-API-Key": raw}).status_code == 200
    revoke_key(db, who.key_id)
    time.sleep(cache.ttl_s + 0.1)
    assert client.get("/v1/cases", headers={"X-API-Key": raw}).status_code == 401


def test_an_override_may_name_the_correct_cell_of_the_same_policy(
    client: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    """What retraining learns from: checked against the loaded policy."""
    [case] = _submit(client, keys, {"id": "correct-cell", "text": CLAIM})
    url = f"/v1/cases/{case['case_id']}/decisions"
    full = client.get(f"/v1/cases/{case['case_id']}", headers=keys["reviewer"]).json()
    [rec] = [
        r for r in full["assessment"]["recommendations"] if r["policy"].startswith("misleading_information@")
    ]
    base = {"policy": rec["policy"], "cell": rec["cell"], "action": rec["action"]}
    for verdict, says in (
        (base | {"verdict": "override", "correct_cell": "misleading×catastrophic"}, "has no cell"),
        (base | {"verdict": "accept", "correct_cell": "none×any"}, "goes with an override"),
    ):
        body = {"verdicts": [verdict], "final_actions": ["no_action"], "reason_code": "model_error"}
        r = client.post(url, json=body, headers=keys["reviewer"])
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == [
            "body",
            "verdicts",
            0,
            "correct_cell",
        ]
        assert says in r.json()["detail"][0]["msg"]
    body = {
        "verdicts": [base | {"verdict": "override", "correct_cell": "disputed×moderate"}],
        "final_actions": ["label"],
        "reason_code": "model_error",
    }
    r = client.post(url, json=body, headers=keys["reviewer"])
    assert r.status_code == 201 and r.json()["verdicts"][0]["correct_cell"] == "disputed×moderate"
