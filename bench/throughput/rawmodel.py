"""The model alone, in one process: the shipped artifact against the
previous one on the same token batches, interleaved round by round so that
drift in machine speed hits both alike.

Two paths: `session.run` on one [batch, 40] tensor (the graph's own speed),
and `runner.predict` as the service calls it (a dynamic int8 graph row by
row, see service/inference/runner.py).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from service.inference import TextModel

TOKENS = 40


def _timed(fn: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls * 1000


def _call(model: TextModel, path: str, ids: np.ndarray, mask: np.ndarray) -> Callable[[], object]:
    if path == "session.run":
        return lambda: model.runner.session.run(None, {"input_ids": ids, "attention_mask": mask})
    return lambda: model.runner.predict(ids, mask)


def raw_model_ratio(new: Path, old: Path, texts: list[str], rounds: int = 7) -> dict[str, dict[str, float]]:
    """Per path and batch size: median ms per call of each model, and old ÷ new."""
    models = {"new": TextModel(new), "old": TextModel(old)}
    ids_all = [i for t in texts for i in models["new"].windows(t)[0][1:-1]]
    out: dict[str, dict[str, float]] = {}
    for batch in (1, 32):
        rows = [ids_all[k * TOKENS : (k + 1) * TOKENS] for k in range(batch)]
        ids = np.array(rows, dtype=np.int64)
        mask = np.ones_like(ids)
        calls = 40 if batch == 1 else 6
        for path in ("session.run", "runner.predict"):
            fns = {name: _call(m, path, ids, mask) for name, m in models.items()}
            times: dict[str, list[float]] = {"new": [], "old": []}
            for fn in fns.values():
                fn()  # warm-up
            for _ in range(rounds):
                for name, fn in fns.items():
                    times[name].append(_timed(fn, calls))
            new_ms, old_ms = statistics.median(times["new"]), statistics.median(times["old"])
            out[f"{path}, batch {batch}"] = {"new_ms": new_ms, "old_ms": old_ms, "ratio": old_ms / new_ms}
    return out
