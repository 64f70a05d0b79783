"""Stream ingestion against real processes: our own `nats-server -js` on a
free port (so it can be killed), PostgreSQL, and `harmlabel worker`
subprocesses running the shipped model. Each test ends with every published
tweet stored exactly once: one case per tweet id, one submission each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bench.stream.nats import NatsServer
from service.store.db import Database, migrate
from service.store.models import Case, DeadLetter
from service.store.stream import redelivered

pytestmark = pytest.mark.slow
TEXTS = [
    "Can't believe the game last night, what a finish!! #{i}",
    "Drinking hot water every 15 minutes kills the virus in your throat, share this! ({i})",
    "Ministry of Health: {i} new COVID-19 cases today, all in managed isolation.",
    "Coffee number {i} of the day and it's not even noon",
    "5G towers are spreading the virus, wake up people #{i}",
    "Our bake sale raised ${i}00 for the shelter, thank you all!",
]


def tweets(n: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {"id": f"{prefix}{i}", "text": TEXTS[i % len(TEXTS)].format(i=i), "author": {"username": f"u{i % 7}"}}
        for i in range(n)
    ]


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


class Harness:
    """One broker, one PostgreSQL schema, and the workers started on them."""

    def __init__(self, broker: NatsServer, db_url: str, tmp: Path) -> None:
        self.broker, self.db_url, self.tmp = broker, db_url, tmp
        self.db = Database(db_url)
        migrate(self.db.engine)
        self.started = 0
        self.workers: list[Worker] = []

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "HARMLABEL_DATABASE_URL": self.db_url,
            "HARMLABEL_NATS_URL": self.broker.url,
            "HARMLABEL_STATE_DIR": str(self.tmp / "state"),
            "HARMLABEL_STREAM_BATCH": "8",
            "HARMLABEL_STREAM_ACK_WAIT_SECONDS": "3",
            "HARMLABEL_STREAM_MAX_DELIVER": "3",
            "HARMLABEL_INFERENCE_THREADS": "1",
            "HARMLABEL_LOG_FORMAT": "json",
            **extra,
        }

    def publish(self, items: list[dict[str, Any]]) -> dict[str, int]:
        lines = "\n".join(json.dumps(t) for t in items)
        out = subprocess.run(
            [sys.executable, "-m", "harmlabel", "publish", "-"],
            input=lines, capture_output=True, text=True, env=self.env(), timeout=120,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr[-2000:]
        report: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
        return report

    def worker(self, **extra: str) -> Worker:
        self.started += 1
        worker = Worker(self.tmp / f"worker{self.started}.log", self.env(**extra))
        self.workers.append(worker)
        return worker

    def cases(self) -> dict[str, int]:
        """Submissions per stored tweet id."""
        with self.db.session() as s:
            rows = s.execute(select(Case.tweet_id, Case.submissions))
            return {row.tweet_id: row.submissions for row in rows}

    def redelivered_receipts(self) -> int:
        return redelivered(self.db, "HARMLABEL_TWEETS")

    def dead(self) -> list[DeadLetter]:
        with self.db.session() as s:
            rows = list(s.scalars(select(DeadLetter).order_by(DeadLetter.id)))
            s.expunge_all()
            return rows


class Worker:
    """`harmlabel worker` as a subprocess, its JSON log in a file."""

    def __init__(self, log: Path, env: dict[str, str]) -> None:
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "harmlabel", "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def events(self, name: str) -> list[dict[str, Any]]:
        found = []
        for line in self.text().splitlines():
            if line.startswith("{") and f'"{name}"' in line:
                found.append(json.loads(line))
        return found

    def wait_for(self, marker: str, timeout: float = 90) -> None:
        def seen() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited {self.proc.returncode}:\n{self.text()[-3000:]}")
            return marker in self.text()

        wait_for(f"{marker!r} in {self.log.name}", seen, timeout)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        """SIGTERM, then the exit code once the batch in hand is done."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)

    def already_stored(self) -> int:
        return sum(int(e.get("already_stored", 0)) for e in self.events("batch done"))


@pytest.fixture
def harness(pg_schema: tuple[str, str], tmp_path: Path) -> Iterator[Harness]:
    with NatsServer(tmp_path / "jetstream") as broker:
        h = Harness(broker, pg_schema[0], tmp_path)
        try:
            yield h
        finally:  # a failed test must not leave its workers running
            for worker in h.workers:
                if worker.proc.poll() is None:
                    worker.kill()
            h.db.close()


def test_worker_killed_before_its_commit_loses_nothing(harness: Harness) -> None:
    sent = tweets(24, "before-")
    assert harness.publish(sent) == {"published": 24, "duplicates": 0, "invalid": 0}
    doomed = harness.worker(HARMLABEL_FAILPOINTS="intake.before_commit")
    doomed.wait_for("failpoint intake.before_commit reached")  # a batch scored, not yet committed
    doomed.kill()
    assert harness.cases() == {}

    survivor = harness.worker()
    wait_for("every tweet stored", lambda: len(harness.cases()) == len(sent))
    assert survivor.stop() == 0
    assert harness.cases() == {t["id"]: 1 for t in sent}
    assert harness.redelivered_receipts() >= 1  # the killed worker's batch came round again


def test_worker_killed_after_its_commit_stores_nothing_twice(harness: Harness) -> None:
    sent = tweets(24, "after-")
    harness.publish(sent)
    doomed = harness.worker(HARMLABEL_FAILPOINTS="worker.after_commit")
    doomed.wait_for("failpoint worker.after_commit reached")  # committed, not acked
    doomed.kill()
    committed = harness.cases()
    assert 1 <= len(committed) <= 8 and set(committed.values()) == {1}, committed

    survivor = harness.worker()
    wait_for("every tweet stored", lambda: len(harness.cases()) == len(sent))
    wait_for("the unacked batch redelivered", lambda: survivor.already_stored() >= len(committed), timeout=30)
    assert survivor.stop() == 0
    assert harness.cases() == {t["id"]: 1 for t in sent}
    assert survivor.already_stored() == len(committed)  # known by their receipts: acked, not stored again


def test_broker_restarts_lose_nothing(harness: Harness) -> None:
    first, second, third = tweets(16, "a-"), tweets(16, "b-"), tweets(16, "c-")
    harness.publish(first)
    harness.broker.restart()  # SIGKILL with 16 tweets in the stream and no worker yet
    worker = harness.worker()
    worker.wait_for("worker ready")
    wait_for("the first tweets", lambda: len(harness.cases()) == 16)
    harness.publish(second)
    harness.broker.restart()  # SIGKILL under a running worker: it reconnects
    harness.publish(third)
    everything = first + second + third
    wait_for("every tweet stored", lambda: len(harness.cases()) == len(everything))
    assert worker.stop() == 0
    assert harness.cases() == {t["id"]: 1 for t in everything}


def test_sigterm_finishes_the_batch_in_hand(harness: Harness) -> None:
    sent = tweets(120, "term-")
    harness.publish(sent)
    first = harness.worker()
    wait_for("the worker under way", lambda: len(harness.cases()) >= 8)
    assert first.stop() == 0  # mid-stream: the batch in hand is committed and acked
    stopped_at = len(harness.cases())
    assert first.events("worker stopping")
    assert stopped_at < len(sent)

    second = harness.worker()
    wait_for("the rest stored", lambda: len(harness.cases()) == len(sent))
    assert second.stop() == 0
    assert harness.cases() == {t["id"]: 1 for t in sent}
    assert second.already_stored() == 0  # nothing the first committed came back unacked


def test_duplicates_are_dropped_and_poison_is_dead_lettered(harness: Harness) -> None:
    import asyncio

    import nats

    sent = tweets(10, "dup-")
    assert harness.publish(sent) == {"published": 10, "duplicates": 0, "invalid": 0}
    assert harness.publish(sent[:4]) == {"published": 0, "duplicates": 4, "invalid": 0}

    async def poison() -> None:  # what a broken producer sends, bypassing the CLI's validation
        nc = await nats.connect(harness.broker.url)
        js = nc.jetstream()
        await js.publish("harmlabel.tweets", b"this is not json", headers={"Nats-Msg-Id": "junk-1"})
        await js.publish("harmlabel.tweets", b'{"id": "no-text"}', headers={"Nats-Msg-Id": "junk-2"})
        await nc.close()

    asyncio.run(poison())
    worker = harness.worker()
    wait_for("the good tweets stored", lambda: len(harness.cases()) == len(sent))
    wait_for("the poison dead-lettered", lambda: len(harness.dead()) == 2, timeout=60)
    assert worker.stop() == 0
    assert harness.cases() == {t["id"]: 1 for t in sent}
    dead = harness.dead()
    assert [d.msg_id for d in dead] == ["junk-1", "junk-2"]
    assert all(d.deliveries == 3 and "not a tweet" in d.error for d in dead)
    assert dead[0].payload == b"this is not json"


def test_a_worker_with_stale_indexes_does_not_fetch(harness: Harness) -> None:
    """A worker that cannot confirm its legal orders current leaves the
    stream alone: an order it has not seen may be one it must enforce."""
    harness.publish(tweets(8, "stale-"))
    worker = harness.worker(HARMLABEL_REPLICA_POLL_SECONDS="3600", HARMLABEL_MAX_STALENESS_SECONDS="0.001")
    worker.wait_for("indexes stale; not fetching")
    time.sleep(2.0)
    assert harness.cases() == {}
    assert worker.stop() == 0


def test_a_worker_waiting_for_its_broker_stops_on_sigterm(harness: Harness) -> None:
    port = harness.broker.port
    harness.broker.kill()
    worker = harness.worker(HARMLABEL_NATS_URL=f"nats://127.0.0.1:{port}")
    worker.wait_for("Connect call failed")  # it keeps trying; the broker is down
    assert worker.stop() == 0
