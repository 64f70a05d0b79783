"""The February 2021 pattern, end to end: a Section 69A order naming 20
accounts (4 of them press) and one hashtag; withholding in India only,
protected-speech exemptions, Trends, reviewers, Lumen and the report."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import Settings, load_settings
from service.store.keys import Role, create_key

HASHTAG = "#ModiPlanningFarmerGenocide"
EXEMPT = {3: "journalist", 7: "news_media", 11: "journalist", 15: "news_media"}
RECEIVED = datetime.now(UTC) - timedelta(hours=1)


def _tweet(i: int) -> dict[str, Any]:
    return {
        "id": f"in-{i}",
        "text": f"Update {i} from the Delhi border: farmers hold the line {HASHTAG if i % 5 == 0 else ''}",
        "created_at": RECEIVED.isoformat(),
        "author": {"username": f"acct{i:02d}", "account_type": EXEMPT.get(i, "individual")},
        "geo": {"country_code": "IN"},
    }


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(state_dir=tmp_path_factory.mktemp("state"))


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def keys(client: TestClient) -> dict[str, dict[str, str]]:
    db = client.app.state.db  # type: ignore[attr-defined]
    return {r.value: {"X-API-Key": create_key(db, r, f"{r.value}-legal")[0]} for r in Role}


@pytest.fixture(scope="module")
def order(client: TestClient, keys: dict[str, dict[str, str]]) -> dict[str, Any]:
    body = {
        "country": "in",
        "legal_basis": "IT Act 2000 s.69A",
        "authority": "MeitY",
        "reference": "69A/2021/02/001",
        "emergency": True,
        "received_at": RECEIVED.isoformat(),
        "targets": {"accounts": [f"@acct{i:02d}" for i in range(20)], "hashtags": [HASHTAG]},
    }
    r = client.post("/v1/legal-orders", json=body, headers=keys["admin"])
    assert r.status_code == 201, r.text
    sealed = {**body, "reference": "sealed-1", "sealed": True, "targets": {"tweets": ["nothing-matches"]}}
    assert client.post("/v1/legal-orders", json=sealed, headers=keys["admin"]).status_code == 201
    out: dict[str, Any] = r.json()
    return out


def _assess(client: TestClient, keys: dict[str, dict[str, str]], i: int, viewer: str) -> dict[str, Any]:
    r = client.post(f"/v1/assess?spans=false&viewer_country={viewer}", json=_tweet(i), headers=keys["queue"])
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _actions(a: dict[str, Any]) -> dict[str, str | None]:
    legal = [r for r in a["recommendations"] if r["policy"].startswith("country_withheld")]
    return {r["action"]: r["country"] for r in legal}


def test_order_defaults_its_deadline_from_the_country_clock(order: dict[str, Any]) -> None:
    assert order["country"] == "IN"
    deadline = datetime.fromisoformat(order["deadline"])
    assert deadline - datetime.fromisoformat(order["received_at"]) == timedelta(hours=36)
    assert (
        len(order["targets"]) == 21
        and {"kind": "hashtag", "value": HASHTAG[1:].casefold()} in order["targets"]
    )


def test_ordinary_accounts_are_withheld_in_india_only(
    client: TestClient, keys: dict[str, dict[str, str]], order: dict[str, Any]
) -> None:
    for i in (i for i in range(20) if i not in EXEMPT):
        seen_in, seen_us = _assess(client, keys, i, "IN"), _assess(client, keys, i, "US")
        assert _actions(seen_in) == {"withhold_in_country": "IN"}
        rec = next(r for r in seen_in["recommendations"] if r["action"] == "withhold_in_country")
        assert (
            rec["label_text"]
            == f"This Tweet from @acct{i:02d} has been withheld in IN in response to a legal demand."
        )
        assert (
            "69A/2021/02/001" in rec["reasons"][0]
            and rec["statement_of_reasons"]["territorial_scope"] == "IN"
        )
        assert seen_in["visibility"] == {
            "withheld_in": ["IN"],
            "viewer_country": "IN",
            "withheld_for_viewer": True,
        }
        assert seen_us["visibility"]["withheld_for_viewer"] is False


def test_press_accounts_go_to_legal_review_and_nothing_is_withheld(
    client: TestClient, keys: dict[str, dict[str, str]], order: dict[str, Any]
) -> None:
    for i, kind in EXEMPT.items():
        a = _assess(client, keys, i, "IN")
        assert _actions(a) == {"legal_review": "IN"}, kind
        rec = next(r for r in a["recommendations"] if r["action"] == "legal_review")
        assert "protected-speech exemption" in rec["reasons"][1] and kind in rec["reasons"][1]
        assert a["visibility"]["withheld_in"] == [] and a["visibility"]["withheld_for_viewer"] is False


def test_an_unnamed_account_is_untouched(
    client: TestClient, keys: dict[str, dict[str, str]], order: dict[str, Any]
) -> None:
    a = client.post(
        "/v1/assess?spans=false",
        json={**_tweet(1), "author": {"username": "bystander"}},
        headers=keys["queue"],
    )
    assert _actions(a.json()) == {}


def test_the_hashtag_leaves_trends_in_india_only(
    client: TestClient, keys: dict[str, dict[str, str]], order: dict[str, Any]
) -> None:
    sample = [
        {
            "id": f"tr-{i}",
            "text": f"Thoughts on the protests today, part {i} {HASHTAG}",
            "author": {"username": f"u{i}"},
        }
        for i in range(6)
    ]
    other = [
        {
            "id": "g-1",
            "text": "Lovely sunset over the Yamuna tonight #DelhiSkies",
            "author": {"username": "p"},
        }
    ]
    body = {"candidates": [{"term": HASHTAG, "tweets": sample}, {"term": "#DelhiSkies", "tweets": other}]}
    r = client.post("/v1/trends/screen", json=body, headers=keys["queue"])
    assert r.status_code == 200, r.text
    named, unnamed = r.json()["decisions"]
    assert named["countries"] == {"IN": "exclude_from_trends"}
    assert any("legal order" in reason for reason in named["reasons"])
    assert unnamed["countries"] == {} and unnamed["decision"] == "allow"
    assert named["evidence"]["tweets"] == 6 and named["evidence"]["top_examples"]


def test_reviewers_act_and_the_report_counts_it(
    client: TestClient,
    keys: dict[str, dict[str, str]],
    order: dict[str, Any],
    settings: Settings,
    tmp_path: Path,
) -> None:
    r = client.post("/v1/cases", json={"tweets": [_tweet(i) for i in range(20)]}, headers=keys["queue"])
    assert r.status_code == 200, r.text
    queue = client.get("/v1/cases?status=open&limit=100", headers=keys["reviewer"]).json()["cases"]
    legal_first = [c["tweet_id"].startswith("in-") for c in queue]
    assert legal_first == sorted(legal_first, reverse=True), "cases under a legal clock lead the queue"
    case = queue[0]
    assert datetime.fromisoformat(case["sla_deadline"]) <= datetime.fromisoformat(order["deadline"])

    for c in (c for c in queue if c["tweet_id"].startswith("in-")):
        i = int(c["tweet_id"].split("-")[1])
        url = f"/v1/cases/{c['id']}/decisions"
        if i in EXEMPT:  # the legal team upholds the exemption
            suggested = [r for r in c["assessment"]["recommendations"] if r["action"] != "no_action"]
            verdicts = [
                {k: r[k] for k in ("policy", "cell", "action")} | {"verdict": "override"} for r in suggested
            ]
            body = {"verdicts": verdicts, "final_actions": ["no_action"], "reason_code": "protected_speaker"}
        else:
            body = {"accept_all": True, "reason_code": "policy_applies"}
        assert client.post(url, json=body, headers=keys["reviewer"]).status_code == 201

    report = client.get(f"/v1/legal-orders/{order['id']}", headers=keys["reviewer"]).json()
    assert report["status"] == "complied"
    by_value = {t["value"]: t["cases"] for t in report["report"]}
    assert by_value["acct00"][0]["recommended"] == "withhold_in_country"
    assert "withhold_in_country" in by_value["acct00"][0]["decided"]
    assert by_value["acct03"][0]["recommended"] == "legal_review" and by_value["acct03"][0]["decided"] == [
        "no_action"
    ]

    lumen = client.get(f"/v1/legal-orders/{order['id']}/lumen.json", headers=keys["reviewer"]).json()
    assert lumen["sender"] == "MeitY" and lumen["counts"]["withheld"] == 16 and lumen["works"]
    sealed = client.get(f"/v1/legal-orders/{order['id'] + 1}/lumen.json", headers=keys["reviewer"]).json()
    assert sealed["sender"].startswith("[redacted") and sealed["works"] == "[redacted]"
    assert "sealed-1" not in str(sealed)

    start, end = (
        (RECEIVED - timedelta(days=1)).isoformat(),
        (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    )
    t = client.get("/v1/transparency", params={"from": start, "to": end}, headers=keys["queue"]).json()
    assert t["recommendations"]["by_action"]["withhold_in_country"] == 16
    assert t["recommendations"]["by_action"]["legal_review"] == 4
    assert t["recommendations"]["by_country"]["IN"] == 20
    assert {k: t["legal_orders"][k] for k in ("received", "complied", "pending")} == {
        "received": 2,
        "complied": 1,
        "pending": 1,
    }
    assert t["legal_orders"]["by_country"] == {"IN": 2} and t["median_hours_to_action"] is not None
    assert t["reviewer_agreement"]["country_withheld_content"]["accepted"] == 16
    assert list(t["model_versions"]) == [client.get("/v1/model", headers=keys["queue"]).json()["version"]]

    out = tmp_path / "report.html"
    env = {**os.environ, "HARMLABEL_STATE_DIR": str(settings.state_dir)}
    cli = [sys.executable, "-m", "harmlabel", "report", "--from", start, "--to", end, "--out", str(out)]
    done = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    pngs = sorted((tmp_path / "report_files").glob("*.png"))
    assert len(pngs) == 5 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert all(f"report_files/{p.name}" in page for p in pngs)
    assert "<th scope='row'>Legal orders received</th><td>2</td>" in page
    assert "<th scope='row'>… complied with</th><td>1</td>" in page


def test_bad_orders_are_422(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    base = {
        "country": "IN",
        "legal_basis": "b",
        "authority": "a",
        "reference": "r",
        "targets": {"accounts": ["x"]},
    }
    for bad, loc in (
        ({**base, "country": "India"}, "country"),
        ({**base, "targets": {}}, "body"),
        ({**base, "targets": {"planets": ["mars"]}}, "planets"),
    ):
        r = client.post("/v1/legal-orders", json=bad, headers=keys["admin"])
        assert r.status_code == 422 and loc in str(r.json()["detail"]), r.text
    assert client.post("/v1/legal-orders", json=base, headers=keys["reviewer"]).status_code == 403
