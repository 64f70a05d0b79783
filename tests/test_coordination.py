"""Coordinated posting: a planted campaign is found, a topic is not a campaign."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.behaviour.coordination import CoordinationConfig, Post, find_campaigns
from service.settings import load_settings
from service.store.keys import Role, create_key

T0 = datetime(2021, 2, 1, 10, 0, tzinfo=UTC)
MESSAGE = (
    "Farmers are being massacred at the border and the media is silent. "
    "Share before it is deleted #FarmersProtest"
)
EDITS = [
    lambda s: s,
    lambda s: s.replace("massacred", "massacr3d"),
    lambda s: s + "!!",
    lambda s: s.replace("Share before it is deleted", "share before they delete it"),
    lambda s: "RT " + s,
    lambda s: s.replace("the media", "media"),
]
INDEPENDENT = [
    "Stood with the farmers at Singhu today, long queues for langar",
    "Why are farm laws being pushed through without debate? #FarmersProtest",
    "My uncle farms wheat in Punjab and he is worried about MSP",
    "Heavy police presence near the Delhi border this morning",
    "The new laws let private buyers purchase outside mandis",
    "Agriculture minister says talks will resume on Friday",
    "Tractor rally planned for Republic Day, route still unclear",
    "Internet shut down in parts of Haryana again",
    "Farm unions reject the government's latest offer",
    "Economists disagree on whether the reforms help smallholders",
]


def _campaign(n: int, minutes: int, rng: random.Random) -> list[Post]:
    return [
        Post(
            f"c{i}",
            f"acct{i}",
            rng.choice(EDITS)(MESSAGE),
            T0 + timedelta(seconds=rng.uniform(0, minutes * 60)),
        )
        for i in range(n)
    ]


def _independent(n: int, rng: random.Random) -> list[Post]:
    out = []
    for i in range(n):
        base = INDEPENDENT[i % len(INDEPENDENT)]
        text = f"{base} ({rng.choice(['thread', 'update', 'seen', 'hmm', 'ok'])} {i})"
        out.append(Post(f"t{i}", f"user{i}", text, T0 + timedelta(seconds=rng.uniform(0, 600))))
    return out


def test_a_planted_campaign_is_found() -> None:
    rng = random.Random(0)
    posts = _campaign(30, 10, rng) + _independent(30, rng)
    [campaign] = find_campaigns(posts, CoordinationConfig(min_accounts=10, window=timedelta(minutes=30)))
    assert campaign.accounts == 30 and set(campaign.posts) == {f"c{i}" for i in range(30)}


def test_thirty_independent_tweets_on_one_topic_are_not() -> None:
    rng = random.Random(1)
    assert find_campaigns(_independent(30, rng)) == []


def test_the_same_text_spread_over_days_is_not_a_burst() -> None:
    rng = random.Random(2)
    slow = [Post(f"s{i}", f"acct{i}", MESSAGE, T0 + timedelta(hours=6 * i)) for i in range(30)]
    assert find_campaigns(slow + _independent(10, rng)) == []


def test_one_account_repeating_itself_is_not_coordination() -> None:
    spam = [Post(f"r{i}", "same-account", MESSAGE, T0 + timedelta(seconds=i)) for i in range(30)]
    assert find_campaigns(spam) == []


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = load_settings(state_dir=tmp_path_factory.mktemp("state"))
    with TestClient(create_app(settings)) as c:
        db = c.app.state.db  # type: ignore[attr-defined]
        c.headers["X-API-Key"] = create_key(db, Role.admin, "coordination-tests")[0]
        yield c


def _as_tweets(posts: list[Post]) -> list[dict[str, object]]:
    return [
        {
            "id": p.key,
            "text": p.text,
            "created_at": p.posted_at.isoformat(),
            "author": {"username": p.account},
        }
        for p in posts
    ]


def test_a_rank_batch_flags_the_campaign_as_platform_manipulation(client: TestClient) -> None:
    rng = random.Random(3)
    posts = _campaign(30, 10, rng) + _independent(20, rng)
    r = client.post("/v1/rank", json={"tweets": _as_tweets(posts)})
    assert r.status_code == 200, r.text
    by_id = {a["tweet_id"]: a for a in r.json()["assessments"]}
    for key, a in by_id.items():
        manip = [x for x in a["recommendations"] if x["policy"].startswith("spam_and_platform_manipulation")]
        cells = {x["cell"] for x in manip}
        if key.startswith("c"):
            assert a["coordination"] and "30 accounts" in a["coordination"]
            assert cells & {"coordinated", "spam×coordinated"}
            assert any(x["action"] == "exclude_from_trends" for x in manip)
        else:
            assert a["coordination"] is None and not cells & {"coordinated", "spam×coordinated"}


def test_a_campaign_trickling_into_the_queue_is_found_across_requests(client: TestClient) -> None:
    rng = random.Random(4)
    posts = _campaign(14, 10, rng)
    flagged = []
    for p in posts:  # one tweet per request, as a queue would send them
        tweet = {**_as_tweets([p])[0], "id": f"q-{p.key}"}
        r = client.post("/v1/cases", json={"tweets": [tweet]})
        assert r.status_code == 200, r.text
        case = client.get(f"/v1/cases/{r.json()['cases'][0]['case_id']}").json()
        flagged.append(case["assessment"]["coordination"] is not None)
    assert flagged[:9] == [False] * 9 and all(flagged[9:])  # from the 10th account on
