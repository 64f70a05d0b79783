"""The plain-language findings at the end of the report, derived from the
numbers so they cannot drift from them. A weak signal is called weak."""

from __future__ import annotations

from typing import Any

from bench.media.forgeries import CONDITIONS

GOOD, WEAK = 0.75, 0.60
TYPE = {"spliced": "splices", "copy_moved": "copy-moves"}


def _cells(row: dict[str, Any], lo: float, hi: float) -> list[str]:
    return [
        f"{TYPE[kind]}/`{cond}` {auc:.2f}"
        for cond in CONDITIONS
        for kind in ("spliced", "copy_moved")
        if (auc := row["auc"][cond][kind]) is not None and lo <= auc < hi
    ]


def _signal(label: str, row: dict[str, Any]) -> str:
    good, weak, chance = _cells(row, GOOD, 1.01), _cells(row, WEAK, GOOD), _cells(row, -1.0, WEAK)
    parts = []
    if good:
        parts.append("useful on " + ", ".join(good))
    if weak:
        parts.append("weak on " + ", ".join(weak))
    if chance:
        parts.append("near or below chance (< 0.60) on " + ", ".join(chance))
    head = f"`{label}` (overall AUC {row['auc_overall']:.2f})"
    text = head + (": " if good else " is not a reliable detector on this set: ") + "; ".join(parts) + "."
    if row["abstain_rate"] >= 0.5:
        text += f" It abstains on {row['abstain_rate']:.0%} of images."
    above = row["above_threshold"]
    text += f" Above its 5%-false-alarm threshold ({row['threshold_fpr05']}) it would surface "
    text += f"{above['edited']:.0%} of edited and {above['authentic']:.0%} of authentic images"
    if above["edited"] == 0:
        text += ", i.e. nothing (no edited image scores above what 5% of authentic ones get)"
    if row["false_alarm_photos"]:
        text += " (authentic alarms: " + ", ".join(row["false_alarm_photos"]) + ")"
    text += "."
    if label == "metadata":
        text += " Its AUC reflects the EXIF mix chosen for this set, not real-world prevalence."
    if row["errors"]:
        text += f" It raised on {row['errors']} images (counted as abstentions)."
    return text


def _pdq(p: dict[str, Any]) -> list[str]:
    rec31 = {k: v["31"] for k, v in p["threshold_recall"].items()}
    strong = [k for k, v in rec31.items() if v >= 0.95]
    partial = [f"{k} {v:.0%}" for k, v in rec31.items() if 0.5 <= v < 0.95]
    lost = [f"{k} {v:.0%}" for k, v in rec31.items() if v < 0.5]
    out = [f"PDQ at distance 31 finds the original after {', '.join(strong) or 'no transformation'} (≥ 95%)"]
    if partial:
        out[0] += f"; it finds most, not all, after {', '.join(partial)}"
    out[0] += "."
    if lost:
        out.append(
            f"PDQ does not survive {', '.join(lost)}: rotation and cropping change the low-frequency DCT it "
            "hashes, and the dihedral variants only cover 90° turns and mirrors; such copies need the "
            "other signals or a reviewer."
        )
    med = p["median_distance"]
    if "hflip" in med and med["hflip"] > 0:
        out.append(
            f"A mirrored copy is matched through the dihedral variants at a median distance of "
            f"{med['hflip']:.0f}, not 0: pdqhash's variants are computed from the DCT and differ from "
            "hashing the mirrored pixels."
        )
    counts, pairs = p["false_match_count"], p["false_match_pairs"]
    fm = ", ".join(f"{counts[t]} at ≤{t}" for t in ("31", "40", "50"))
    line = f"False matches between unrelated photos: {fm}, out of {pairs:,} pairs"
    if counts["31"] == 0:
        line += f" (rate < {3 / pairs:.1e} at 31 with 95% confidence)"
    out.append(line + f"; the closest unrelated pair is at distance {p['nearest_unrelated_min']}.")
    return out


def findings(r: dict[str, Any]) -> list[str]:
    out = [_signal(label, row) for label, row in r["forensic"].items()]
    out += [f"`{label}` was not available when this ran." for label in r["not_available"]]
    lat = r["latency"]
    steps = lat["steps_ms"]
    line = f"Per-image cost on one thread without `copy_move` is {lat['total_ms']:.0f} ms "
    line += f"({'within' if lat['within_budget'] else 'over'} the {lat['budget_ms']:.0f} ms budget)"
    if "copy_move" in steps:
        line += f"; `copy_move` alone takes {steps['copy_move']:.0f} ms"
    out.append(line + ".")
    out += _pdq(r["pdq"])
    idx = r["index"]["search_ms"]
    largest = max(idx, key=int)
    out.append(
        f"`BankIndex.search` (32 query hashes) takes {idx[largest]:.1f} ms against {int(largest):,} entries."
    )
    out.append(
        f"The forensic set is small ({r['n_hosts']} hosts from {len(r['photos'])} photos, most of them "
        "enlarged), so AUC differences under about ±0.1 are within noise."
    )
    return out
