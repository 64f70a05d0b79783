"""What the fact-check bank does to the actions users see: the whole service
(the shipped classifier, the policies, the matcher) on traffic slices, with
the bank loaded and without it.

The bank is the 14,231 Snopes fact-checks of CheckThat! 2A, all unrated, so
every match it causes is a `fact_check_context` label ("This claim has been
fact-checked"). Slices: ordinary tweets (TweetEval validation), real COVID
news (CONSTRAINT validation, health ministries and newsrooms), COVID
misinformation (CONSTRAINT fake), and repeats of checked claims (CheckThat!
2A development tweets). None of them was used to fit anything.
"""

from __future__ import annotations

import csv
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from service.api.app import create_app
from service.schemas.tweet import Tweet
from service.settings import load_settings
from service.store import fact_checks
from training.claims.data import everyday, pairs, vclaims

PREVALENCE = 0.01  # repeats of checked claims in the traffic a precision figure assumes


def _constraint(corpus_dir: Path, label: str) -> list[str]:
    with (corpus_dir / "constraint_en" / "Constraint_Val.csv").open(encoding="utf-8") as fh:
        return [row["tweet"] for row in csv.DictReader(fh) if row["label"] == label]


def slices(corpus_dir: Path) -> dict[str, list[str]]:
    return {
        "TweetEval val (everyday)": random.Random(2).sample(everyday(corpus_dir, "val"), 1500),
        "CONSTRAINT real val (COVID news)": random.Random(3).sample(_constraint(corpus_dir, "real"), 600),
        "CONSTRAINT fake val": random.Random(4).sample(_constraint(corpus_dir, "fake"), 600),
        "CheckThat! 2A dev (repeats of checked claims)": [p.tweet for p in pairs(corpus_dir, "dev")],
    }


def measure(models_dir: Path, corpus_dir: Path, embedded: dict[str, np.ndarray]) -> dict[str, Any]:
    """`embedded`: the bank's vectors by fact-check text, already computed by the bench."""
    bank = vclaims(corpus_dir)
    with tempfile.TemporaryDirectory() as state:
        settings = load_settings(state_dir=Path(state), models_dir=models_dir, replica_poll_seconds=0)
        app = create_app(settings)
        db, assessor, claims = app.state.db, app.state.assessor, app.state.claims
        fields = [
            fact_checks.FactCheckFields(
                claim=v["vclaim"], title=v.get("title"), summary=v.get("subtitle"), publisher="Snopes"
            )
            for v in bank
        ]
        fact_checks.add(db, fields, "bench")
        embed: Callable[[list[str]], np.ndarray] = claims.matcher.embedder.embed
        fact_checks.snapshot(db, claims.matcher.version, lambda texts: _lookup(texts, embedded, embed))
        claims.refresh(force=True)
        rows = {}
        for name, texts in slices(corpus_dir).items():
            tweets = [Tweet(id=f"t{i}", text=t) for i, t in enumerate(texts)]
            rows[name] = {"tweets": len(tweets), "bank": _rates(assessor, tweets)}
            assessor.claims = None  # the same service without a bank
            rows[name]["none"] = _rates(assessor, tweets)
            assessor.claims = claims
        db.close()
    return rows


def _lookup(
    texts: list[str], embedded: dict[str, np.ndarray], embed: Callable[..., np.ndarray]
) -> np.ndarray:
    return np.stack([embedded[t] if t in embedded else embed([t])[0] for t in texts])


def _rates(assessor: Any, tweets: list[Tweet]) -> dict[str, float]:
    out = []
    for i in range(0, len(tweets), 50):
        out += assessor.assess(tweets[i : i + 50], spans=False)
    mi = [
        next((r for r in a.recommendations if r.policy.startswith("misleading_information@")), None)
        for a in out
    ]
    return {
        "matched": float(np.mean([bool(a.fact_checks) for a in out])),
        "context": float(np.mean([r is not None and r.cell.startswith("fact_check_context") for r in mi])),
        "verdict": float(np.mean([r is not None and r.cell.startswith("fact_checked") for r in mi])),
        "acted": float(np.mean([r is not None and r.action.value != "no_action" for r in mi])),
    }


def render(rows: dict[str, Any]) -> list[str]:
    lines = [
        "## What users see: actions on traffic with the Snopes bank loaded",
        "",
        "The whole service (shipped classifier, policies, matcher) on held-out slices, with the 14,231",
        "Snopes fact-checks loaded (all unrated: a match can only give context) and without any bank.",
        "",
        "| slice | tweets | matched | `fact_check_context` | `fact_checked` | MI acts: no bank → bank |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, r in rows.items():
        b, n = r["bank"], r["none"]
        lines.append(
            f"| {name} | {r['tweets']:,} | {b['matched']:.2%} | {b['context']:.2%} | {b['verdict']:.2%} "
            f"| {n['acted']:.2%} → {b['acted']:.2%} |"
        )
    repeats = next(r for k, r in rows.items() if k.startswith("CheckThat"))["bank"]["context"]
    lines += [
        "",
        f"Precision of the context label if {PREVALENCE:.0%} of traffic repeats a checked claim,",
        "",
    ]
    for name, r in rows.items():
        if name.startswith(("TweetEval", "CONSTRAINT real")):
            false = r["bank"]["context"]
            hit = PREVALENCE * repeats
            precision = hit / (hit + (1 - PREVALENCE) * false) if hit + false else float("nan")
            lines.append(f"- and the rest is like {name}: **{precision:.0%}**")
    return [*lines, ""]
