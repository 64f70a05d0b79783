"""The promotion gate: a candidate replaces the served model only if it
forgets nothing the validation splits measure (no significant macro-F1 drop
beyond the margin, per head, on the classes with enough support), learns
what reviewers taught (a significant improvement on the feedback hold-out),
and acts on no more ordinary tweets than the traffic limits allow.

Both models are scored through the serving path (`TextModel` on raw text), so
the gate judges the artifacts that would ship. Validation examples whose text
reviewers also decided are left out of the validation side, so reviewers'
labels never grade themselves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from service.inference import TextModel
from training.corpus import Example
from training.gate_stats import MIN_SUPPORT, Check, mcnemar_improvement, paired_macro_f1, supported_classes
from training.gate_traffic import TrafficCheck
from training.metrics import labelled


def scores(model: TextModel, examples: list[Example]) -> dict[str, Any]:
    """Macro F1 per head on the examples that label it, and the accuracy over
    every (example, head) label: the hold-out is small, so one pooled figure
    is steadier than six."""
    probs, _ = model.probabilities([e.raw_text for e in examples])
    f1: dict[str, float] = {}
    n: dict[str, int] = {}
    right = total = 0
    for j, spec in enumerate(model.card.heads):
        idx, y = labelled(examples, spec.name, spec.labels)
        if len(y) == 0:
            continue
        pred = probs[j][idx].argmax(1)
        f1[spec.name] = round(float(f1_score(y, pred, average="macro", zero_division=0)), 4)
        n[spec.name] = len(y)
        right += int((pred == y).sum())
        total += len(y)
    return {"f1_macro": f1, "n": n, "accuracy": round(right / total, 4) if total else None}


@dataclass(frozen=True)
class GateResult:
    passed: bool
    reasons: list[str]
    margin: float
    validation: dict[str, dict[str, float]]  # head -> current, candidate, delta
    holdout: dict[str, Any]  # current / candidate scores, examples
    checks: list[dict[str, Any]] = field(default_factory=list)  # every Check, with its interval

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        """Every check as a markdown table, for card.md and the CLI."""
        rows = [
            "| check | current | candidate | Δ [95% interval] or p | verdict | detail |",
            "|---|---:|---:|---|---|---|",
        ]
        return "\n".join(rows + [Check(**{**c, "interval": _pair(c["interval"])}).row() for c in self.checks])


def _pair(value: Any) -> tuple[float, float] | None:
    return None if value is None else (float(value[0]), float(value[1]))


def _predictions(model: TextModel, examples: list[Example]) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
    """Head -> (gold label ids, predicted ids, number of labels) on the examples that label it."""
    probs, _ = model.probabilities([e.raw_text for e in examples])
    out = {}
    for j, spec in enumerate(model.card.heads):
        idx, y = labelled(examples, spec.name, spec.labels)
        if len(y):
            out[spec.name] = (y, probs[j][idx].argmax(1), len(spec.labels))
    return out


def _validation_checks(
    current: dict[str, tuple[np.ndarray, np.ndarray, int]],
    candidate: dict[str, tuple[np.ndarray, np.ndarray, int]],
    margin: float,
) -> list[Check]:
    checks = []
    for head, (y, before, n_labels) in current.items():
        after = candidate[head][1]
        kept, counts = supported_classes(y, n_labels)
        small = {k: n for k, n in counts.items() if n < MIN_SUPPORT}
        name = f"validation {head} macro F1"
        if len(kept) < 2:
            why = f"not gated: {len(kept)} class(es) with ≥ {MIN_SUPPORT} examples; counts {counts}"
            checks.append(Check(name, 0.0, 0.0, 0.0, None, None, True, why))
            continue
        check = paired_macro_f1(name, y, before, after, kept, margin)
        note = f"; not gated (under {MIN_SUPPORT}): {small}" if small else ""
        checks.append(Check(**{**asdict(check), "detail": check.detail + note}))
    return checks


def _holdout_check(
    current: dict[str, tuple[np.ndarray, np.ndarray, int]],
    candidate: dict[str, tuple[np.ndarray, np.ndarray, int]],
) -> Check:
    """Pooled paired correctness over every (hold-out case, head) label."""
    before = np.concatenate([y == pred for y, pred, _ in current.values()])
    after = np.concatenate([candidate[h][0] == candidate[h][1] for h in current])
    return mcnemar_improvement("feedback hold-out accuracy", before, after)


def judge(
    current: Path,
    candidate: Path,
    validation: list[Example],
    holdout: list[Example],
    margin: float = 0.01,
    decided: set[str] | None = None,
    traffic: TrafficCheck | None = None,
) -> GateResult:
    """`decided`: normalised texts reviewers labelled for training; they and
    the hold-out leave the validation side. `traffic`: also refuse a
    candidate that acts on more ordinary tweets than the traffic limits."""
    decided = (decided or set()) | {e.text for e in holdout}
    validation = [e for e in validation if e.text not in decided]
    served, tuned = TextModel(current), TextModel(candidate)  # each loaded once for both sides
    val_cur, val_cand = _predictions(served, validation), _predictions(tuned, validation)
    checks = _validation_checks(val_cur, val_cand, margin)
    reasons = [f"{c.name}: a significant drop {c.delta:+.4f} (95% {c.interval}), beyond the margin {margin}"
               for c in checks if not c.passed]  # fmt: skip
    hold_cur, hold_cand = _predictions(served, holdout), _predictions(tuned, holdout)
    if not hold_cur:
        reasons.append("no feedback hold-out: nothing shows the candidate learned from reviewers")
    else:
        check = _holdout_check(hold_cur, hold_cand)
        checks.append(check)
        if not check.passed:
            reasons.append(f"feedback hold-out did not improve significantly: {check.detail}")
    if traffic is not None:
        for check in traffic.checks(served, tuned):
            checks.append(check)
            if not check.passed:
                reasons.append(f"{check.name}: {check.detail}")
    table = {
        c.name.removeprefix("validation ").removesuffix(" macro F1"): {
            "current": c.current, "candidate": c.candidate, "delta": c.delta
        }
        for c in checks
        if c.name.startswith("validation ") and c.interval is not None
    }  # fmt: skip
    return GateResult(
        passed=not reasons,
        reasons=reasons,
        margin=margin,
        validation=table,
        holdout={
            "examples": len(holdout),
            "current": scores(served, holdout),
            "candidate": scores(tuned, holdout),
        },
        checks=[c.as_dict() for c in checks],
    )
