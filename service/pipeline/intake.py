"""Case intake: validated tweets in, assessed and stored cases out.

The one path by which tweets become review cases, whoever sends them: the
API's POST /v1/cases calls it, and so will the stream worker. A batch is
assessed together (micro-batched scoring, coordination across the batch and
the cases stored within the window) and stored in one transaction: a
failure stores none of it, so a retried batch never leaves half behind.
Coordination reads the signatures stored with earlier cases instead of
hashing their texts again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from service import failpoints
from service.behaviour.coordination import (
    Campaign,
    CoordinationConfig,
    coordination_scores,
    posts_of,
    signature,
)
from service.pipeline.assess import Assessor, Media
from service.schemas.assessment import Assessment
from service.schemas.cases import SubmitResult
from service.schemas.tweet import Tweet
from service.settings import Settings
from service.store import cases as store
from service.store.db import Database
from service.store.stream import Receipt


def coordination_config(settings: Settings) -> CoordinationConfig:
    return CoordinationConfig(
        min_accounts=settings.coordination_min_accounts,
        window=timedelta(minutes=settings.coordination_window_minutes),
    )


def stored_tweet(tweet: Tweet) -> dict[str, Any]:
    """The tweet as kept in the queue: image bytes are not stored, only their
    findings (in the assessment); a case row stays small."""
    return tweet.model_dump(mode="json", exclude={"media": {"__all__": {"data"}}})


def campaigns(
    db: Database, tweets: list[Tweet], signatures: list[bytes], config: CoordinationConfig, now: datetime
) -> dict[str, Campaign]:
    """Coordination over this batch plus the cases stored within the window:
    a campaign trickling in one tweet per request is still one campaign. The
    batch's signatures are the ones stored with its cases, hashed once."""
    batch_ids = {t.id for t in tweets}
    earlier = [p for p in store.recent_posts(db, now - config.window) if p.key not in batch_ids]
    found = coordination_scores([*earlier, *posts_of(tweets, now, signatures)], config)
    return {k: c for k, c in found.items() if k in batch_ids}


@dataclass(frozen=True)
class Prepared:
    """What a batch needs from the store before scoring: each tweet's MinHash
    (hashed once, for coordination and for storage) and its campaign."""

    signatures: list[bytes]
    campaigns: dict[str, Campaign]


def prepare(db: Database, tweets: list[Tweet], config: CoordinationConfig, now: datetime) -> Prepared:
    signatures = [signature(t.text) for t in tweets]
    return Prepared(signatures, campaigns(db, tweets, signatures, config, now))


def assess(
    assessor: Assessor,
    tweets: list[Tweet],
    prepared: Prepared,
    now: datetime,
    media: Media | None = None,
    deadline: float | None = None,
) -> list[Assessment]:
    """Spans only where a recommendation acts: what reviewers read."""
    return assessor.assess(
        tweets, spans=True, now=now, media=media, campaigns=prepared.campaigns, deadline=deadline
    )


def store_assessed(
    db: Database,
    tweets: list[Tweet],
    assessed: list[Assessment],
    prepared: Prepared,
    now: datetime,
    receipts: Sequence[Receipt] = (),
) -> list[SubmitResult]:
    """Every case, and the stream receipts if a worker sends them, in one transaction."""
    batch = [
        store.Incoming(
            stored_tweet(t),
            a.model_dump(mode="json"),
            t.author.id or t.author.username,
            t.created_at or now,
            sig,
        )
        for t, a, sig in zip(tweets, assessed, prepared.signatures, strict=True)
    ]
    failpoints.reach("intake.before_commit")
    rows = store.submit_many(db, batch, now, receipts)
    return [
        SubmitResult(
            case_id=c.id,
            tweet_id=c.tweet_id,
            created=created,
            priority=c.priority,
            priority_band=c.priority_band,
            sla_deadline=c.sla_deadline,
        )
        for c, created in rows
    ]


def submit(
    db: Database,
    assessor: Assessor,
    tweets: list[Tweet],
    config: CoordinationConfig,
    now: datetime,
    media: Media | None = None,
    deadline: float | None = None,
    receipts: Sequence[Receipt] = (),
) -> tuple[list[Assessment], list[SubmitResult]]:
    """The three steps in one call, on one thread (the stream worker). The
    API runs them on different threads: the store's work off the scoring pool."""
    prepared = prepare(db, tweets, config, now)
    assessed = assess(assessor, tweets, prepared, now, media, deadline)
    return assessed, store_assessed(db, tweets, assessed, prepared, now, receipts)
