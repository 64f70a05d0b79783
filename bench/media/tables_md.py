"""The Markdown tables of the media benchmark report."""

from __future__ import annotations

import math
from typing import Any

from bench.media.forgeries import CONDITIONS
from bench.media.pdq_table import THRESHOLDS
from bench.media.transforms import TRANSFORMS


def _f(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def half_width(auc: float | None, n: int) -> float | None:
    """Approximate 95% half-width of an AUC with n per class (Hanley & McNeil)."""
    if auc is None or n < 2:
        return None
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n - 1) * (q1 - auc**2) + (n - 1) * (q2 - auc**2)) / (n * n)
    return 1.96 * math.sqrt(max(var, 0.0))


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + [
        "| " + " | ".join(x) + " |" for x in rows
    ]


def forensic_section(r: dict[str, Any]) -> list[str]:
    n = r["n_hosts"]
    out = [f"AUC of each forgery type against the authentic images of the same condition ({n} of each); "]
    out[0] += "an abstention counts as score 0.0. ± is an approximate 95% interval (Hanley–McNeil; "
    out[0] += (
        "optimistic, since crops of one photo are not independent). Abstain = share of images abstained."
    )
    out.append("")
    head = ["signal", "condition", "AUC spliced", "AUC copy-moved", "abstain auth / spl / cm"]
    rows = []
    for label, row in r["forensic"].items():
        for cond in CONDITIONS:
            a, ab = row["auc"][cond], row["abstain"][cond]
            cells = [f"{_f(a[k])} ± {_f(half_width(a[k], n))}" for k in ("spliced", "copy_moved")]
            rates = " / ".join(f"{ab[k]:.0%}" for k in ("authentic", "spliced", "copy_moved"))
            rows.append([f"`{label}`", cond, *cells, rates])
    out += _table(head, rows) + [""]
    head = ["signal", "version", "AUC overall", "abstain", "threshold_fpr05", "edited / authentic above it"]
    head += ["ms mean", "ms p95", "errors"]
    rows = []
    for label, row in r["forensic"].items():
        above = row["above_threshold"]
        rows.append(
            [
                f"`{label}`",
                r["versions"][label]["version"],
                _f(row["auc_overall"]),
                f"{row['abstain_rate']:.0%}",
            ]
            + [_f(row["threshold_fpr05"], 3), f"{above['edited']:.0%} / {above['authentic']:.0%}"]
            + [_f(row["ms_mean"], 1), _f(row["ms_p95"], 1), str(row["errors"])]
        )
    out += _table(head, rows)
    out += ["", "`threshold_fpr05`: the 95th percentile of the scores authentic images got (all conditions"]
    out += [
        "pooled, abstentions left out): above it, at most 5% of authentic images that the signal scored fall."
    ]
    out += [
        "Above it: the share of all edited / authentic images (abstentions included) scoring strictly higher,"
    ]
    out += ["i.e. what the service would surface. ms: per image, one thread per process (`elapsed_ms`)."]
    out += [""] + [
        f"- Authentic images above `{label}`'s threshold, by photo: "
        + (", ".join(f"{k} {v}" for k, v in row["false_alarm_photos"].items()) or "none")
        + "."
        for label, row in r["forensic"].items()
    ]
    for label, why in r["not_available"].items():
        out += ["", f"`{label}`: not available ({why})."]
    return out


def latency_section(r: dict[str, Any]) -> list[str]:
    lat = r["latency"]
    rows = [[f"`{k}`", _f(v, 1)] for k, v in lat["steps_ms"].items()]
    out = [
        f"One {lat['image']}, `cv2.setNumThreads(1)`, BLAS limited to one thread; median of repeated runs.",
        "",
    ]
    out += _table(["step", "ms"], rows)
    verdict = "within" if lat["within_budget"] else "over"
    out += [
        "",
        f"Total without `copy_move`: **{lat['total_ms']} ms** "
        f"({verdict} the {lat['budget_ms']:.0f} ms budget).",
    ]
    out += [
        "",
        "`BankIndex.search`, 32 query hashes (4 views × 8 variants) against random entries that each"
        " carry 7 derived hashes, one thread:",
        "",
    ]
    idx = r["index"]["search_ms"]
    out += _table(["entries", "ms"], [[f"{int(k):,}", _f(v, 2)] for k, v in idx.items()])
    return out


def pdq_section(r: dict[str, Any]) -> list[str]:
    p = r["pdq"]
    out = [
        f"Every crop ({p['n_bank_images']} from {p['n_photos']} photos) as an original under each "
        f"transformation, against a bank of {p['n_entries']} entries (one per crop, hashed as "
        "an image upload is: its PDQ plus the exact mirror and centre crops of 2–12% per side, "
        "see `pdq.bank_hashes`); queries hash up to four views with `view_hashes`. "
    ]
    out[0] += "Recall = the original's own entry within the threshold."
    out.append("")
    head = ["transformation", *[f"≤{t}" for t in THRESHOLDS], "median distance", "nearest view"]
    rows = []
    for name in TRANSFORMS:
        rec, views = p["threshold_recall"][name], p["best_view"][name]
        best = ", ".join(f"{k} {v}" for k, v in sorted(views.items(), key=lambda kv: -kv[1]))
        rows.append(
            [name, *[f"{rec[str(t)]:.0%}" for t in THRESHOLDS], _f(p["median_distance"][name], 0), best]
        )
    out += _table(head, rows) + [""]
    out += [
        f"False matches: {p['n_queries']} queries (every crop as is, and every transformed copy) against "
    ]
    out[-1] += f"the entries of *unrelated* photos only: {p['false_match_pairs']:,} query–entry pairs."
    out.append("")
    rows = []
    for t in THRESHOLDS:
        k = str(t)
        bound = p["false_match_upper95"][k]
        rows.append([f"≤{t}", str(p["false_match_count"][k]), f"{p['false_match_rate'][k]:.2e}"])
        rows[-1].append("n/a" if bound is None else f"< {bound:.1e} (3/n)")
    out += _table(["threshold", "false pairs", "rate", "95% upper bound if 0"], rows)
    q = p["quality_below_50"]
    out += ["", f"Nearest unrelated entry: minimum distance {p['nearest_unrelated_min']}, 1st percentile "]
    out[-1] += f"{p['nearest_unrelated_p01']:.0f}. Pairs share images, so the 3/n bound is indicative."
    out += ["", f"PDQ quality < 50: {q['bank']:.0%} of bank crops ({', '.join(q['bank_low']) or 'none'}; "]
    out[-1] += f"minimum {q['bank_min']}, median {q['bank_median']:.0f}), "
    out[-1] += f"{q['queries']:.0%} of transformed queries."
    return out
