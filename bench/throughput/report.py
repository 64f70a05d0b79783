"""docs/benchmarks.md: one table per workload, ratios, roofline, machine."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.throughput.load import Result

TARGETS = {"single_c16": 5.0, "rank64_c1": 3.0}


def _flags() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    line = next((x for x in text.splitlines() if x.startswith("flags")), "")
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile")
    model = next((x.split(":", 1)[1].strip() for x in text.splitlines() if x.startswith("model name")), "?")
    return f"{model}; " + ", ".join(f for f in wanted if f" {f}" in line)


def _row(name: str, r: Result, rss: float) -> str:
    return (
        f"| {name} | {r.tweets_per_s:,.0f} | {r.percentile(50):.1f} | {r.percentile(95):.1f} | "
        f"{r.percentile(99):.1f} | {r.errors} | {rss:,.0f} |"
    )


def write_report(
    out: Path,
    results: dict[str, dict[str, Any]],
    rss: dict[str, float],
    peaks: dict[str, float],
    mean_tokens: float,
    flops: float,
    wall_s: float,
    weights_gap: float,
    version: str,
    profile: dict[str, dict[str, float]],
    previous: str | None,
    raw: dict[str, dict[str, float]],
) -> None:
    h, b = results["harmlabel"], results["baseline"]
    lines = [
        "# Throughput benchmark",
        "",
        f"Command: `harmlabel bench throughput`. Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"in {wall_s:.0f} s on {os.cpu_count()} cores ({_flags()}), Python {platform.python_version()}.",
        "",
        "Every server ran in this one run, one after the other, on loopback, with the same requests: "
        "validation tweets (English) with about 20% exact duplicates; the load generator shares the "
        "machine's cores. harmlabel: `harmlabel serve` with its defaults (one uvicorn worker, ONNX Runtime "
        "intra-op = all cores, micro-batching, duplicate cache, backpressure), `/v1/assess?spans=false` "
        "and `/v1/rank`. Baseline: FastAPI + the same fine-tuned weights in torch fp32 (Hugging Face "
        "tokenizer, batch as sent, softmax per head, `torch.set_num_threads(cores)`). Peak RSS is the "
        "serving process's VmHWM (with several workers, the largest worker's).",
        "",
        f"Same weights? harmlabel served `{version}`; the baseline ran its weights recovered as torch "
        "(`training/recover.py`, int8 weights dequantized). On 64 workload tweets the largest difference "
        f"between the two servers' uncalibrated probabilities is {weights_gap:.2e}: the same weights, "
        "with activations in int8 on one side and fp32 on the other.",
        "",
    ]
    for key, title in (
        ("single_c1", "(a) 1-tweet requests, concurrency 1"),
        ("single_c16", "(a) 1-tweet requests, concurrency 16"),
        ("single_c64", "(a) 1-tweet requests, concurrency 64"),
        ("rank64_c1", "(b) 64-tweet /v1/rank requests, concurrency 1"),
        ("p99_40_tokens", "Latency at concurrency 1, tweets of 36–44 tokens"),
    ):
        lines += [f"## {title}", "", HEADER, RULE]
        lines += [_row(name, r[key], rss[name]) for name, r in results.items() if key in r]
        ratio = h[key].tweets_per_s / b[key].tweets_per_s if b[key].tweets_per_s else float("inf")
        lines += ["", f"harmlabel ÷ baseline: **{ratio:.2f}×** tweets/s.", ""]
    lines += overload_md(h, results, rss)
    lines += raw_md(raw, version, previous)
    lines += targets_md(results, rss, raw)
    achieved = flops * h["rank64_c1"].tweets_per_s / 1e9
    lines += [
        "## Roofline",
        "",
        f"Mean tokens per window in the workload: {mean_tokens:.1f}; model cost {flops / 1e9:.2f} GFLOP "
        f"per tweet. At batch 64 harmlabel sustains {achieved:.0f} GFLOP/s.",
        "",
        "| peak measured here (2048³, all cores) | GFLOP/s or Gop/s | fraction reached at batch 64 |",
        "|---|---|---|",
        *(f"| {k} | {v:,.0f} | {achieved / v:.0%} |" for k, v in peaks.items()),
        "",
    ]
    parts = list(next(iter(profile.values())))
    lines += [
        "## Where the time goes",
        "",
        "cProfile of the Assessor in-process (no HTTP), milliseconds per tweet:",
        "",
        "| part | " + " | ".join(profile) + " |",
        "|---|" + "---|" * len(profile),
        *(f"| {p} | " + " | ".join(f"{profile[b][p] * 1000:.2f}" for b in profile) + " |" for p in parts),
        "",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))


HEADER = "| server | tweets/s | p50 ms | p95 ms | p99 ms | errors | peak RSS MB |"
RULE = "|---|---|---|---|---|---|---|"


def overload_md(h: dict[str, Any], results: dict[str, dict[str, Any]], rss: dict[str, float]) -> list[str]:
    peak = max(h[k].tweets_per_s for k in ("single_c1", "single_c16", "single_c64"))
    p50_cap = h["single_c16"].percentile(50)
    lines = [
        "## Overload: open-loop 1-tweet requests beyond capacity",
        "",
        f"Peak measured above: {peak:,.0f} tweets/s; p50 at capacity (concurrency 16): {p50_cap:.0f} ms. "
        "Requests are sent at a fixed rate whatever the answers (independent clients), to the default "
        "server (backpressure on).",
        "",
        "| offered | goodput (200/s) | goodput ÷ peak | 503 share | admitted p50 ms | admitted p99 ms "
        "| admitted p99 ÷ p50 at capacity | 503 p50 ms | no answer |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in h["overload"].items():
        lines.append(
            f"| {name} ({r.offered_per_s:,.0f}/s) | {r.goodput:,.0f} | {r.goodput / peak:.2f} | "
            f"{r.shed_share:.0%} | {r.percentile(200, 50):.0f} | {r.percentile(200, 99):.0f} | "
            f"{r.percentile(200, 99) / p50_cap:.1f}× | {r.percentile(503, 50):.1f} | {r.count(0)} |"
        )
    lines += [
        "",
        "## Worker layouts and the previous model",
        "",
        "| server | workload | " + HEADER[10:],
        RULE + "---|",
    ]
    for name, r in results.items():
        if name.startswith("harmlabel"):
            for key in ("single_c16", "rank64_c1"):
                lines.append(_row(name, r[key], rss[name]).replace(f"| {name} |", f"| {name} | {key} |", 1))
    lines.append("")
    return lines


def raw_md(raw: dict[str, dict[str, float]], version: str, previous: str | None) -> list[str]:
    if not raw:
        return []
    lines = [
        "## The model alone: int8 activations against the previous export",
        "",
        f"One process, interleaved rounds, median ms per call on rows of 40 real tokens: `{version}` "
        f"(dynamic int8 activations) against `{previous}` (int8 weights, fp32 activations: fp32 speed). "
        "`session.run` is the graph on one tensor; `runner.predict` is the call the service makes "
        "(a dynamic int8 graph row by row, so that no tweet's scores depend on its neighbours).",
        "",
        "| path, batch | new ms | previous ms | previous ÷ new |",
        "|---|---|---|---|",
    ]
    for k, r in raw.items():
        lines.append(f"| {k} | {r['new_ms']:.2f} | {r['old_ms']:.2f} | {r['ratio']:.2f}× |")
    return [*lines, ""]


def targets_md(
    results: dict[str, dict[str, Any]], rss: dict[str, float], raw: dict[str, dict[str, float]]
) -> list[str]:
    h, b = results["harmlabel"], results["baseline"]

    def ratio(key: str) -> float:
        return float(h[key].tweets_per_s / b[key].tweets_per_s) if b[key].tweets_per_s else float("inf")

    peak = max(h[k].tweets_per_s for k in ("single_c1", "single_c16", "single_c64"))
    four = h["overload"]["4x"]
    p50_cap = h["single_c16"].percentile(50)
    rows = [
        ("1-tweet requests at concurrency 16, harmlabel ÷ naive", f"{ratio('single_c16'):.2f}×", "≥ 5×",
         ratio("single_c16") >= 5),
        ("64-tweet /v1/rank, harmlabel ÷ naive", f"{ratio('rank64_c1'):.2f}×", "≥ 3×",
         ratio("rank64_c1") >= 3),
        ("p99 at concurrency 1, ~40-token tweet", f"{h['p99_40_tokens'].percentile(99):.1f} ms", "≤ 15 ms",
         h["p99_40_tokens"].percentile(99) <= 15),
        ("raw model, int8 ÷ previous export, batch 32 (session.run)",
         f"{raw['session.run, batch 32']['ratio']:.2f}×" if raw else "n/a",
         "≥ 1.8×", bool(raw) and raw["session.run, batch 32"]["ratio"] >= 1.8),
        ("at 4× capacity: goodput ÷ peak", f"{four.goodput / peak:.2f} ({four.shed_share:.0%} 503s)", "≥ 0.9",
         four.goodput / peak >= 0.9),
        ("at 4× capacity: admitted p99 ÷ p50 at capacity", f"{four.percentile(200, 99) / p50_cap:.1f}×",
         "≤ 4×", four.percentile(200, 99) / p50_cap <= 4),
        ("peak RSS of one worker", f"{rss['harmlabel']:,.0f} MB", "≤ 500 MB", rss["harmlabel"] <= 500),
    ]  # fmt: skip
    lines = ["## Targets", "", "| measure | this run | target | met |", "|---|---|---|---|"]
    lines += [f"| {m} | {v} | {t} | {'yes' if ok else '**no**'} |" for m, v, t, ok in rows]
    return [*lines, ""]
