"""An n-gram TF-IDF linear model on the same runtime as the transformer.

The Hindi hostile-post model is a linear model over character and word
n-grams (a transformer that reads Hindi is not available offline). It has
the same surface as `TextModel`, so the scorer, the explainer and the policy
engine do not care which one they hold: a card, `probabilities`, `score`.
Features come from `service.text.ngrams`; the ONNX graph is the linear part
(`predict(ids, values)` on the shared `OnnxRunner`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from service.inference.card import ModelCard, load_card
from service.inference.model import HeadScores, TextModel, head_scores, softmax
from service.inference.runner import OnnxRunner
from service.text import normalise
from service.text.ngrams import FEATURES_FILE, Featurizer


class NgramModel:
    """A loaded, validated n-gram model folder (card kind "ngram")."""

    def __init__(
        self, folder: Path, threads: int | None = 1, spin: bool = False, batch_size: int = 64
    ) -> None:
        self.folder = folder
        self.card: ModelCard = load_card(folder)
        if self.card.kind != "ngram":
            raise ValueError(f"{folder}: card kind {self.card.kind!r} is not an n-gram model")
        self.head_names = [h.name for h in self.card.heads]
        self.featurizer = Featurizer.load(folder / FEATURES_FILE)
        self.runner = OnnxRunner(folder / "model.onnx", self.head_names, threads or 1, spin)
        self.batch_size = batch_size

    @property
    def version(self) -> str:
        return self.card.version

    def logits(self, texts: list[str], normalised: bool = False) -> list[np.ndarray]:
        """Raw logits per head; a text is read whole (no windows: its cost is linear in its length)."""
        clean = texts if normalised else [normalise(t) for t in texts]
        out = [np.zeros((len(texts), len(h.labels)), np.float32) for h in self.card.heads]
        for start in range(0, len(clean), self.batch_size):
            ids, values = self.featurizer.encode(clean[start : start + self.batch_size])
            for j, head_logits in enumerate(self.runner.predict(ids, values)):
                out[j][start : start + len(ids)] = head_logits
        return out

    def probabilities(
        self, texts: list[str], calibrated: bool = True, normalised: bool = False
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """Calibrated [texts, labels] probabilities per head, and 1 window per text."""
        logits = (
            self.logits(texts, normalised)
            if texts
            else [np.zeros((0, len(h.labels))) for h in self.card.heads]
        )
        probs = [
            softmax(z, spec.temperature if calibrated else 1.0)
            for spec, z in zip(self.card.heads, logits, strict=True)
        ]
        return probs, np.ones(len(texts), dtype=int)

    def score(self, texts: list[str], normalised: bool = False) -> list[HeadScores]:
        if not texts:
            return []
        probs, windows = self.probabilities(texts, normalised=normalised)
        return head_scores(self.card, probs, windows)


# What the scorer, explainer and policy engine accept.
ScoringModel = TextModel | NgramModel
