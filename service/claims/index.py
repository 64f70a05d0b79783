"""Candidate retrieval over the fact-check bank: dense and lexical.

Dense: inner product of unit vectors. Exact (one matrix product) up to
EXACT_MAX fact-checks; above that a FAISS inverted-file index, which keeps a
query in milliseconds at a million (`harmlabel bench claims`). Lexical: BM25
(bm25s, English stop words, Snowball stemming) over title, summary and claim.
Both are built once from a snapshot of the bank and never mutated: the
matcher swaps a whole new `ClaimIndex` in when the bank changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import bm25s
import faiss
import numpy as np
import Stemmer

EXACT_MAX = 200_000
NPROBE = 32  # of 4·√n lists: 97% top-1 agreement with brute force even on structureless random vectors
_STEMMER = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class Entry:
    """What retrieval needs of one fact-check."""

    id: int
    text: str  # title, summary and claim


@dataclass(frozen=True)
class Candidate:
    entry: int  # position in the index's entries
    cosine: float
    bm25: float
    dense_rank: int  # 0-based; K (= not retrieved) when absent
    lexical_rank: int


class DenseIndex:
    def __init__(self, vectors: np.ndarray) -> None:
        self.size = len(vectors)
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._faiss: faiss.Index | None = None
        if self.size > EXACT_MAX:
            dim = vectors.shape[1]
            nlist = int(4 * np.sqrt(self.size))
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            sample = self._vectors[
                np.random.default_rng(0).choice(self.size, min(self.size, 64 * nlist), False)
            ]
            index.train(sample)
            index.add(self._vectors)
            index.nprobe = NPROBE
            self._faiss = index

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices and cosines of the k nearest, best first."""
        k = min(k, self.size)
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self._faiss is not None:
            scores, idx = self._faiss.search(query.reshape(1, -1).astype(np.float32), k)
            keep = idx[0] >= 0
            return idx[0][keep], scores[0][keep]
        sims = self._vectors @ query
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top])]
        return top, sims[top]

    def cosine(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out: np.ndarray = self._vectors[rows] @ query
        return out


def tokenize(texts: list[str]) -> list[list[str]]:
    out: list[list[str]] = bm25s.tokenize(
        texts, stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False
    )
    return out


class LexicalIndex:
    def __init__(self, texts: list[str]) -> None:
        self.size = len(texts)
        tokens = tokenize(texts)
        self._bm25: bm25s.BM25 | None = None
        if any(tokens):  # bm25s cannot index a corpus of stop words alone ("Is it?")
            self._bm25 = bm25s.BM25()
            self._bm25.index(tokens, show_progress=False)

    def search(self, text: str, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The top k (positive scores, best first) and every entry's score:
        one scoring pass serves both the candidates and the scores of the
        dense retriever's candidates (a second pass cost 25 ms at a million)."""
        k = min(k, self.size)
        tokens = tokenize([text])[0]
        if k == 0 or not tokens or self._bm25 is None:
            empty = np.zeros(0, dtype=np.float32)
            return np.zeros(0, dtype=np.int64), empty, np.zeros(self.size, dtype=np.float32)
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        top = top[scores[top] > 0]
        return top.astype(np.int64), scores[top], scores


class ClaimIndex:
    """The bank as two indexes over the same entries, plus their vectors."""

    def __init__(self, entries: list[Entry], vectors: np.ndarray) -> None:
        self.entries = entries
        self.dense = DenseIndex(vectors if len(entries) else np.zeros((0, vectors.shape[-1]), np.float32))
        self.lexical = LexicalIndex([e.text for e in entries])

    def __len__(self) -> int:
        return len(self.entries)

    def candidates(self, vector: np.ndarray, text: str, k: int = 20) -> list[Candidate]:
        """The union of the dense and lexical top k, each with both scores."""
        d_idx, _ = self.dense.search(vector, k)
        l_idx, _, l_all = self.lexical.search(text, k)
        rows = np.unique(np.concatenate([d_idx, l_idx])).astype(np.int64)
        if not len(rows):
            return []
        d_rank = {int(r): i for i, r in enumerate(d_idx)}
        l_rank = {int(r): i for i, r in enumerate(l_idx)}
        cos = self.dense.cosine(vector, rows)
        bm = l_all[rows] if len(l_all) else np.zeros(len(rows), dtype=np.float32)
        return [
            Candidate(int(r), float(c), float(b), d_rank.get(int(r), k), l_rank.get(int(r), k))
            for r, c, b in zip(rows, cos, bm, strict=True)
        ]
