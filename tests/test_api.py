"""The scoring API end to end, with the shipped model and real validation tweets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.schemas.assessment import Assessment
from service.settings import Settings
from service.store.keys import Role
from tests.conftest import make_key, queue_client
from tests.server import call, running
from training.corpus import Example, build_corpus

# Real tweets from the validation split, found by their opening words.
FALSE_HEALTH_CLAIM = "kalonji has 100 per cent hydroxychloroquine"
NEWS_POST = "CDC Briefing Room: Dr. Nancy Messonnier gives an update"


def _find(corpus_dir: Path, prefix: str) -> Example:
    for ex in build_corpus(corpus_dir).split("validation"):
        if ex.raw_text.startswith(prefix):
            return ex
    raise AssertionError(f"no validation example starts with {prefix!r}")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from service.settings import load_settings

    settings = load_settings(
        state_dir=tmp_path_factory.mktemp("state"),
        max_batch=8,
        max_text_chars=2000,
        max_body_bytes=8 * 1024 * 1024,
    )
    with queue_client(settings) as c:
        yield c


@pytest.fixture(scope="module")
def false_claim(corpus_dir: Path) -> Example:
    ex = _find(corpus_dir, FALSE_HEALTH_CLAIM)
    assert ex.labels["veracity"] == "misleading"
    return ex


@pytest.fixture(scope="module")
def news(corpus_dir: Path) -> Example:
    ex = _find(corpus_dir, NEWS_POST)
    assert ex.labels["veracity"] == "credible"
    return ex


def _tweet(ex: Example, id_: str, **extra: object) -> dict[str, object]:
    return {"id": id_, "text": ex.raw_text, **extra}


def test_false_health_claim_is_escalated_with_spans_inside_the_claim(
    client: TestClient, false_claim: Example
) -> None:
    resp = client.post("/v1/assess", json=_tweet(false_claim, "1"))
    assert resp.status_code == 200, resp.text
    a = Assessment.model_validate(resp.json())
    misleading = [r for r in a.recommendations if r.policy.startswith("misleading_information@")]
    assert [r.action for r in misleading] == ["escalate_for_removal_review"]
    assert misleading[0].cell == "misleading×severe"
    assert misleading[0].statement_of_reasons is not None
    assert any(
        r.action == "exclude_from_trends" and r.policy.startswith("amplification@") for r in a.recommendations
    )
    spans = a.explanation.spans
    assert spans, "assess computes spans by default"
    for s in spans:
        assert 0 <= s.start < s.end <= len(false_claim.raw_text)
        assert false_claim.raw_text[s.start : s.end] == s.text
    assert a.model_version and a.policy_versions["misleading_information"]
    assert a.priority_band in ("P0", "P1", "P2")


def test_ordinary_news_post_gets_no_action(client: TestClient, news: Example) -> None:
    a = Assessment.model_validate(client.post("/v1/assess", json=_tweet(news, "2")).json())
    assert {r.action for r in a.recommendations} == {"no_action"}
    assert a.priority_band == "P3"
    assert a.supported_language


def test_rank_puts_the_harmful_claim_first(client: TestClient, false_claim: Example, news: Example) -> None:
    body = {"tweets": [_tweet(news, "news"), _tweet(false_claim, "claim")]}
    resp = client.post("/v1/rank", json=body)
    assert resp.status_code == 200
    ranked = resp.json()["assessments"]
    assert [a["tweet_id"] for a in ranked] == ["claim", "news"]
    assert [a["rank"] for a in ranked] == [1, 2]
    assert ranked[0]["priority"] > ranked[1]["priority"]
    assert ranked[0]["explanation"]["spans"] is None, "spans are optional for rank"


def test_reach_raises_priority_of_the_same_tweet(client: TestClient, false_claim: Example) -> None:
    quiet = _tweet(false_claim, "q", author={"followers_count": 10})
    loud = _tweet(
        false_claim, "l", author={"followers_count": 2_000_000}, public_metrics={"like_count": 90_000}
    )
    ranked = client.post("/v1/rank", json={"tweets": [quiet, loud]}).json()["assessments"]
    assert [a["tweet_id"] for a in ranked] == ["l", "q"]
    assert ranked[0]["priority_factors"]["reach"] > ranked[1]["priority_factors"]["reach"]


def test_unsupported_language_needs_human_review(client: TestClient) -> None:
    """A language no model reads is not scored by another language's model."""
    a = client.post(
        "/v1/assess", json={"id": "t", "text": "கொரோனாவுக்கு மருந்து கண்டுபிடிக்கப்பட்டது, அனைவருக்கும் சொல்லுங்கள்"}
    ).json()
    assert a["lang"] == "ta" and a["lang_detected"] is True
    assert a["supported_language"] is False and a["route"] == "human_review"
    assert [r["action"] for r in a["recommendations"]] == ["needs_human_review"]
    assert a["scores"] == {} and a["model_version"] is None, "no model for another language scored it"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "1", "text": "   "}, "text"),
        ({"text": "no id"}, "id"),
        ({"id": "1", "text": "x", "author": {"followers_count": "many"}}, "followers_count"),
        ({"id": "1", "text": "x", "author": {"account_type": "influencer"}}, "account_type"),
        ({"id": "1", "text": "x" * 2001}, "text"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client: TestClient, body: dict[str, object], field: str) -> None:
    resp = client.post("/v1/assess", json=body)
    assert resp.status_code == 422
    assert any(field in map(str, err["loc"]) for err in resp.json()["detail"]), resp.json()


def test_malformed_json_and_oversized_requests_are_refused(client: TestClient) -> None:
    resp = client.post(
        "/v1/assess", content=b'{"id": "1", "text": ', headers={"content-type": "application/json"}
    )
    assert resp.status_code == 422
    too_many = {"tweets": [{"id": str(i), "text": "hello"} for i in range(9)]}
    resp = client.post("/v1/rank", json=too_many)
    assert resp.status_code == 413
    assert resp.json()["detail"][0]["loc"] == ["body", "tweets"]
    huge = b'{"id": "1", "text": "' + b"a" * (9 * 1024 * 1024) + b'"}'
    resp = client.post("/v1/assess", content=huge, headers={"content-type": "application/json"})
    assert resp.status_code == 413
    assert "HARMLABEL_MAX_BODY_BYTES" in resp.text


def test_model_policies_readiness_and_metrics(client: TestClient) -> None:
    model = client.get("/v1/model").json()
    assert model["version"] and {h["name"] for h in model["heads"]} >= {"veracity", "harm", "abuse", "spam"}
    assert all("threshold" in h and "temperature" in h for h in model["heads"])
    points = model["operating_points"]
    assert {"claim.claim", "veracity.misleading", "risk.abuse", "spam.spam"} <= set(points)
    assert all(0 < p["threshold"] < 1 and p["target_precision"] and p["prevalence"] for p in points.values())
    assert model["traffic"]["slices"]["TweetEval emoji"]["n"] > 1000
    policies = client.get("/v1/policies").json()["policies"]
    assert {p["id"] for p in policies} >= {"misleading_information", "manipulated_media", "amplification"}
    assert all(p["rules"] and p["version"] for p in policies)
    assert client.get("/readyz").json()["status"] == "ready"
    client.post("/v1/assess", json={"id": "m", "text": "a quiet tweet about gardening"})
    text = client.get("/metrics").text
    assert 'harmlabel_requests_total{method="POST",route="/v1/assess",status="200"}' in text
    assert "harmlabel_recommendations_total" in text
    assert "harmlabel_batch_tweets_bucket" in text
    assert "/v1/assess" in client.get("/openapi.json").json()["paths"]


def test_a_real_uvicorn_process_serves_assess(free_port: int, settings: Settings) -> None:
    key = make_key(settings, Role.queue)
    with running(settings.state_dir, free_port) as url:
        status, body = call(
            f"{url}/v1/assess", key, {"id": "u", "text": "Masks do not work and the vaccine changes your DNA"}
        )
    assert status == 200, body
    Assessment.model_validate(body)
