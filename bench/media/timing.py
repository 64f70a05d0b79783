"""Single-thread latency: the per-image cost of decoding, PDQ views and every
advisory signal on one 1024×768 JPEG, and `BankIndex.search` against banks of
1k, 10k and 100k random entries."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import cv2
import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from service.media.bank_index import BankEntryInfo, BankIndex
from service.media.decode import DecodeLimits, decode_image
from service.media.pdq import PdqHash, ViewHashes, view_hashes
from service.media.signal import MediaContext, MediaSignal

BUDGET_MS = 150.0


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm caches and lazy imports
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(float(np.median(times)), 1)


def signal_latency(data: bytes, signals: list[tuple[str, MediaSignal]], repeats: int = 7) -> dict[str, Any]:
    """Median ms of each step on one thread; `total_ms` is every step but copy_move."""
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        with threadpool_limits(1):
            image = decode_image(data, DecodeLimits())
            steps = {
                "decode": _median_ms(lambda: decode_image(data, DecodeLimits()), repeats),
                "pdq_view_hashes": _median_ms(lambda: view_hashes(image.rgb), repeats),
            }
            for label, signal in signals:
                ctx = MediaContext(text="", posted_at=datetime.now(UTC))
                n = max(2, repeats // 2) if label == "copy_move" else repeats
                steps[label] = _median_ms(lambda s=signal, c=ctx: s.analyse(image, c), n)  # type: ignore[misc]
    finally:
        cv2.setNumThreads(threads)
    total = sum(v for k, v in steps.items() if k != "copy_move")
    return {
        "image": f"{image.width}×{image.height} JPEG",
        "steps_ms": steps,
        "total_ms": round(total, 1),
        "budget_ms": BUDGET_MS,
        "within_budget": total <= BUDGET_MS,
    }


def _random_words(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.frombuffer(rng.bytes(n * 32), dtype=np.uint64).reshape(n, 4)


def _hex(w: np.ndarray) -> str:
    return "".join(f"{int(x):016x}" for x in w)


def _random_entries(n: int, rng: np.random.Generator) -> list[BankEntryInfo]:
    """Entries as an image upload makes them: a primary hash and 7 derived ones."""
    words = _random_words(n * 8, rng).reshape(n, 8, 4)
    return [
        BankEntryInfo(
            i, "bench", False, _hex(w[0]), 100, None, None, None, None, None, tuple(_hex(d) for d in w[1:])
        )
        for i, w in enumerate(words)
    ]


def index_latency(seed: int, sizes: tuple[int, ...] = (1_000, 10_000, 100_000)) -> dict[str, Any]:
    """Median ms of one `search` with the most a query sends: 4 views × 8 variants
    against the primary hashes, the 4 views against every entry's 7 derived ones."""
    rng = np.random.default_rng([seed, 53])
    query = [
        ViewHashes(view, (0, 0, 1, 1), tuple(PdqHash(w, 100) for w in _random_words(8, rng)), 100)
        for view in ("as_sent", "trimmed", "caption_free", "photo_region")
    ]
    out: dict[str, Any] = {}
    with threadpool_limits(1):
        for n in sizes:
            index = BankIndex(_random_entries(n, rng))
            repeats = 20 if n <= 10_000 else 7
            out[str(n)] = _median_ms(lambda ix=index: ix.search(query, 31), repeats)  # type: ignore[misc]
    return {"query_hashes": 32, "derived_per_entry": 7, "search_ms": out}
