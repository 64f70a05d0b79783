"""Case intake at the store: a batch is stored in one transaction, and each
case keeps what coordination reads later (account, time, MinHash signature),
so a submission compares against stored signatures instead of re-hashing;
a case stored before signatures existed is still read, from its text.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from service.behaviour.coordination import coordination_scores, posts_of, signature
from service.schemas.tweet import Tweet
from service.store import cases as store
from service.store.cases import Incoming
from service.store.db import Database
from service.store.models import Case

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
TEXT = "They are hiding the truth about the vaccine, share before it is deleted!!"


def _assessment(priority: float = 0.5) -> dict[str, object]:
    return {"priority": priority, "priority_band": "P2"}


def _incoming(i: int, account: str | None = None, text: str = TEXT) -> Incoming:
    account = account or f"acct{i}"
    body = f"{text} #{i % 3}"
    tweet = {"id": f"t{i}", "text": body, "author": {"id": account}}
    return Incoming(tweet, _assessment(), account, NOW - timedelta(minutes=i), signature(body))


def _count(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Case)) or 0)


def test_a_batch_that_fails_midway_stores_nothing(database: Database) -> None:
    store.submit_many(database, [_incoming(0)], NOW)
    broken = Incoming({"id": "t9", "text": "x"}, {"priority_band": "P2"})  # no priority: fails on insert
    with pytest.raises(KeyError):
        store.submit_many(database, [_incoming(1), _incoming(2), broken, _incoming(3)], NOW)
    assert _count(database) == 1  # neither the items before the failure nor after
    [(case, created)] = store.submit_many(database, [_incoming(0)], NOW + timedelta(minutes=1))
    assert not created and case.submissions == 2


def test_stored_signatures_find_the_campaign_that_rehashing_finds(database: Database) -> None:
    store.submit_many(database, [_incoming(i) for i in range(12)], NOW)
    posts = store.recent_posts(database, NOW - timedelta(hours=1))
    assert len(posts) == 12 and all(p.signature is not None for p in posts)
    from_signatures = coordination_scores(posts)
    tweets = [Tweet.model_validate({**i.tweet, "created_at": i.posted_at}) for i in map(_incoming, range(12))]
    rehashed = coordination_scores(posts_of(tweets, NOW))
    assert set(from_signatures) == set(rehashed) == {f"t{i}" for i in range(12)}


def test_a_case_stored_before_signatures_is_read_from_its_text(database: Database) -> None:
    store.submit_many(database, [_incoming(i) for i in range(3)], NOW)
    with database.session() as s:  # as migration 0006 leaves the rows it found
        s.execute(update(Case).values(minhash=None, account=None, posted_at=None))
    posts = store.recent_posts(database, NOW - timedelta(hours=1))
    assert sorted(p.key for p in posts) == ["t0", "t1", "t2"]
    assert {p.account for p in posts} == {"acct0", "acct1", "acct2"}
    assert all(p.signature is None for p in posts)  # hashed from the stored text when grouped
