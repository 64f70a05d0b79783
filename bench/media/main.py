"""`harmlabel bench media`: build the sets, run the tables, write the report
and the reliability file."""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench.media.forensic_table import load_signals, score_all, summarise
from bench.media.forgeries import build_set
from bench.media.pdq_table import pdq_table
from bench.media.photos import crops, load_photos
from bench.media.report import write_json, write_markdown
from bench.media.timing import index_latency, signal_latency
from bench.media.transforms import TRANSFORMS

PDQ_CROPS_PER_PHOTO = 8  # bank entries and false-match queries per photo (two of each crop size)
HOST_CROPS_PER_PHOTO = 6  # forensic hosts per photo: crops 0–5 (all four sizes)


def machine() -> dict[str, Any]:
    flags: set[str] = set()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
            if line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "processor": platform.processor(),
        "model_name": model,
        "avx512": sorted(f for f in flags if f.startswith("avx512")),
        "avx2": "avx2" in flags,
        "python": platform.python_version(),
    }


def run(out_md: Path, out_json: Path, seed: int = 0) -> None:
    """Run the whole media benchmark (a few minutes on 2 cores) and write both files."""
    start = time.perf_counter()
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        step = progress.add_task("loading photos", total=None)
        photos = load_photos()
        all_crops = crops(photos, PDQ_CROPS_PER_PHOTO, seed)
        hosts = [c for c in all_crops if c.index < HOST_CROPS_PER_PHOTO]
        signals, missing = load_signals()
        progress.update(step, total=1, completed=1)
        built = progress.add_task("building forgeries", total=len(hosts))
        samples = build_set(hosts, seed, lambda n: progress.advance(built, n))

        scored = progress.add_task("forensic signals", total=len(samples) if signals else 0)
        scores = score_all(samples, lambda n: progress.advance(scored, n)) if signals else []
        forensic = {label: summarise(label, samples, scores) for label, _ in signals}
        versions = {label: {"name": s.name, "version": s.version} for label, s in signals}

        timed = progress.add_task("single-thread latency", total=1)
        probe = next(s for s in samples if s.kind == "authentic" and s.condition == "single")
        latency = signal_latency(probe.data, signals)
        progress.advance(timed)

        n_pdq = len(all_crops) * (1 + len(TRANSFORMS))
        hashed = progress.add_task("PDQ recall and false matches", total=n_pdq)
        pdq = pdq_table(all_crops, seed, lambda n: progress.advance(hashed, n))
        searched = progress.add_task("index search", total=1)
        index = index_latency(seed)
        progress.advance(searched)

    results: dict[str, Any] = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "elapsed_s": round(time.perf_counter() - start, 1),
        "machine": machine(),
        "photos": [
            {
                "name": p.name,
                "group": p.group,
                "origin": p.origin,
                "size": f"{p.rgb.shape[1]}×{p.rgb.shape[0]}",
            }
            for p in photos
        ],
        "upscale": {c.photo: round(c.upscale, 2) for c in hosts if c.index == 0},
        "n_hosts": len(hosts),
        "host_crops_per_photo": HOST_CROPS_PER_PHOTO,
        "n_samples": len(samples),
        "forensic": forensic,
        "versions": versions,
        "not_available": missing,
        "latency": latency,
        "pdq": pdq,
        "index": index,
    }
    write_json(out_json, results)
    write_markdown(out_md, results)
    console.print(f"media benchmark: {results['elapsed_s']} s; wrote {out_md} and {out_json}")
