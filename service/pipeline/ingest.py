"""Stream messages in, stored cases and a verdict per message out.

The broker-facing worker (`service.stream.worker`) hands each fetched batch
here and acts on the verdicts: ack what is stored, already stored or dead;
nak what should be retried. Nothing here knows NATS, so the rules are the
same whatever delivers the messages:

- a message whose receipt is already committed was stored by a worker that
  died before its ack: it is acked again, not stored twice;
- the good messages of a batch are assessed and stored together with their
  receipts in one transaction (`intake.submit`); if that fails, each is
  tried alone, so one bad tweet cannot hold back the others;
- a message that fails is retried until its last allowed delivery, then
  dead-lettered with its payload and error. Retrying even a message that does
  not parse is deliberate: during a rolling deploy a newer worker may read
  what an older one cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import structlog
from fastapi import HTTPException
from pydantic import ValidationError

from service.api.media_input import prepare_media
from service.behaviour.coordination import CoordinationConfig
from service.media.analyser import PreparedMedia
from service.pipeline import intake
from service.pipeline.assess import Assessor
from service.schemas.tweet import Tweet
from service.settings import Settings
from service.store import stream as store
from service.store.db import Database

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One delivery of one stream message."""

    seq: int  # the message's sequence in its stream: stable across redeliveries
    data: bytes
    deliveries: int  # 1 on first delivery
    subject: str = ""
    msg_id: str | None = None


class Verdict(StrEnum):
    stored = "stored"
    already_stored = "already_stored"
    retry = "retry"
    dead = "dead"


@dataclass(frozen=True)
class Parsed:
    delivery: Delivery
    tweet: Tweet
    media: list[PreparedMedia]


class StreamIntake:
    def __init__(
        self, db: Database, assessor: Assessor, settings: Settings, config: CoordinationConfig
    ) -> None:
        self.db, self.assessor, self.settings, self.config = db, assessor, settings, config
        self.stream = settings.stream_name

    def handle(self, batch: list[Delivery], now: datetime) -> dict[int, Verdict]:
        """A verdict for every delivery, by sequence number."""
        done = store.received(self.db, self.stream, [d.seq for d in batch])
        verdicts = {d.seq: Verdict.already_stored for d in batch if d.seq in done}
        errors: dict[int, str] = {}
        good: list[Parsed] = []
        for d in batch:
            if d.seq in done:
                continue
            try:
                good.append(self.parse(d))
            except ValueError as exc:
                errors[d.seq] = str(exc)
        if good:
            try:
                self.store(good, now)
            except Exception as exc:  # the batch together failed: each alone, to find the bad one
                log.warning("batch failed; storing one by one", size=len(good), error=repr(exc))
                for p in good:
                    try:
                        self.store([p], now)
                    except Exception as one:
                        errors[p.delivery.seq] = f"{type(one).__name__}: {one}"
        for d in batch:
            if d.seq in errors:
                verdicts[d.seq] = self.failed(d, errors[d.seq], now)
            verdicts.setdefault(d.seq, Verdict.stored)
        return verdicts

    def parse(self, d: Delivery) -> Parsed:
        """The tweet and its decoded media, or ValueError saying what is wrong."""
        try:
            tweet = Tweet.model_validate_json(d.data)
        except ValidationError as exc:
            raise ValueError(f"not a tweet: {exc.errors(include_url=False)}") from None
        if len(tweet.text) > self.settings.max_text_chars:
            raise ValueError(
                f"text is {len(tweet.text)} characters; the limit is {self.settings.max_text_chars}"
            )
        try:
            [media] = prepare_media([tweet], self.settings, ())
        except HTTPException as exc:
            raise ValueError(f"media rejected: {exc.detail}") from None
        return Parsed(d, tweet, media)

    def store(self, batch: list[Parsed], now: datetime) -> None:
        receipts = [
            store.Receipt(self.stream, p.delivery.seq, p.tweet.id, p.delivery.deliveries) for p in batch
        ]
        tweets, media = [p.tweet for p in batch], [p.media for p in batch]
        intake.submit(self.db, self.assessor, tweets, self.config, now, media, receipts=receipts)

    def failed(self, d: Delivery, error: str, now: datetime) -> Verdict:
        if d.deliveries < self.settings.stream_max_deliver:
            log.info("message failed; will retry", seq=d.seq, delivery=d.deliveries, error=error[:300])
            return Verdict.retry
        letter = store.Letter(self.stream, d.seq, d.subject, d.msg_id, d.data, error, d.deliveries)
        store.dead_letter(self.db, letter, now)
        log.warning("message dead-lettered", seq=d.seq, deliveries=d.deliveries, error=error[:300])
        return Verdict.dead
