"""Character and word n-gram TF-IDF features, without scikit-learn.

The Hindi model and the romanised-Hindi detector are linear models over
TF-IDF n-grams. scikit-learn computes the features at training time; at
serving time this module computes the same features from the vocabulary
shipped in the model folder (`features.json`), so the service needs only
numpy and onnxruntime. skl2onnx cannot do this part: its text converter
supports word tokens only, and its regex word tokenizer splits Devanagari
words at every vowel sign. Parity with scikit-learn is a test
(tests/test_hindi.py).

Word tokens keep Devanagari vowel signs and viramas (Python's `\\w` does not
match them, so scikit-learn's default pattern cuts "किसानों" into pieces).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FEATURES_FILE = "features.json"
# A word: letters and digits plus the Devanagari block's marks (U+0900–U+0963,
# U+0966–U+097F; the dandas U+0964–U+0965 are punctuation).
WORD_PATTERN = r"[\w\u0900-\u0963\u0966-\u097f]+"
_WORD = re.compile(WORD_PATTERN)
_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """scikit-learn's `char_wb` analyzer: n-grams inside space-padded words."""
    out: list[str] = []
    for word in _SPACES.sub(" ", text).split():
        padded = f" {word} "
        size = len(padded)
        for n in range(lo, hi + 1):
            if n >= size:  # a word shorter than n counts once, whole
                out.append(padded)
                break
            out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


def word_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """scikit-learn's `word` analyzer with WORD_PATTERN as token_pattern."""
    tokens = _WORD.findall(text)
    out: list[str] = []
    for n in range(lo, hi + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


@dataclass(frozen=True)
class Block:
    """One TfidfVectorizer: analyzer, n-gram range, vocabulary and idf."""

    analyzer: str  # char_wb | word
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray

    def terms(self, text: str) -> list[str]:
        lo, hi = self.ngram_range
        return char_wb_ngrams(text, lo, hi) if self.analyzer == "char_wb" else word_ngrams(text, lo, hi)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted column ids and their L2-normalised sublinear TF-IDF values."""
        counts = Counter(t for t in self.terms(text.lower()) if t in self.vocabulary)
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids = np.fromiter((self.vocabulary[t] for t in counts), np.int64, len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), np.float64, len(counts)))
        values = tf * self.idf[ids]
        values /= np.linalg.norm(values)
        order = np.argsort(ids)
        return ids[order], values[order].astype(np.float32)


class Featurizer:
    """A FeatureUnion of Blocks: column ids are offset block by block."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        self.offsets = np.cumsum([0] + [len(b.vocabulary) for b in blocks])[:-1]
        self.size = int(sum(len(b.vocabulary) for b in blocks))

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """[texts, K] column ids and values, zero-padded to the longest row
        (a padded id 0 with value 0 adds nothing)."""
        rows = []
        for text in texts:
            parts = [b.vector(text) for b in self.blocks]
            ids = np.concatenate([p[0] + off for p, off in zip(parts, self.offsets, strict=True)])
            rows.append((ids, np.concatenate([p[1] for p in parts])))
        width = max(1, max(len(r[0]) for r in rows))
        ids = np.zeros((len(texts), width), np.int64)
        values = np.zeros((len(texts), width), np.float32)
        for i, (row_ids, row_values) in enumerate(rows):
            ids[i, : len(row_ids)] = row_ids
            values[i, : len(row_values)] = row_values
        return ids, values

    def save(self, folder: Path) -> Path:
        data = [
            {
                "analyzer": b.analyzer,
                "ngram_range": list(b.ngram_range),
                "lowercase": True,
                "sublinear_tf": True,
                "norm": "l2",
                "terms": sorted(b.vocabulary, key=b.vocabulary.__getitem__),
                "idf": [round(float(x), 6) for x in b.idf],
            }
            for b in self.blocks
        ]
        path = folder / FEATURES_FILE
        path.write_text(json.dumps({"blocks": data}, ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path) -> Featurizer:
        data = json.loads(path.read_text(encoding="utf-8"))
        blocks = []
        for b in data["blocks"]:
            if b["analyzer"] not in ("char_wb", "word"):
                raise ValueError(f"{path}: unknown analyzer {b['analyzer']!r}")
            if len(b["terms"]) != len(b["idf"]):
                raise ValueError(f"{path}: {len(b['terms'])} terms but {len(b['idf'])} idf values")
            vocab = {t: i for i, t in enumerate(b["terms"])}
            blocks.append(Block(b["analyzer"], tuple(b["ngram_range"]), vocab, np.asarray(b["idf"])))
        return cls(blocks)
