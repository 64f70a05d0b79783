"""Start each server in turn, drive the same workloads, write the tables.

Servers run one at a time (both in this one run), so an idle server's
threads never steal cycles from the one being measured.
"""

from __future__ import annotations

import os
import pickle
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.throughput.load import drive, drive_open
from bench.throughput.parity import max_probability_gap
from bench.throughput.profile import profile_assess
from bench.throughput.rawmodel import raw_model_ratio
from bench.throughput.report import write_report
from bench.throughput.roofline import flops_per_tweet, peaks
from training.registry import link_served

SINGLE = (1, 16, 64)
OVERLOAD = (2, 4)  # offered load, as multiples of the measured peak
# One 64-tweet rank at a time per worker: the default admission bound (64
# tweets) refuses a second one while the first is in flight, by design.
RANK_SIZE, RANK_CONCURRENCY = 64, 1


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _server(cmd: list[str], port: int, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        (proc.stderr.read() if proc.stderr else b"").decode()[-2000:]
                    ) from None
                time.sleep(0.5)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def workload(corpus_dir: Path, seed: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Validation tweets in English, with about 20% exact duplicates."""
    from training.corpus import build_corpus

    texts = [ex.raw_text for ex in build_corpus(corpus_dir).split("validation") if ex.lang == "en"]
    rng = random.Random(seed)
    unique = rng.sample(texts, 1600)
    stream = unique + [rng.choice(unique) for _ in range(400)]
    rng.shuffle(stream)
    return [{"id": str(i), "text": t} for i, t in enumerate(stream)], texts


def _tagged(tweets: list[dict[str, Any]], tag: str) -> list[dict[str, Any]]:
    """The same tweets, new to the duplicate cache: each workload starts cold."""
    return [{**t, "text": f"{t['text']} ({tag})"} for t in tweets]


def _measure(
    base: str, key: str, tweets: list[dict[str, Any]], seconds: float, single: tuple[int, ...] = SINGLE
) -> dict[str, Any]:
    headers = {"X-API-Key": key} if key else {}
    out: dict[str, Any] = {}
    drive(f"{base}/v1/assess?spans=false", _tagged(tweets, "warm"), 1, 4, 2.0, headers)
    for c in single:
        bodies = _tagged(tweets, f"c{c}")
        out[f"single_c{c}"] = drive(f"{base}/v1/assess?spans=false", bodies, 1, c, seconds, headers)
    batch = _tagged(tweets, "rank")
    ranks = [{"tweets": batch[i : i + RANK_SIZE], "spans": False} for i in range(0, len(batch), RANK_SIZE)]
    out[f"rank{RANK_SIZE}_c{RANK_CONCURRENCY}"] = drive(
        f"{base}/v1/rank", ranks, RANK_SIZE, RANK_CONCURRENCY, seconds, headers
    )
    return out


def _worker_rss_mb(proc: subprocess.Popen[bytes]) -> float:
    """Peak RSS of the worker that serves: the process itself, or with
    several workers the largest of its children."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    kids = [int(p) for p in children.read_text().split()] if children.exists() else []
    return max([_peak_rss_mb(k) for k in kids] or [_peak_rss_mb(proc.pid)])


def _overload(
    base: str, key: str, tweets: list[dict[str, Any]], peak: float, seconds: float
) -> dict[str, Any]:
    """Open-loop single-tweet load at 2× and 4× the measured peak."""
    url = f"{base}/v1/assess?spans=false"
    return {
        f"{m}x": drive_open(url, _tagged(tweets, f"over{m}"), m * peak, seconds, {"X-API-Key": key})
        for m in OVERLOAD
    }


def run(out_md: Path, models_dir: Path, corpus_dir: Path, seconds: float = 12.0, seed: int = 0) -> None:
    """harmlabel (the model `models_dir/CURRENT` names) in two worker layouts,
    the same server on the previous model, and the naive baseline on the
    current model's weights recovered as torch, one after the other."""
    started = time.perf_counter()
    tweets, _ = workload(corpus_dir, seed)
    from service.inference import TextModel
    from service.inference.card import resolve_current

    model_dir = resolve_current(models_dir)
    model = TextModel(model_dir)
    previous = previous_model(model_dir)
    lengths = [len(w) for t in tweets for w in model.windows(t["text"])]
    mean_tokens = sum(lengths) / len(lengths)
    near_40 = [t for t in tweets if 36 <= len(model.windows(t["text"])[0]) <= 44][:200]
    results: dict[str, dict[str, Any]] = {}
    rss: dict[str, float] = {}
    cores = os.cpu_count() or 1

    with tempfile.TemporaryDirectory() as state:
        from service.settings import load_settings
        from service.store.db import Database, migrate
        from service.store.keys import Role, create_key

        db = Database(load_settings(state_dir=Path(state)).resolved_database_url)
        migrate(db.engine)
        key = create_key(db, Role.queue, "bench")[0]
        db.close()
        base_env = {"HARMLABEL_STATE_DIR": state, "HARMLABEL_LOG_LEVEL": "warning"}
        one = {"HARMLABEL_WORKERS": "1"}
        layouts = [
            ("harmlabel", models_dir, one),
            (f"harmlabel {cores} workers × 1 thread", models_dir, {"HARMLABEL_WORKERS": str(cores)}),
            ("harmlabel, ORT spinning off", models_dir, {**one, "HARMLABEL_INFERENCE_SPINNING": "false"}),
        ]
        if previous is not None:
            layouts.append(("harmlabel, previous model", _models_with(previous, Path(state)), one))
        for name, mdir, extra in layouts:
            port = _port()
            env = {**base_env, **extra, "HARMLABEL_PORT": str(port), "HARMLABEL_MODELS_DIR": str(mdir)}
            with _server([sys.executable, "-m", "harmlabel", "serve"], port, env) as proc:
                base = f"http://127.0.0.1:{port}"
                if name == "harmlabel":
                    results[name] = _measure(base, key, tweets, seconds)
                    results[name]["p99_40_tokens"] = drive(
                        f"{base}/v1/assess?spans=false", near_40, 1, 1, seconds, {"X-API-Key": key}
                    )
                    peak = max(results[name][f"single_c{c}"].tweets_per_s for c in SINGLE)
                    results[name]["overload"] = _overload(base, key, tweets, peak, seconds)
                else:
                    results[name] = _measure(base, key, tweets, seconds, single=(16,))
                rss[name] = _worker_rss_mb(proc)

    port = _port()
    cmd = [sys.executable, "-m", "bench.throughput.baseline", "--port", str(port), "--model", str(model_dir)]
    with _server(cmd, port, {}) as proc:
        base = f"http://127.0.0.1:{port}"
        results["baseline"] = _measure(base, "", tweets, seconds)
        results["baseline"]["p99_40_tokens"] = drive(f"{base}/v1/assess", near_40, 1, 1, seconds)
        rss["baseline"] = _peak_rss_mb(proc.pid)

    texts = [t["text"] for t in tweets[:512]]
    raw = raw_model_ratio(model_dir, previous, texts) if previous is not None else {}
    machine_peaks = peaks()
    gap = max_probability_gap(model_dir, [t["text"] for t in tweets[:64]])
    profile = {"batch 1": profile_assess(texts[:128], 1), "batch 64": profile_assess(texts, 64)}
    kwargs: dict[str, Any] = {
        "mean_tokens": mean_tokens,
        "flops": flops_per_tweet(mean_tokens),
        "weights_gap": gap,
        "wall_s": time.perf_counter() - started,
        "profile": profile,
        "version": model.card.version,
        "previous": previous.name if previous else None,
        "raw": raw,
    }
    # Kept so that a report can be re-rendered without re-running the servers.
    with (Path(tempfile.gettempdir()) / "harmlabel-bench-throughput.pkl").open("wb") as fh:
        pickle.dump((results, rss, machine_peaks, kwargs), fh)
    write_report(out_md, results, rss, machine_peaks, **kwargs)


def previous_model(model_dir: Path) -> Path | None:
    """The model this one was re-quantized from, if its folder is here."""
    import json

    card = json.loads((model_dir / "card.json").read_text(encoding="utf-8"))
    version = card.get("quantization", {}).get("requantized_from", {}).get("version")
    folder = model_dir.parent / version if version else None
    return folder if folder is not None and folder.is_dir() else None


def _models_with(folder: Path, state: Path) -> Path:
    """A models directory whose CURRENT names `folder`."""
    models = state / "previous-models"
    models.mkdir(exist_ok=True)
    (models / folder.name).symlink_to(folder.resolve())
    (models / "CURRENT").write_text(folder.name + "\n")
    link_served(models, "hi")
    return models
