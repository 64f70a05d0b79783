"""`harmlabel report`: the transparency report as a self-contained HTML page
with its charts as PNG files beside it (`<name>_files/`)."""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

CHARTS = (
    ("by_action", "Recommendations by action", lambda r: r["recommendations"]["by_action"]),
    ("by_policy", "Recommendations by policy", lambda r: r["recommendations"]["by_policy"]),
    ("by_country", "Recommendations by country", lambda r: r["recommendations"]["by_country"]),
    (
        "legal_orders",
        "Legal orders by outcome",
        lambda r: {
            k: r["legal_orders"][k] for k in ("complied", "partially_complied", "exempted", "pending")
        },
    ),
    (
        "agreement",
        "Reviewer agreement with suggestions (share accepted)",
        lambda r: {p: v["rate"] for p, v in r["reviewer_agreement"].items()},
    ),
)


def _chart(values: dict[str, float], title: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.4 * max(1, len(values))))
    names = list(values) or ["(none)"]
    ax.barh(names, [values.get(n, 0) for n in names], color="#0b4f9c")
    ax.invert_yaxis()
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)


def render(report: dict[str, Any], out: Path) -> list[Path]:
    files = out.parent / f"{out.stem}_files"
    files.mkdir(parents=True, exist_ok=True)
    pngs = []
    for name, title, pick in CHARTS:
        path = files / f"{name}.png"
        _chart(pick(report), title, path)
        pngs.append(path)
    lo = report["legal_orders"]
    totals = [
        ("Cases assessed", report["cases"]),
        ("Cases decided by reviewers", report["decided"]),
        ("Recommendations (excluding no action)", report["recommendations"]["total"]),
        ("Legal orders received", lo["received"]),
        ("… complied with", lo["complied"]),
        ("… partially complied with", lo["partially_complied"]),
        ("… exempted (protected speech)", lo["exempted"]),
        ("… pending", lo["pending"]),
        ("Median hours to action (DSA Art. 15)", report["median_hours_to_action"]),
    ]
    rows = "\n".join(f"<tr><th scope='row'>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in totals)
    images = "\n".join(
        f"<figure><img src='{files.name}/{p.name}' alt='{html.escape(t)}'>"
        f"<figcaption>{html.escape(t)}</figcaption></figure>"
        for p, (_, t, _) in zip(pngs, CHARTS, strict=True)
    )
    versions = "".join(
        f"<li>{html.escape(v)}: {s['cases']} cases, {s['first_seen']} to {s['last_seen']}</li>"
        for v, s in report["model_versions"].items()
    )
    period = report["period"]
    generated = datetime.now().isoformat(timespec="seconds")
    out.write_text(
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>harmlabel transparency report {period["from"]} – {period["to"]}</title>
<style>body{{font:16px system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#1a1a1a}}
th{{text-align:left;padding-right:2rem}}figure{{margin:1.5rem 0}}</style></head><body>
<h1>Transparency report</h1>
<p>Period: {period["from"]} to {period["to"]}. Generated {generated}.</p>
<h2>Totals</h2><table>{rows}</table>
<h2>Charts</h2>{images}
<h2>Model versions in service</h2><ul>{versions or "<li>none</li>"}</ul>
<h2>Data</h2><pre>{html.escape(json.dumps(report, indent=2))}</pre>
</body></html>
"""
    )
    return pngs
