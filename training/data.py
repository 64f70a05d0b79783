"""Corpus examples → token ids, label matrices and length-bucketed batches."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from service.text import URL_PLACEHOLDER
from training.corpus import Example
from training.corpus.heads import HEADS

IGNORE = -100  # label index for "this source says nothing about the head"
_URL_TOKEN = re.compile(rf"\b{URL_PLACEHOLDER}\b")


def load_tokenizer(path: Path, max_length: int) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.enable_truncation(max_length)
    return tok


def label_matrix(examples: list[Example]) -> np.ndarray:
    """[examples, heads] label indices, IGNORE where unknown."""
    out = np.full((len(examples), len(HEADS)), IGNORE, dtype=np.int64)
    for i, ex in enumerate(examples):
        for j, (head, labels) in enumerate(HEADS.items()):
            label = ex.labels[head]
            if label is not None:
                out[i, j] = labels.index(label)
    return out


def weight_matrix(examples: list[Example], background_weight: float) -> np.ndarray:
    """[examples, heads] loss weights: 1 for an annotator's label,
    `background_weight` for a weak label implied by a source's sampling."""
    out = np.ones((len(examples), len(HEADS)), dtype=np.float32)
    for i, ex in enumerate(examples):
        for j, head in enumerate(HEADS):
            if head in ex.weak:
                out[i, j] = background_weight
    return out


def class_weights(labels: np.ndarray, power: float, weights: np.ndarray | None = None) -> list[np.ndarray]:
    """Per head, (n_max / n_class) ** power: rare classes weigh more, and a
    power below 1 keeps tiny classes from dominating. Classes are counted by
    their examples' loss weights, so a pile of weak labels counts as little as
    it teaches."""
    if weights is None:
        weights = np.ones(labels.shape, dtype=np.float32)
    out = []
    for j, (_, names) in enumerate(HEADS.items()):
        known = labels[:, j] != IGNORE
        counts = np.bincount(labels[known, j], weights=weights[known, j], minlength=len(names)).astype(float)
        counts[counts == 0] = counts.max() if counts.max() > 0 else 1.0
        out.append((counts.max() / counts) ** power)
    return out


def cap_per_source(examples: list[Example], cap: int | None, seed: int, epoch: int = 0) -> list[Example]:
    """At most `cap` examples per first source in each epoch. Each source is
    permuted once (by seed) and epochs take consecutive slices of it, wrapping
    around, so over enough epochs every example of a large source is seen."""
    if cap is None:
        return examples
    by_source: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        by_source[ex.sources[0]].append(ex)
    rng = np.random.default_rng(seed)
    kept: list[Example] = []
    for source in sorted(by_source):
        pool = by_source[source]
        perm = rng.permutation(len(pool))
        if len(pool) <= cap:
            kept += pool
        else:
            kept += [pool[perm[(epoch * cap + k) % len(pool)]] for k in range(cap)]
    return kept


def subsample(examples: list[Example], limit: int | None, seed: int) -> list[Example]:
    """A deterministic sample, stratified by first source so small runs still
    see every source."""
    if limit is None or limit >= len(examples):
        return examples
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(examples))
    per_source = Counter(ex.sources[0] for ex in examples)
    quota = {s: max(1, round(limit * n / len(examples))) for s, n in per_source.items()}
    kept = []
    for i in order:
        ex = examples[i]
        if quota[ex.sources[0]] > 0:
            quota[ex.sources[0]] -= 1
            kept.append(ex)
    return kept[:limit]  # rounding quotas up for tiny sources may overshoot by a few


@dataclass(frozen=True, slots=True)
class Encoded:
    ids: list[list[int]]
    labels: np.ndarray
    weights: np.ndarray  # [examples, heads] loss weight of each label


def drop_urls(examples: list[Example], rate: float, seed: int) -> list[str]:
    """Each text, without its URL placeholders with probability `rate`.

    CONSTRAINT's real posts carry a URL far more often than its fake ones, so
    a model can learn "no link, so fake" and flag every ordinary tweet without
    one. Training on both forms of the same text takes that shortcut away."""
    rng = np.random.default_rng(seed)
    out = []
    for ex in examples:
        drop = URL_PLACEHOLDER in ex.text and rng.random() < rate
        out.append(" ".join(_URL_TOKEN.sub(" ", ex.text).split()) if drop else ex.text)
    return out


def encode(
    tok: Tokenizer, examples: list[Example], background_weight: float = 1.0, texts: list[str] | None = None
) -> Encoded:
    """`texts` replaces the examples' own texts (augmented copies)."""
    encs = tok.encode_batch(texts if texts is not None else [ex.text for ex in examples])
    return Encoded([e.ids for e in encs], label_matrix(examples), weight_matrix(examples, background_weight))


def pad(seqs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(s) for s in seqs)
    ids = np.zeros((len(seqs), width), dtype=np.int64)
    mask = np.zeros((len(seqs), width), dtype=np.int64)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = s
        mask[i, : len(s)] = 1
    return ids, mask


def bucketed_batches(lengths: list[int], batch_size: int, seed: int) -> list[list[int]]:
    """Shuffle, sort by length within chunks of 50 batches, shuffle the batches:
    little padding, still random, and the same order for the same seed."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return [[int(i) for i in b] for b in batches]


def iterate(enc: Encoded, batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Evaluation order: sorted by length, then restored by the caller via index."""
    order = sorted(range(len(enc.ids)), key=lambda i: len(enc.ids[i]))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        ids, mask = pad([enc.ids[i] for i in idx])
        yield np.array(idx), ids, mask
