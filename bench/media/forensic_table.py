"""Run every available advisory forensic signal over the labelled set, and score
it: ROC-AUC per condition and forgery type, abstention rate, time per image,
and the score that only 5% of authentic images exceed.

Signals are imported lazily: one that does not exist (or fails to import) is
reported as not available, and the others still run.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from typing import Any

import numpy as np

from bench.media.forgeries import CONDITIONS, Sample
from service.media.decode import DecodeLimits, decode_image
from service.media.signal import MediaContext, MediaSignal

# (name, module, class) in the order the service registry runs them; the name is the
# signal's `name`, which keys reliability.json
SIGNAL_SPECS: tuple[tuple[str, str, str], ...] = (
    ("metadata", "service.media.forensics.metadata", "Metadata"),
    ("error_level", "service.media.forensics.ela", "ErrorLevel"),
    ("double_jpeg", "service.media.forensics.double_jpeg", "DoubleJpeg"),
    ("copy_move", "service.media.forensics.copy_move", "CopyMove"),
)
Scores = dict[str, tuple[float | None, float, str | None]]  # signal → (score, ms, error)


def load_signals(
    specs: tuple[tuple[str, str, str], ...] | None = None,
) -> tuple[list[tuple[str, MediaSignal]], dict[str, str]]:
    """(name, instance) for every signal that imports and constructs, and
    name → why not for the rest."""
    found: list[tuple[str, MediaSignal]] = []
    missing: dict[str, str] = {}
    for label, module, cls in SIGNAL_SPECS if specs is None else specs:
        try:
            signal = getattr(importlib.import_module(module), cls)()
        except Exception as exc:  # absent or broken: the table says so
            missing[label] = f"{type(exc).__name__}: {exc}"[:160]
            continue
        found.append((label, signal))
    return found, missing


_SIGNALS: list[tuple[str, MediaSignal]] = []


def _init_worker(specs: tuple[tuple[str, str, str], ...]) -> None:
    import cv2
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    cv2.setNumThreads(1)
    threadpool_limits(1)
    _SIGNALS[:] = load_signals(specs)[0]


def run_signals(data: bytes, signals: list[tuple[str, MediaSignal]] | None = None) -> Scores:
    """Decode once, then run the signals in order, each seeing the earlier results."""
    image = decode_image(data, DecodeLimits())
    ctx = MediaContext(text="", posted_at=datetime.now(UTC))
    out: Scores = {}
    for label, signal in _SIGNALS if signals is None else signals:
        result = signal.analyse(image, ctx)
        ctx.results[result.signal] = result
        out[label] = (result.score, result.elapsed_ms, result.error)
    return out


def score_all(
    samples: list[Sample], advance: Callable[[int], None], workers: int | None = None
) -> list[Scores]:
    """Scores for every sample, in order, on `workers` single-threaded processes
    (spawned: forking after OpenCV has started its thread pool can deadlock)."""
    workers = workers or min(4, os.cpu_count() or 1)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, ctx, _init_worker, (SIGNAL_SPECS,)) as pool:
        futures = [pool.submit(run_signals, s.data) for s in samples]
        out = []
        for f in futures:
            out.append(f.result())
            advance(1)
    return out


def _auc(labels: list[int], scores: list[float]) -> float | None:
    from sklearn.metrics import roc_auc_score

    if len(set(labels)) < 2:
        return None
    return round(float(roc_auc_score(labels, scores)), 3)


def _pairs(rows: list[tuple[Sample, float | None]], kind: str) -> tuple[list[int], list[float]]:
    """Labels and scores of `kind` against authentic; an abstention scores 0.0."""
    keep = [(s, v) for s, v in rows if s.kind in ("authentic", kind)]
    return [int(s.kind != "authentic") for s, _ in keep], [0.0 if v is None else v for _, v in keep]


def summarise(label: str, samples: list[Sample], scores: list[Scores]) -> dict[str, Any]:
    """One signal's row of the table, in the shape reliability.json keeps."""
    rows = [(s, sc[label][0]) for s, sc in zip(samples, scores, strict=True)]
    ms = np.array([sc[label][1] for sc in scores])
    auc: dict[str, dict[str, float | None]] = {}
    abstain: dict[str, dict[str, float]] = {}
    for cond in CONDITIONS:
        sub = [(s, v) for s, v in rows if s.condition == cond]
        auc[cond] = {k: _auc(*_pairs(sub, k)) for k in ("spliced", "copy_moved")}
        abstain[cond] = {
            k: round(float(np.mean([v is None for s, v in sub if s.kind == k])), 3)
            for k in ("authentic", "spliced", "copy_moved")
        }
    labels = [int(s.kind != "authentic") for s, _ in rows]
    authentic = [v for s, v in rows if s.kind == "authentic" and v is not None]
    threshold = round(float(np.quantile(authentic, 0.95)), 4) if authentic else None
    above = [(s, v is not None and threshold is not None and v > threshold) for s, v in rows]
    alarms = Counter(s.host.split("#")[0] for s, hit in above if hit and s.kind == "authentic")
    return {
        "auc": auc,
        "auc_overall": _auc(labels, [0.0 if v is None else v for _, v in rows]),
        "abstain_rate": round(float(np.mean([v is None for _, v in rows])), 3),
        "abstain": abstain,
        "threshold_fpr05": threshold,
        # shares strictly above the threshold (abstentions are never above): what the service would show
        "above_threshold": {
            "authentic": round(float(np.mean([hit for s, hit in above if s.kind == "authentic"])), 3),
            "edited": round(float(np.mean([hit for s, hit in above if s.kind != "authentic"])), 3),
        },
        "false_alarm_photos": dict(alarms.most_common(4)),
        "ms_mean": round(float(ms.mean()), 1),
        "ms_p95": round(float(np.quantile(ms, 0.95)), 1),
        "errors": sum(1 for sc in scores if sc[label][2] is not None),
        "n": len(rows),
    }
