"""Write the benchmark's results: the reliability JSON the service reads, and
the Markdown report for people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.media.exif import describe
from bench.media.findings import findings
from bench.media.tables_md import forensic_section, latency_section, pdq_section

KEPT = ("auc", "auc_overall", "abstain_rate", "threshold_fpr05", "ms_mean")


def write_json(path: Path, r: dict[str, Any]) -> None:
    signals = {}
    for label, row in r["forensic"].items():
        v = r["versions"][label]
        signals[v["name"]] = {k: row[k] for k in KEPT} | {"version": v["version"]}
        if row["threshold_fpr05"] is None:  # it never scored an authentic image: never surface it
            signals[v["name"]]["threshold_fpr05"] = 1.0
    pdq = r["pdq"]
    doc = {
        "generated": r["generated"][:10],
        "signals": signals,
        "pdq": {
            "threshold_recall": pdq["threshold_recall"],
            "false_match_rate": pdq["false_match_rate"],
            "false_match_pairs": pdq["false_match_pairs"],
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def write_markdown(path: Path, r: dict[str, Any]) -> None:
    m = r["machine"]
    avx = "avx512: " + (", ".join(m["avx512"]) or "none") + f"; avx2: {'yes' if m['avx2'] else 'no'}"
    photos = ", ".join(f"{p['name']} ({p['size']}, {p['origin']})" for p in r["photos"])
    ups = sorted(r["upscale"].items(), key=lambda kv: -kv[1])
    lines = [
        "# Media benchmark",
        "",
        f"Command: `harmlabel bench media` (seed {r['seed']}). Generated {r['generated']}; ran in "
        f"{r['elapsed_s']:.0f} s on {m['cores']} cores, {m['model_name'] or 'unknown CPU'} "
        f"(`platform.processor()`: {m['processor'] or 'empty'}; {avx}), "
        f"Python {m['python']}.",
        "",
        "## How the set was built",
        "",
        f"Photos (shipped inside installed packages, nothing downloaded): {photos}. The two motorcycle "
        "frames are one stereo pair and count as one photo for false matches.",
        "",
        "Each photo is cut into deterministic random crops of 1024×768, 800×600, 768×1024 and 1080×1080; "
        "a photo smaller than the crop is first enlarged with Lanczos, which most of them need (1024×768 "
        "crop enlargement: " + ", ".join(f"{k} ×{v}" for k, v in ups) + "). Enlarged photos are smoother "
        "than camera originals, so noise-based cues are weaker here than on real uploads.",
        "",
        f"Forensic set: {r['n_hosts']} hosts (crops 0–{r['host_crops_per_photo'] - 1} of each photo), "
        "each authentic (re-saved), spliced (a rectangle or ellipse of 10–25% of the area from a crop "
        "of a *different* photo, feathered half the time) and copy-moved (5–15% of the area of the same "
        "image pasted elsewhere; half plain, a quarter scaled 0.9–1.1×, a quarter rotated 4–12°; "
        "feathered half the time), in three conditions: `single` (saved once, q 75–95), `history` (host "
        "a JPEG at q1 50–85 before the edit, spliced donor a JPEG at q 70–95 pasted off-grid, result "
        "saved aligned at q2 86–95) and `laundered` (the `single` file shrunk 0.5–0.8× and re-saved at "
        f"q 80–85 without EXIF). {r['n_samples']} images in all, each decoded with `decode_image`.",
        "",
        f"EXIF mix — {describe()}",
        "",
        "## Advisory forensic signals",
        "",
        *forensic_section(r),
        "",
        "## Latency",
        "",
        *latency_section(r),
        "",
        "## PDQ matching",
        "",
        *pdq_section(r),
        "",
        "## Findings",
        "",
        *[f"- {x}" for x in findings(r)],
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
