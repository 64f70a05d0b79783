"""Measured reliability of each advisory signal, from `harmlabel bench media`.

Reviewers are shown a forensic score together with how often that signal was
right on the benchmark, and the service only surfaces a score above the
signal's 5%-false-alarm threshold. A signal with no measurement cannot be
registered: an uncalibrated heuristic would be shown with no way to weigh it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent / "reliability.json"


class ReliabilityError(ValueError):
    pass


@dataclass(frozen=True)
class Reliability:
    signal: str
    auc_overall: float
    auc_range: tuple[float, float]  # worst and best condition
    threshold: float  # score above which only 5% of authentic benchmark images fall

    def describe(self) -> str:
        lo, hi = self.auc_range
        return f"benchmark ROC-AUC {self.auc_overall:.2f} (by condition {lo:.2f}–{hi:.2f})"


def load_reliability(path: Path = DEFAULT_PATH) -> dict[str, Reliability]:
    try:
        raw = json.loads(path.read_text())
        out = {}
        for name, r in raw["signals"].items():
            aucs = [v for cond in r["auc"].values() for v in cond.values() if v is not None]
            out[name] = Reliability(
                name,
                float(r["auc_overall"]),
                (min(aucs), max(aucs)) if aucs else (0.5, 0.5),
                float(r["threshold_fpr05"]),
            )
        return out
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ReliabilityError(f"{path}: cannot read signal reliability: {exc}") from None
