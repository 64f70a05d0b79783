"""From retrieval candidates to one calibrated match probability each.

A logistic model over both retrievers' evidence, fitted on the CheckThat! 2A
training pairs (training/claims/build.py) and stored as JSON beside the
embedder, so serving needs only numpy. Its output is the probability that
the candidate is the fact-check the tweet repeats; a match is a candidate at
or above the threshold fitted with it, on training pairs and everyday tweets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from service.claims.index import Candidate

FEATURES = ("cosine", "log_bm25", "bm25_share", "cosine_gap", "dense_rr", "lexical_rr")


def features(candidates: list[Candidate]) -> np.ndarray:
    """One row per candidate; the *_share and *_gap columns compare it with
    the best candidate for the same tweet."""
    if not candidates:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    cos = np.asarray([c.cosine for c in candidates], dtype=np.float32)
    bm = np.asarray([c.bm25 for c in candidates], dtype=np.float32)
    return np.stack(
        [
            cos,
            np.log1p(bm),
            bm / max(float(bm.max()), 1e-6),
            cos - cos.max(),
            np.asarray([1 / (c.dense_rank + 1) for c in candidates], dtype=np.float32),
            np.asarray([1 / (c.lexical_rank + 1) for c in candidates], dtype=np.float32),
        ],
        axis=1,
    )


@dataclass(frozen=True)
class Ranker:
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float  # a probability at or above which a candidate is a match

    def probabilities(self, candidates: list[Candidate]) -> np.ndarray:
        x = (features(candidates) - np.asarray(self.mean)) / np.asarray(self.scale)
        z = x @ np.asarray(self.weights, dtype=np.float32) + self.bias
        out: np.ndarray = 1 / (1 + np.exp(-z))
        return out

    def save(self, path: Path) -> None:
        data = {"features": FEATURES, **{k: getattr(self, k) for k in ("weights", "bias", "mean", "scale")}}
        data["threshold"] = self.threshold
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Ranker:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path}: ranker features {data['features']} are not {FEATURES}")
        return cls(
            tuple(data["weights"]), data["bias"], tuple(data["mean"]), tuple(data["scale"]), data["threshold"]
        )
