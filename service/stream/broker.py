"""The JetStream side of ingestion: the stream, the shared consumer, publishing.

The stream is a work queue (a message is removed once acked) on file
storage, so nothing published is lost if the broker restarts. Each tweet is
published with its id as `Nats-Msg-Id`: the broker drops a second publish of
the same id within the duplicate window, so a producer that retries after a
lost acknowledgement cannot create a second message.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import nats
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from service.schemas.tweet import Tweet
from service.settings import Settings

log = structlog.get_logger(__name__)


async def connect(settings: Settings, name: str, patient: bool = True) -> Client:
    """A patient connection (workers) keeps reconnecting without limit: a
    broker restart is an outage to wait out, not a reason to exit. An
    impatient one (the publish command) gives up after a few tries, so a
    wrong URL is an error, not a hang; publishing again is harmless."""

    async def quiet(exc: Exception) -> None:  # one line per error, not nats-py's traceback
        log.warning("nats", error=repr(exc)[:200], url=settings.nats_url)

    return await nats.connect(
        settings.nats_url,
        name=name,
        max_reconnect_attempts=-1 if patient else 2,
        reconnect_time_wait=0.5,
        connect_timeout=5 if patient else 2,
        error_cb=quiet,
    )


async def ensure_stream(js: JetStreamContext, settings: Settings) -> None:
    """Create the stream if it does not exist; an existing one is left as
    configured (an operator may have tuned its limits)."""
    try:
        await js.stream_info(settings.stream_name)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=settings.stream_name,
                subjects=[settings.stream_subject],
                retention=RetentionPolicy.WORK_QUEUE,
                storage=StorageType.FILE,
                duplicate_window=settings.stream_duplicate_window_seconds,
            )
        )


def consumer_config(settings: Settings) -> ConsumerConfig:
    """The shared durable consumer. The broker redelivers without limit and
    the worker decides when a message is dead (`stream_max_deliver`): a broker
    that stopped at its own limit would drop a message whose last delivery
    met a database outage, or a worker killed before it could dead-letter."""
    return ConsumerConfig(
        durable_name=settings.stream_consumer,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=settings.stream_ack_wait_seconds,
        max_deliver=-1,  # the broker never gives up on a message: the worker dead-letters it
        filter_subject=settings.stream_subject,
    )


@dataclass
class PublishReport:
    published: int = 0
    duplicates: int = 0


async def publish(js: JetStreamContext, settings: Settings, tweets: list[Tweet]) -> PublishReport:
    """Publish each tweet, awaiting the broker's acknowledgement of each:
    a tweet counts as published only once it is stored in the stream."""
    report = PublishReport()
    for start in range(0, len(tweets), 64):  # 64 in flight: pipelined, still bounded
        acks = await asyncio.gather(
            *(
                js.publish(
                    settings.stream_subject,
                    tweet.model_dump_json(exclude_none=True).encode(),
                    stream=settings.stream_name,
                    headers={"Nats-Msg-Id": tweet.id},
                )
                for tweet in tweets[start : start + 64]
            )
        )
        report.duplicates += sum(1 for a in acks if a.duplicate)
        report.published += sum(1 for a in acks if not a.duplicate)
    return report
