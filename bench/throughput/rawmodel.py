"""The model alone, in one process: `session.run` of the shipped artifact
against the previous one on the same token batches, interleaved round by
round so that drift in machine speed hits both alike."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np


def raw_model_ratio(new: Path, old: Path, texts: list[str], rounds: int = 7) -> dict[str, dict[str, float]]:
    """Per batch size: median ms per call of each model, and old ÷ new."""
    from service.inference import TextModel

    models = {"new": TextModel(new), "old": TextModel(old)}
    out: dict[str, dict[str, float]] = {}
    for batch in (1, 32):
        seqs = [models["new"].windows(t)[0] for t in texts[:batch]]
        width = max(len(s) for s in seqs)
        ids = np.array([s + [0] * (width - len(s)) for s in seqs], dtype=np.int64)
        mask = (ids != 0).astype(np.int64)
        calls = 40 if batch == 1 else 6
        times: dict[str, list[float]] = {"new": [], "old": []}
        for m in models.values():
            m.runner.predict(ids, mask)  # warm-up
        for _ in range(rounds):
            for name, m in models.items():
                started = time.perf_counter()
                for _ in range(calls):
                    m.runner.predict(ids, mask)
                times[name].append((time.perf_counter() - started) / calls * 1000)
        new_ms, old_ms = statistics.median(times["new"]), statistics.median(times["old"])
        out[f"batch {batch}"] = {
            "tokens": float(width),
            "new_ms": new_ms,
            "old_ms": old_ms,
            "ratio": old_ms / new_ms,
        }
    return out
