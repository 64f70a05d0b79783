"""The gate's traffic check: a candidate must not act on more ordinary
tweets than the traffic limits allow (training/traffic.py's benign "max"
targets), measured through the service's decision path on the same
validation sample for both models.

A limit the current model already breaks cannot block every candidate: there
the candidate may not be worse by more than SLACK.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.inference import TextModel
from service.pipeline.assess import Assessor
from service.policy.schema import load_policies
from service.policy.signals import known_signals, thresholds
from training import traffic
from training.corpus import Example
from training.gate_stats import Check

SLACK = 0.01


@dataclass(frozen=True)
class TrafficCheck:
    examples: list[Example]  # the English validation split
    policies_dir: Path
    max_per_slice: int = 300

    def _report(self, model: TextModel) -> dict[str, Any]:
        policies = load_policies(self.policies_dir, known_signals(model.card), thresholds(model.card))
        slices = {n: exs[: self.max_per_slice] for n, exs in traffic.slice_examples(self.examples).items()}
        chosen = {e.id: e for exs in slices.values() for e in exs}
        return traffic.report(slices, traffic.run(Assessor(model, policies), list(chosen.values())))

    def checks(self, current: TextModel, candidate: TextModel) -> list[Check]:
        before, after = self._report(current)["targets"], self._report(candidate)["targets"]
        out = []
        for name, (measure, kind, limit) in traffic.TARGETS.items():
            if kind != "max" or name not in before or name not in after:
                continue
            cur, cand = float(before[name]["value"]), float(after[name]["value"])
            allowed = limit if cur <= limit else cur + SLACK
            detail = f"{measure} ≤ {limit}" + (
                "" if cur <= limit else f" (current breaks it: ≤ {allowed:.3f})"
            )
            detail += f"; {after[name]['n']} tweets"
            out.append(
                Check(f"traffic {name}", cur, cand, round(cand - cur, 4), None, None, cand <= allowed, detail)
            )
        return out
