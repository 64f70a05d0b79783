"""Reliability diagrams and precision-recall curves, as PNG files for the card."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import itertools

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import precision_recall_curve

from service.inference import ModelCard
from training.corpus import Example
from training.metrics import labelled


def reliability_diagrams(
    card: ModelCard, examples: list[Example], raw: list[np.ndarray], calibrated: list[np.ndarray], path: Path
) -> None:
    fig, axes = plt.subplots(2, 3, figsize=(12, 8))
    edges = np.linspace(0, 1, 11)
    for ax, (j, spec) in zip(axes.flat, enumerate(card.heads), strict=False):
        idx, y = labelled(examples, spec.name, spec.labels)
        ax.plot([0, 1], [0, 1], "k:", lw=1)
        for probs, name in ((raw[j], "before (T=1)"), (calibrated[j], f"after (T={spec.temperature:.2f})")):
            if len(idx) == 0:
                continue
            conf = probs[idx].max(1)
            correct = probs[idx].argmax(1) == y
            xs, ys = [], []
            for lo, hi in itertools.pairwise(edges):
                m = (conf > lo) & (conf <= hi)
                if m.sum() >= 5:
                    xs.append(conf[m].mean())
                    ys.append(correct[m].mean())
            ax.plot(xs, ys, "o-", label=name)
        ax.set_title(f"{spec.name} (n={len(idx)})")
        ax.set_xlabel("confidence")
        ax.set_ylabel("accuracy")
        ax.legend(fontsize=8)
    fig.suptitle(f"Reliability on validation — {card.version}")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def pr_curves(card: ModelCard, examples: list[Example], calibrated: list[np.ndarray], path: Path) -> None:
    """Risk (1 - P(negative label)) against "any non-negative label"."""
    fig, axes = plt.subplots(2, 3, figsize=(12, 8))
    for ax, (j, spec) in zip(axes.flat, enumerate(card.heads), strict=False):
        idx, y = labelled(examples, spec.name, spec.labels)
        neg = spec.labels.index(spec.negative_label)
        truth = y != neg
        if len(idx) and 0 < truth.sum() < len(truth):
            risk = 1 - calibrated[j][idx, neg]
            p, r, _ = precision_recall_curve(truth, risk)
            ax.plot(r, p)
            ax.axhline(truth.mean(), color="grey", ls=":", lw=1)
        ax.set_title(f"{spec.name}: not {spec.negative_label}")
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
    fig.suptitle(f"Precision-recall on validation — {card.version}")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
