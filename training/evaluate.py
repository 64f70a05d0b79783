"""`harmlabel evaluate`: score a model folder's int8 ONNX on the corpus splits.

Everything here goes through the serving path (`service.inference.TextModel`
on the raw text), so the figures are those of the artifact that ships, not of
the torch model it came from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support, roc_auc_score

from service.inference import ModelCard, TextModel
from service.inference.isa import int8_kernel
from service.text.normalise import URL
from training.calibrate import ece
from training.corpus import Example, build_corpus
from training.data import subsample
from training.metrics import labelled
from training.train import english

# The published tasks, expressed on our heads (see card.md for the mapping).
# name: (head, source, kind) where kind says how the head is read:
#   weighted / macro: binary "risk >= 0.5" vs the source's negative label
#   positive: F1 of the positive class at the card's threshold
TARGETS: dict[str, tuple[str, str, str, float]] = {
    "constraint_val_weighted_f1": ("veracity", "constraint_en", "weighted", 0.93),
    "checkthat1b_claim_macro_f1": ("claim", "checkthat2022_1b", "macro", 0.75),
    "checkthat1c_dev_harmful_f1": ("harm", "checkthat2022_1c", "positive", 0.50),
    "olid_offensive_macro_f1": ("abuse", "olid", "macro", 0.80),
    "davidson_offensive_macro_f1": ("abuse", "davidson", "macro", 0.80),
    "utkml_spam_f1": ("spam", "utkml_spam", "positive", 0.85),
}


def strip_urls(text: str) -> str:
    return URL.sub(" ", text)


def evaluate(
    folder: Path, corpus_dir: Path, splits: tuple[str, ...] = ("validation", "test"),
    max_examples: int | None = None, plots: bool = True,
) -> dict[str, Any]:  # fmt: skip
    model = TextModel(folder)
    corpus = build_corpus(corpus_dir)
    report: dict[str, Any] = {"model_version": model.version, "splits": {}}
    for split in splits:
        examples = subsample(english(corpus.split(split)), max_examples, seed=0)
        texts = [e.raw_text for e in examples]
        window_logits, owner = model.logits(texts)
        calibrated, _ = model.aggregate(window_logits, owner, len(texts))
        raw, _ = model.aggregate(window_logits, owner, len(texts), calibrated=False)
        stripped, _ = model.probabilities([strip_urls(t) for t in texts])
        report["splits"][split] = {
            "examples": len(examples),
            "heads": head_metrics(model.card, examples, calibrated, raw),
            "targets": target_metrics(model.card, examples, calibrated),
            "targets_urls_stripped": target_metrics(model.card, examples, stripped),
            "heads_urls_stripped": {
                h: {k: v for k, v in m.items() if not k.startswith("ece")}
                for h, m in head_metrics(model.card, examples, stripped, stripped).items()
            },
        }
        if plots and split == "validation":
            from training.plots import pr_curves, reliability_diagrams

            reliability_diagrams(model.card, examples, raw, calibrated, folder / "reliability.png")
            pr_curves(model.card, examples, calibrated, folder / "pr_curves.png")
    return report


def _scores(y: np.ndarray, probs: np.ndarray, n_labels: int) -> dict[str, Any]:
    pred = probs.argmax(1)
    p, r, f, _ = precision_recall_fscore_support(y, pred, average="macro", zero_division=0)
    _, _, fw, _ = precision_recall_fscore_support(y, pred, average="weighted", zero_division=0)
    out: dict[str, Any] = {
        "n": len(y),
        "precision_macro": round(float(p), 4),
        "recall_macro": round(float(r), 4),
        "f1_macro": round(float(f), 4),
        "f1_weighted": round(float(fw), 4),
    }
    present = np.unique(y)
    try:
        if n_labels == 2 and len(present) == 2:
            out["roc_auc"] = round(float(roc_auc_score(y, probs[:, 1])), 4)
        elif len(present) == n_labels:
            out["roc_auc"] = round(float(roc_auc_score(y, probs, multi_class="ovr")), 4)
    except ValueError:
        pass
    return out


def head_metrics(
    card: ModelCard, examples: list[Example], calibrated: list[np.ndarray], raw: list[np.ndarray]
) -> dict[str, Any]:
    """Per head: overall and per-source scores, ECE before and after calibration."""
    out: dict[str, Any] = {}
    for j, spec in enumerate(card.heads):
        idx, y = labelled(examples, spec.name, spec.labels)
        if len(y) == 0:
            continue
        head = _scores(y, calibrated[j][idx], len(spec.labels))
        head["ece_before"] = round(ece(raw[j][idx], y), 4)
        head["ece_after"] = round(ece(calibrated[j][idx], y), 4)
        sources = sorted({s for i in idx for s in examples[i].label_sources[spec.name]})
        head["per_source"] = {}
        for source in sources:
            sidx, sy = labelled(examples, spec.name, spec.labels, source)
            head["per_source"][source] = _scores(sy, calibrated[j][sidx], len(spec.labels))
        out[spec.name] = head
    return out


def target_metrics(card: ModelCard, examples: list[Example], probs: list[np.ndarray]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (head, source, kind, target) in TARGETS.items():
        j = [h.name for h in card.heads].index(head)
        spec = card.heads[j]
        idx, y = labelled(examples, head, spec.labels, source)
        if len(y) == 0:
            continue
        risk = 1 - probs[j][idx, spec.labels.index(spec.negative_label)]
        truth = y != spec.labels.index(spec.negative_label)
        if kind == "positive":
            pred = risk >= (spec.threshold if spec.threshold is not None else 0.5)
            value = f1_score(truth, pred, zero_division=0)
        else:
            value = f1_score(truth, risk >= 0.5, average=kind, zero_division=0)
        out[name] = {
            "value": round(float(value), 4),
            "target": target,
            "met": bool(value >= target),
            "n": len(y),
        }
    return out


def write_report(folder: Path, report: dict[str, Any]) -> None:
    """metrics.json beside the model, and the headline figures in card.json."""
    (folder / "metrics.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    card_path = folder / "card.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["metrics"] = {
        split: {
            "examples": data["examples"],
            "targets": data["targets"],
            "targets_urls_stripped": data["targets_urls_stripped"],
            "heads": {h: {k: v for k, v in m.items() if k != "per_source"} for h, m in data["heads"].items()},
        }
        for split, data in report["splits"].items()
    }
    if "traffic" in report:
        card["traffic"] = report["traffic"]
    # Figures per int8 kernel (service/inference/isa.py): a model with 8-bit
    # weights scores differently on VNNI and AVX2 CPUs, so each is kept.
    kernels = card.setdefault("int8_kernels", {})
    kernels[int8_kernel()] = {split: data["targets"] for split, data in report["splits"].items()}
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
