"""`harmlabel data stats`: what the corpus holds, in tables a reviewer can read."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from training.corpus.build import Corpus
from training.corpus.heads import HEADS
from training.corpus.manifest import SPLITS


def label_counts(corpus: Corpus) -> Counter[tuple[str, str, str]]:
    """(head, label, source) -> examples, crediting each source that voted."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for ex in corpus.examples:
        for head, label in ex.labels.items():
            if label is not None:
                for source in ex.label_sources[head]:
                    counts[(head, label, source)] += 1
    return counts


def split_counts(corpus: Corpus) -> Counter[tuple[str, str, str]]:
    """(head, label, split) -> examples."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for ex in corpus.examples:
        for head, label in ex.labels.items():
            if label is not None:
                counts[(head, label, ex.split)] += 1
    return counts


def as_dict(corpus: Corpus) -> dict[str, Any]:
    """Everything the tables show, for `--json` and for model cards."""
    r = corpus.report
    return {
        "examples": len(corpus.examples),
        "splits": dict(r.examples_per_split),
        "labels": [
            {"head": h, "label": lab, "source": s, "examples": n}
            for (h, lab, s), n in sorted(label_counts(corpus).items())
        ],
        "rows_read": dict(r.rows_read),
        "dropped": [{"source": s, "reason": why, "rows": n} for (s, why), n in sorted(r.dropped.items())],
        "duplicates_within_source": dict(r.duplicates_within),
        "duplicates_across_sources": [
            {"first": a, "second": b, "rows": n} for (a, b), n in sorted(r.duplicates_across.items())
        ],
        "label_conflicts": dict(r.conflicts),
    }


def render(corpus: Corpus, console: Console) -> None:
    sources = sorted({s for ex in corpus.examples for s in ex.sources})
    by_source = label_counts(corpus)
    by_split = split_counts(corpus)

    table = Table(
        title="Examples per head × label × source (a merged example counts for each source that labels it)"
    )
    table.add_column("head", no_wrap=True)
    table.add_column("label", no_wrap=True, min_width=14)
    for split in SPLITS:
        table.add_column(split, justify="right")
    for s in sources:
        table.add_column(s, justify="right")
    for head, labels in HEADS.items():
        for label in labels:
            cells = [str(by_split[(head, label, sp)]) for sp in SPLITS]
            cells += [str(by_source[(head, label, s)] or "") for s in sources]
            table.add_row(head, label, *cells)
        table.add_section()
    console.print(table)

    r = corpus.report
    clean = Table(title="Clean-up per source")
    for col in ("source", "rows read", "dropped", "why dropped", "dups within", "dups vs earlier sources"):
        clean.add_column(col, justify="left" if col in ("source", "why dropped") else "right")
    for s in sorted(r.rows_read):
        reasons = {why: n for (src, why), n in r.dropped.items() if src == s}
        across = sum(n for (_, b), n in r.duplicates_across.items() if b == s)
        clean.add_row(
            s,
            str(r.rows_read[s]),
            str(sum(reasons.values())),
            ", ".join(f"{why}: {n}" for why, n in sorted(reasons.items())),
            str(r.duplicates_within[s]),
            str(across),
        )
    console.print(clean)

    summary = Table(title="Totals")
    summary.add_column("what")
    summary.add_column("count", justify="right")
    summary.add_row("examples", str(len(corpus.examples)))
    for split in SPLITS:
        summary.add_row(f"  {split}", str(r.examples_per_split[split]))
    summary.add_row("rows dropped", str(sum(r.dropped.values())))
    summary.add_row("duplicate rows merged (within sources)", str(sum(r.duplicates_within.values())))
    summary.add_row("duplicate rows merged (across sources)", str(sum(r.duplicates_across.values())))
    for head in HEADS:
        summary.add_row(f"label conflicts set to unknown: {head}", str(r.conflicts[head]))
    console.print(summary)
