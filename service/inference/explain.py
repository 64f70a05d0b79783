"""Highlighted spans by word occlusion on the ONNX model.

Remove one word at a time from the normalised text, rescore the whole batch of
variants in one call, and keep the words whose removal lowers the driving
signal the most. Offsets go back to the original text through the
normalisation offset map, so the spans highlight what the user actually sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from service.inference.ngram import ScoringModel
from service.text import normalise_with_offsets

_WORD = re.compile(r"\S+")
MAX_WORDS = 80


@dataclass(frozen=True, slots=True)
class WeightedSpan:
    start: int
    end: int
    text: str
    weight: float


def signal_value(model: ScoringModel, probs: list[np.ndarray], index: int, signal: str) -> float:
    """Value of `head.label` or `risk.head` for text `index`."""
    kind, _, rest = signal.partition(".")
    names = [h.name for h in model.card.heads]
    if kind == "risk":
        spec = model.card.head(rest)
        return 1.0 - float(probs[names.index(rest)][index, spec.labels.index(spec.negative_label)])
    spec = model.card.head(kind)
    return float(probs[names.index(kind)][index, spec.labels.index(rest)])


def occlusion_spans(
    model: ScoringModel, text: str, signal: str, base: float, top_k: int = 3, min_weight: float = 0.02
) -> list[WeightedSpan]:
    """`base` is the signal's value on the whole text, which the caller has
    already scored; only the occluded variants are scored here. A policy
    signal the model maps from one of its own (the Hindi model's
    veracity.misleading is its fake.fake) is explained on that one."""
    signal = model.card.signal_map.get(signal, signal)
    norm = normalise_with_offsets(text)
    words = list(_WORD.finditer(norm.text))[:MAX_WORDS]
    if not words:
        return []
    variants = [norm.text[: m.start()] + norm.text[m.end() :] for m in words]
    probs, _ = model.probabilities(variants)
    weights = [base - signal_value(model, probs, i, signal) for i in range(len(words))]
    top = sorted(range(len(words)), key=lambda i: -weights[i])[:top_k]
    chosen = sorted(i for i in top if weights[i] >= min_weight)
    spans: list[WeightedSpan] = []
    for i in chosen:
        start, end = norm.original_span(*words[i].span())
        if spans and i - 1 in chosen and spans[-1].end >= start - 1:
            prev = spans.pop()
            start, weight = prev.start, prev.weight + weights[i]
        else:
            weight = weights[i]
        spans.append(WeightedSpan(start, end, text[start:end], round(weight, 4)))
    return spans
