"""The gate's statistics: is a change real, or one flipped example?

A head's macro F1 on a few hundred validation texts moves by points when a
single example of a rare class flips (`harm_type` has 1–4 validation
examples in several classes). So the gate compares candidate and current on
the same texts with a paired bootstrap of the macro-F1 difference, over the
classes with enough support, and refuses only a drop that is both
significant and larger than the margin. What reviewers taught must improve
significantly on the feedback hold-out: McNemar's exact test on paired
correctness.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import f1_score

MIN_SUPPORT = 10  # classes with fewer validation examples are reported, not gated
BOOTSTRAP = 1000
ALPHA = 0.05


@dataclass(frozen=True)
class Check:
    """One gate check, with its interval; `passed` False refuses the candidate."""

    name: str
    current: float
    candidate: float
    delta: float
    interval: tuple[float, float] | None  # 95% paired-bootstrap interval of delta
    p_value: float | None  # McNemar's, for the hold-out
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def row(self) -> str:
        """A markdown table row: check | current | candidate | Δ [interval] or p | verdict | detail."""
        mark = "pass" if self.passed else "**refuse**"
        spread = f" [{self.interval[0]:+.4f}, {self.interval[1]:+.4f}]" if self.interval else ""
        spread += f" p={self.p_value:.3g}" if self.p_value is not None else ""
        values = f"{self.current:.4f} | {self.candidate:.4f} | {self.delta:+.4f}{spread}"
        return f"| {self.name} | {values} | {mark} | {self.detail} |"


def supported_classes(
    y: np.ndarray, n_labels: int, min_support: int = MIN_SUPPORT
) -> tuple[list[int], dict[int, int]]:
    """Classes with at least `min_support` examples, and every class's count."""
    counts = {k: int((y == k).sum()) for k in range(n_labels)}
    return [k for k, n in counts.items() if n >= min_support], counts


def paired_macro_f1(
    name: str,
    y: np.ndarray,
    current: np.ndarray,
    candidate: np.ndarray,
    labels: list[int],
    margin: float,
    seed: int = 0,
    rounds: int = BOOTSTRAP,
) -> Check:
    """Macro F1 over `labels`, candidate minus current, with a paired
    bootstrap 95% interval (the same resampled texts for both). Refused when
    the whole interval is below zero and the drop exceeds `margin`."""

    def f1(pred: np.ndarray, idx: np.ndarray) -> float:
        return float(f1_score(y[idx], pred[idx], labels=labels, average="macro", zero_division=0))

    every = np.arange(len(y))
    before, after = f1(current, every), f1(candidate, every)
    rng = np.random.default_rng(seed)
    deltas = np.empty(rounds)
    for r in range(rounds):
        idx = rng.integers(0, len(y), len(y))
        deltas[r] = f1(candidate, idx) - f1(current, idx)
    low, high = (float(x) for x in np.percentile(deltas, [2.5, 97.5]))
    delta = after - before
    significant_drop = high < 0 and delta < -margin
    detail = f"{len(labels)} classes gated, {len(y)} texts"
    interval = (round(low, 4), round(high, 4))
    return Check(
        name, round(before, 4), round(after, 4), round(delta, 4), interval, None, not significant_drop, detail
    )


def mcnemar_improvement(name: str, current_right: np.ndarray, candidate_right: np.ndarray) -> Check:
    """Paired correctness on the feedback hold-out: the candidate must fix
    significantly more of the current model's errors than it makes new ones
    (one-sided exact McNemar test on the discordant pairs)."""
    fixed = int((~current_right & candidate_right).sum())
    broken = int((current_right & ~candidate_right).sum())
    n = fixed + broken
    p = float(binomtest(fixed, n, 0.5, alternative="greater").pvalue) if n else 1.0
    before, after = float(current_right.mean()), float(candidate_right.mean())
    detail = f"{fixed} fixed, {broken} broken of {len(current_right)}; one-sided p = {p:.3g} (need < {ALPHA})"
    delta = round(after - before, 4)
    return Check(name, round(before, 4), round(after, 4), delta, None, round(p, 6), p < ALPHA, detail)
