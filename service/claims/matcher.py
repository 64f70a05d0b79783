"""Tweets against the fact-check bank: embed, retrieve, rank, threshold.

`ClaimMatcher` owns the embedder and the ranker (both from the claim model
folder) and one immutable `ClaimIndex`; `rebuild` makes a new index from a
snapshot of the bank and swaps it in with one assignment, so a request sees
the old bank or the new one, never half of each.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from service.claims.embedder import Embedder
from service.claims.index import ClaimIndex, Entry
from service.claims.rerank import Ranker

RANKER_FILE = "ranker.json"
RATINGS = ("false", "misleading", "mixed", "true", "unrated")


@dataclass(frozen=True)
class FactCheckInfo:
    """A live fact-check as the matcher and the label see it."""

    id: int
    claim: str
    title: str | None
    summary: str | None
    rating: str
    publisher: str | None
    url: str | None
    review_date: date | None

    @property
    def text(self) -> str:
        return " ".join(x for x in (self.title, self.summary, self.claim) if x)


@dataclass(frozen=True)
class ClaimMatch:
    fact_check: FactCheckInfo
    probability: float  # the ranker's: this tweet repeats this fact-check's claim
    cosine: float
    bm25: float


class ClaimMatcher:
    def __init__(self, folder: Path, threads: int | None = None) -> None:
        self.embedder = Embedder(folder, threads)
        self.ranker = Ranker.load(folder / RANKER_FILE)
        self._lock = threading.Lock()
        empty = ClaimIndex([], np.zeros((0, self.embedder.card.dim), np.float32))
        self._bank: tuple[ClaimIndex, list[FactCheckInfo]] = (empty, [])  # swapped whole, read whole
        self.bank_version = -1

    @property
    def version(self) -> str:
        return self.embedder.version

    @property
    def threshold(self) -> float:
        return self.ranker.threshold

    def __len__(self) -> int:
        return len(self._bank[1])

    def rebuild(self, facts: list[FactCheckInfo], vectors: np.ndarray, bank_version: int) -> None:
        """`vectors[i]` embeds `facts[i].text` (the store keeps them per
        embedder version, so a rebuild does not embed the bank again)."""
        index = ClaimIndex([Entry(f.id, f.text) for f in facts], vectors)
        with self._lock:
            self._bank, self.bank_version = (index, list(facts)), bank_version

    @property
    def index(self) -> ClaimIndex:
        return self._bank[0]

    def match(self, text: str, limit: int = 3) -> list[ClaimMatch]:
        """Candidates at or above the threshold, best first."""
        return [m for m in self.rank(text, limit) if m.probability >= self.threshold]

    def rank(self, text: str, limit: int = 3) -> list[ClaimMatch]:
        """The best `limit` candidates whatever their probability (for the bench)."""
        if not len(self) or not text.strip():
            return []
        return self.rank_vector(self.embedder.embed([text])[0], text, limit)

    def rank_vector(self, vector: np.ndarray, text: str, limit: int = 3) -> list[ClaimMatch]:
        """`rank` for a tweet already embedded: retrieval and ranking alone."""
        index, facts = self._bank
        if not len(index):
            return []
        candidates = index.candidates(vector, text)
        probs = self.ranker.probabilities(candidates)
        order = np.argsort(-probs)[:limit]
        return [
            ClaimMatch(facts[candidates[i].entry], float(probs[i]), candidates[i].cosine, candidates[i].bm25)
            for i in order
        ]
