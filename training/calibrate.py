"""Temperature scaling, calibration error and decision thresholds.

One temperature per head, fitted on validation logits by minimising the
negative log-likelihood (Guo et al. 2017). It changes confidence, never the
argmax, so accuracy is untouched while the policy engine's probability
thresholds start to mean what they say.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from scipy.optimize import minimize_scalar

from service.inference.model import softmax


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    p = softmax(logits, temperature)[np.arange(len(labels)), labels]
    return float(-np.log(np.clip(p, 1e-12, 1.0)).mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    if len(labels) == 0:
        return 1.0
    res = minimize_scalar(lambda t: nll(logits, labels, float(np.exp(t))), bounds=(-3, 3), method="bounded")
    return float(np.exp(res.x))


def ece(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top label, equal-width bins."""
    if len(labels) == 0:
        return float("nan")
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in pairwise(edges):
        in_bin = (conf > lo) & (conf <= hi)
        if in_bin.any():
            total += in_bin.mean() * abs(conf[in_bin].mean() - correct[in_bin].mean())
    return float(total)


def best_threshold(risk: np.ndarray, positive: np.ndarray) -> float:
    """The risk threshold that maximises F1 of "not the negative label"."""
    if positive.sum() == 0 or positive.all():
        return 0.5
    best, best_f1 = 0.5, -1.0
    for t in np.unique(np.round(risk, 3)):
        pred = risk >= t
        tp = float((pred & positive).sum())
        f1 = 2 * tp / (pred.sum() + positive.sum())
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best
