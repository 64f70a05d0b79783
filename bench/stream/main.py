"""Stream ingestion throughput with 1 and then 2 `harmlabel worker` processes.

Both runs happen side by side in one invocation, on the same tweets, a fresh
broker stream and a fresh PostgreSQL schema each, every worker with one ONNX
Runtime thread. The clock starts when publishing starts (the workers are
already up and idle) and stops when the last case is committed, so the
figure is end to end: broker, scoring, coordination, one transaction per
batch. The ratio is what the issue's target reads; absolute tweets per
second move 2–3× with this machine's day.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from bench.stream.nats import NatsServer
from service.schemas.tweet import Tweet
from service.settings import load_settings
from service.store.db import Database, migrate
from service.store.models import Case
from service.stream.broker import connect, ensure_stream, publish

BEGIN, END = "<!-- bench:stream:begin -->", "<!-- bench:stream:end -->"


@dataclass(frozen=True)
class Run:
    workers: int
    tweets: int
    seconds: float

    @property
    def per_s(self) -> float:
        return self.tweets / self.seconds


def workload(corpus_dir: Path, n: int, seed: int = 0) -> list[Tweet]:
    """Distinct everyday tweets (TweetEval validation), 40 accounts."""
    from training.claims.data import everyday

    texts = sorted(set(everyday(corpus_dir, "val")))
    rng = random.Random(seed)
    picked = rng.sample(texts, min(n, len(texts)))
    return [
        Tweet.model_validate({"id": f"b{i}", "text": t, "author": {"username": f"acct{i % 40}"}})
        for i, t in enumerate(picked)
    ]


def _schema(pg: str) -> tuple[str, str]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with create_engine(pg, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    return f"{pg}?options=-csearch_path%3D{name}", name


def _drop(pg: str, name: str) -> None:
    with create_engine(pg, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


def _stored(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Case)) or 0)


def one_run(n_workers: int, tweets: list[Tweet], pg: str, work: Path) -> Run:
    url, schema = _schema(pg)
    db = Database(url)
    migrate(db.engine)
    stream = f"BENCH_{n_workers}_{uuid.uuid4().hex[:6]}"
    with NatsServer(work / f"js{n_workers}") as broker:
        env = {
            **os.environ,
            "HARMLABEL_DATABASE_URL": url,
            "HARMLABEL_NATS_URL": broker.url,
            "HARMLABEL_STREAM_NAME": stream,
            "HARMLABEL_INFERENCE_THREADS": "1",
            "HARMLABEL_STATE_DIR": str(work / "state"),
        }
        logs = [work / f"w{n_workers}-{i}.log" for i in range(n_workers)]
        procs = []
        for log in logs:
            with log.open("wb") as out:
                cmd = [sys.executable, "-m", "harmlabel", "worker"]
                procs.append(subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT))
        try:
            while not all("worker ready" in log.read_text(errors="replace") for log in logs):
                if any(p.poll() is not None for p in procs):
                    raise RuntimeError(
                        "a worker exited:\n" + "\n".join(log.read_text()[-2000:] for log in logs)
                    )
                time.sleep(0.2)
            settings = load_settings(nats_url=broker.url, stream_name=stream)

            async def send() -> None:
                nc = await connect(settings, "bench")
                js = nc.jetstream()
                await ensure_stream(js, settings)
                await publish(js, settings, tweets)
                await nc.close()

            start = time.perf_counter()
            asyncio.run(send())
            while _stored(db) < len(tweets):
                time.sleep(0.05)
            seconds = time.perf_counter() - start
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(60)
    db.close()
    _drop(pg, schema)
    return Run(n_workers, len(tweets), seconds)


def table(runs: list[Run]) -> str:
    one = runs[0].per_s
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({platform.machine()}), "
        f"{runs[0].tweets} everyday tweets per run, one ONNX Runtime thread per worker, "
        "PostgreSQL and NATS JetStream on the same machine (`harmlabel bench stream`).",
        "",
        "| workers | seconds | tweets/s | × one worker |",
        "|---:|---:|---:|---:|",
    ]
    lines += [f"| {r.workers} | {r.seconds:.1f} | {r.per_s:.0f} | {r.per_s / one:.2f}× |" for r in runs]
    return "\n".join(lines)


def run(out: Path, corpus_dir: Path, n: int = 2000, pg: str | None = None) -> list[Run]:
    pg = pg or os.environ.get("HARMLABEL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    tweets = workload(corpus_dir, n)
    with tempfile.TemporaryDirectory() as tmp:
        runs = [one_run(k, tweets, pg, Path(tmp)) for k in (1, 2)]
    body = table(runs)
    print(body)
    doc = out.read_text(encoding="utf-8") if out.exists() else ""
    block = f"{BEGIN}\n{body}\n{END}"
    if BEGIN in doc:
        doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, doc, flags=re.S)
    else:
        doc += f"\n{block}\n"
    out.write_text(doc, encoding="utf-8")
    return runs
