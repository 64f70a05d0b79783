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
from service.media.pdq import MIN_QUALITY, PdqHash, ViewHashes, view_hashes

THRESHOLDS = (16, 24, 31, 40, 50)


def _entries(crops: list[Crop], views: list[list[ViewHashes]]) -> tuple[list[BankEntryInfo], list[int]]:
    """One bank entry per distinct view of every crop (its variant 0, as a bank
    stores it); returns the entries and the crop each came from."""
    entries: list[BankEntryInfo] = []
    owner: list[int] = []
    for i, (c, vh) in enumerate(zip(crops, views, strict=True)):
        for v in vh:
            note = f"{c.photo}#{c.index}:{v.view}"
            entries.append(
                BankEntryInfo(
                    len(entries), "bench", False, v.hashes[0].hex, v.quality, note, None, None, None, None
                )
            )
            owner.append(i)
    return entries, owner


def _flat(vh: list[ViewHashes]) -> list[PdqHash]:
    return [h for v in vh for h in v.hashes]


def pdq_table(crops: list[Crop], seed: int, advance: Callable[[int], None]) -> dict[str, Any]:
    """Bank = every crop; each crop is also an original, queried under every
    transform; the false-match queries are every crop as it is and every
    transformed copy."""
    bank_views = []
    for c in crops:
        bank_views.append(view_hashes(c.rgb))
        advance(1)
    entries, owner = _entries(crops, bank_views)
    index = BankIndex(entries)
    owner_arr = np.array(owner)
    entry_group = np.array([crops[o].group for o in owner])

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
            flat = _flat(vh)
            dist = index.distances(flat)
            own = np.flatnonzero(owner_arr == ci)
            sub = dist[:, own]
            best_row = int(np.unravel_index(int(sub.argmin()), sub.shape)[0])
            distances[name].append(int(sub.min()))
            view = vh[best_row // 8].view
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
        d = index.distances(_flat(vh)).min(axis=0)[entry_group != group]
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
