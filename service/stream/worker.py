"""`harmlabel worker`: take tweets off the stream, store them as cases.

Every worker process pulls from one durable consumer, so N workers share the
stream and each message goes to one of them at a time. A worker fetches a
batch, hands it to `StreamIntake` (the same assessor and micro-batched
scoring as the API, one transaction per batch) on a thread, and acks only
what is committed. A worker that dies at any point loses nothing: unacked
messages are redelivered after the ack wait, and receipts committed with the
cases make a redelivery of a stored message an ack, not a second case.

The worker follows bank and legal-order changes like an API replica; while
its indexes are stale beyond `max_staleness_seconds` it stops fetching, since
a legal order it has not seen may be one it must enforce. SIGTERM and SIGINT
let the batch in hand finish, commit and ack, then the worker exits.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from datetime import UTC, datetime, timedelta

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, NoServersError, TimeoutError

from service import failpoints
from service.pipeline.ingest import Delivery, StreamIntake, Verdict
from service.pipeline.runtime import Runtime
from service.settings import Settings
from service.store.stream import prune_receipts
from service.stream.broker import connect, consumer_config, ensure_stream

log = structlog.get_logger(__name__)
FETCH_WAIT_S = 1.0  # how long an idle fetch waits: bounds how late a SIGTERM is noticed
RECEIPT_RETENTION = timedelta(days=1)  # far beyond ack wait × max deliveries


def delivery(msg: Msg) -> Delivery:
    meta = msg.metadata
    return Delivery(
        seq=meta.sequence.stream,
        data=msg.data,
        deliveries=meta.num_delivered,
        subject=msg.subject,
        msg_id=(msg.headers or {}).get("Nats-Msg-Id"),
    )


def retry_delay(deliveries: int) -> float:
    """Back off 1, 2, 4 … 30 s between attempts of a failing message."""
    return float(min(30, 2 ** (deliveries - 1)))


class Worker:
    def __init__(self, settings: Settings, runtime: Runtime, intake: StreamIntake) -> None:
        self.settings, self.runtime, self.intake = settings, runtime, intake
        self.stop = asyncio.Event()
        self.counts = dict.fromkeys(Verdict, 0)

    def ready(self) -> bool:
        return self.runtime.follower.stale_for() <= self.settings.max_staleness_seconds

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)
        follow_stop = threading.Event()
        # A worker always follows (its readiness gates fetching), even where a
        # single API process is configured not to poll.
        for thread in self.runtime.follower.threads(follow_stop, self.settings.replica_poll_seconds or 1.0):
            thread.start()
        nc = await self.connect()
        if nc is None:  # stopped before the broker was ever reachable
            follow_stop.set()
            self.runtime.follower.wake()
            return
        try:
            js = nc.jetstream()
            await ensure_stream(js, self.settings)
            sub = await js.pull_subscribe(
                self.settings.stream_subject,
                durable=self.settings.stream_consumer,
                stream=self.settings.stream_name,
                config=consumer_config(self.settings),
            )
            log.info("worker ready", stream=self.settings.stream_name, consumer=self.settings.stream_consumer)
            batches = 0
            while not self.stop.is_set():
                if not self.ready():
                    log.warning(
                        "indexes stale; not fetching", stale_s=round(self.runtime.follower.stale_for(), 1)
                    )
                    await asyncio.sleep(1.0)
                    continue
                try:
                    msgs = await sub.fetch(self.settings.stream_batch, timeout=FETCH_WAIT_S)
                except TimeoutError:
                    continue
                except (ConnectionClosedError, NoServersError, OSError) as exc:
                    log.warning("broker unreachable; retrying", error=repr(exc))
                    await asyncio.sleep(1.0)
                    continue
                if msgs:
                    await self.process(msgs)
                batches += 1
                if batches % 500 == 1:
                    before = datetime.now(UTC) - RECEIPT_RETENTION
                    await asyncio.to_thread(prune_receipts, self.runtime.db, before)
        finally:
            follow_stop.set()
            self.runtime.follower.wake()
            log.info("worker stopping", **{v.value: n for v, n in self.counts.items()})
            try:
                await nc.flush(timeout=5)  # the last acks reach the broker before the connection closes
            except Exception as exc:  # an ack lost here means a redelivery, which the receipts absorb
                log.warning("could not flush the last acks", error=repr(exc))
            await nc.close()

    async def connect(self) -> Client | None:
        """The first connection, awaited until it succeeds (workers may start
        before the broker) or the worker is told to stop."""
        connecting = asyncio.ensure_future(connect(self.settings, name="harmlabel-worker"))
        stopping = asyncio.ensure_future(self.stop.wait())
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if connecting.done():
            return connecting.result()
        connecting.cancel()
        return None

    async def process(self, msgs: list[Msg]) -> None:
        """Store the batch, then ack or nak each message by its verdict. If
        storing raises (the database is down), nothing is acked: the whole
        batch is redelivered."""
        batch = [delivery(m) for m in msgs]
        try:
            verdicts = await asyncio.to_thread(self.intake.handle, batch, datetime.now(UTC))
        except Exception:
            log.exception("batch not stored; leaving it for redelivery", size=len(batch))
            for m, d in zip(msgs, batch, strict=True):
                await m.nak(delay=retry_delay(d.deliveries))
            return
        failpoints.reach("worker.after_commit")
        for m, d in zip(msgs, batch, strict=True):
            verdict = verdicts[d.seq]
            self.counts[verdict] += 1
            if verdict is Verdict.retry:
                await m.nak(delay=retry_delay(d.deliveries))
            else:
                await m.ack()
        log.info(
            "batch done",
            size=len(batch),
            **{v.value: sum(1 for x in verdicts.values() if x is v) for v in Verdict},
        )
