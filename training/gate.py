"""The promotion gate: a candidate replaces the served model only if it
forgets nothing the validation splits measure and learns what reviewers taught.

Both models are scored through the serving path (`TextModel` on raw text), so
the gate judges the artifacts that would ship. Validation examples whose text
reviewers also decided are left out of the validation side, so reviewers'
labels never grade themselves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score

from service.inference import TextModel
from training.corpus import Example
from training.evaluate import labelled


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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        """The metric diff as a markdown table, for card.md and the CLI."""
        rows = ["| metric | current | candidate | Δ |", "|---|---:|---:|---:|"]
        for head, m in self.validation.items():
            cells = f"{m['current']:.4f} | {m['candidate']:.4f} | {m['delta']:+.4f}"
            rows.append(f"| validation {head} macro F1 | {cells} |")
        cur, cand = self.holdout["current"]["accuracy"], self.holdout["candidate"]["accuracy"]
        if cur is not None and cand is not None:
            rows.append(
                f"| feedback hold-out accuracy ({self.holdout['examples']} cases) "
                f"| {cur:.4f} | {cand:.4f} | {cand - cur:+.4f} |"
            )
        return "\n".join(rows)


def judge(
    current: Path,
    candidate: Path,
    validation: list[Example],
    holdout: list[Example],
    margin: float = 0.01,
    decided: set[str] | None = None,
) -> GateResult:
    """`decided`: normalised texts reviewers labelled for training; they and
    the hold-out leave the validation side."""
    decided = (decided or set()) | {e.text for e in holdout}
    validation = [e for e in validation if e.text not in decided]
    served, tuned = TextModel(current), TextModel(candidate)  # each loaded once for both sides
    val_cur, val_cand = scores(served, validation), scores(tuned, validation)
    reasons = []
    table: dict[str, dict[str, float]] = {}
    for head, before in val_cur["f1_macro"].items():
        after = val_cand["f1_macro"].get(head, float("nan"))
        table[head] = {"current": before, "candidate": after, "delta": round(after - before, 4)}
        if not after >= before - margin:
            reasons.append(f"validation {head} macro F1 fell {before:.4f} → {after:.4f} (margin {margin})")
    hold_cur, hold_cand = scores(served, holdout), scores(tuned, holdout)
    if hold_cur["accuracy"] is None or hold_cand["accuracy"] is None:
        reasons.append("no feedback hold-out: nothing shows the candidate learned from reviewers")
    elif not hold_cand["accuracy"] > hold_cur["accuracy"]:
        reasons.append(
            f"feedback hold-out accuracy did not improve: {hold_cur['accuracy']:.4f} → "
            f"{hold_cand['accuracy']:.4f}"
        )
    return GateResult(
        passed=not reasons,
        reasons=reasons,
        margin=margin,
        validation=table,
        holdout={"examples": len(holdout), "current": hold_cur, "candidate": hold_cand},
    )
