"""PDQ recall under the copies viral images go through, and the false-match
rate between unrelated photos, using the service's own `view_hashes` and
`BankIndex` (a query's distance to an entry is the minimum over its views and
their eight dihedral variants, as `BankIndex.search` computes it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bench.media.photos import Crop
from bench.media.transforms import TRANSFORMS
from service.media.bank_index import BankEntryInfo, BankIndex
from service.media.pdq import MIN_QUALITY, ViewHashes, bank_hashes, view_hashes

THRESHOLDS = (16, 24, 31, 40, 50)


def _entries(crops: list[Crop], advance: Callable[[int], None]) -> list[BankEntryInfo]:
    """One bank entry per crop, hashed exactly as `POST .../entries` hashes an
    image: its PDQ plus the derived mirror and centre-crop hashes."""
    entries = []
    for i, c in enumerate(crops):
        primary, derived = bank_hashes(c.rgb)
        entries.append(
            BankEntryInfo(
                i,
                "bench",
                False,
                primary.hex,
                primary.quality,
                f"{c.photo}#{c.index}",
                None,
                None,
                None,
                None,
                tuple(d.hex for d in derived),
            )
        )
        advance(1)
    return entries


def _distances(index: BankIndex, vh: list[ViewHashes]) -> np.ndarray:
    """The distance `BankIndex.search` assigns to every entry (256 = none)."""
    out = np.full(len(index), 256, dtype=np.int32)
    for m in index.search(vh, 256):
        out[m.entry.id] = m.distance
    return out


def pdq_table(crops: list[Crop], seed: int, advance: Callable[[int], None]) -> dict[str, Any]:
    """Bank = every crop; each crop is also an original, queried under every
    transform; the false-match queries are every crop as it is and every
    transformed copy."""
    entries = _entries(crops, advance)
    index = BankIndex(entries)
    entry_group = np.array([c.group for c in crops])
    bank_views = [view_hashes(c.rgb) for c in crops]

    # (group, views) of every query used for the false-match count
    queries: list[tuple[str, list[ViewHashes]]] = [
        (c.group, v) for c, v in zip(crops, bank_views, strict=True)
    ]
    distances: dict[str, list[int]] = {name: [] for name in TRANSFORMS}
    hit_views: dict[str, dict[str, int]] = {name: {} for name in TRANSFORMS}
    for ci in range(len(crops)):
        for t_i, (name, transform) in enumerate(TRANSFORMS.items()):
            rng = np.random.default_rng([seed, ci, t_i, 41])
            vh = view_hashes(transform(crops[ci].rgb, rng))
            queries.append((crops[ci].group, vh))
            own = [m for m in index.search(vh, 256) if m.entry.id == ci]
            distances[name].append(own[0].distance if own else 256)
            view = own[0].view if own else "none"
            hit_views[name][view] = hit_views[name].get(view, 0) + 1
            advance(1)

    recall = {
        name: {str(t): round(float(np.mean(np.array(d) <= t)), 3) for t in THRESHOLDS}
        for name, d in distances.items()
    }
    median = {name: float(np.median(d)) for name, d in distances.items()}

    pairs = 0
    false = dict.fromkeys(THRESHOLDS, 0)
    nearest: list[int] = []
    for group, vh in queries:
        d = _distances(index, vh)[entry_group != group]
        pairs += int(d.size)
        nearest.append(int(d.min()))
        for t in THRESHOLDS:
            false[t] += int((d <= t).sum())
    rate = {str(t): false[t] / pairs for t in THRESHOLDS}
    bound = {str(t): (3 / pairs if false[t] == 0 else None) for t in THRESHOLDS}

    bank_q = [vh[0].quality for vh in bank_views if vh]
    query_q = [vh[0].quality for _, vh in queries[len(crops) :] if vh]
    return {
        "n_photos": len({c.photo for c in crops}),
        "n_bank_images": len(crops),
        "n_entries": len(entries),
        "n_queries": len(queries),
        "threshold_recall": recall,
        "median_distance": median,
        "best_view": hit_views,
        "false_match_rate": rate,
        "false_match_count": {str(t): false[t] for t in THRESHOLDS},
        "false_match_pairs": pairs,
        "false_match_upper95": bound,
        "nearest_unrelated_min": min(nearest),
        "nearest_unrelated_p01": float(np.quantile(nearest, 0.01)),
        "quality_below_50": {
            "bank": round(float(np.mean(np.array(bank_q) < MIN_QUALITY)), 3),
            "bank_min": int(min(bank_q)),
            "bank_median": float(np.median(bank_q)),
            "queries": round(float(np.mean(np.array(query_q) < MIN_QUALITY)), 3),
            "bank_low": sorted(
                {crops[i].photo for i, vh in enumerate(bank_views) if vh[0].quality < MIN_QUALITY}
            ),
        },
    }
