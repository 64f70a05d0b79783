"""Write a trained Hindi run as a model folder the service can serve.

The folder holds the ONNX linear part, the n-gram vocabulary
(`features.json`) and a card: heads, temperatures, thresholds, the review
band, how its heads map onto the policies' signals, and the data's license.
Export proves that the served path (service.inference.NgramModel: our
featurizer + ONNX Runtime) gives scikit-learn's probabilities on validation.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import onnx

from service.inference.card import CARD_FILE, sha256_file
from service.inference.ngram import NgramModel
from training.hindi import data, linear
from training.hindi.train import GATE, probabilities

# Which policy signal each head provides: a "fake" post is a claim by
# construction, so fake drives the claim gate and the veracity cells; hate and
# offensive drive violent speech and abuse. hostile and defamation keep their
# own names (the triage and defamation policies read them).
SIGNAL_MAP = {
    "claim.claim": "fake.fake",
    "veracity.misleading": "fake.fake",
    "risk.veracity": "fake.fake",
    "abuse.hate_or_threat": "hate.hate",
    "risk.abuse": "offensive.offensive",
    "abuse.offensive": "offensive.offensive",
}
PARITY_TOLERANCE = 1e-4
BASE = "none: character 2–5-gram and word 1–2-gram TF-IDF, hierarchical logistic regression (scikit-learn)"


class ParityError(RuntimeError):
    """The served path does not reproduce scikit-learn's probabilities."""


def _heads(run: dict[str, object]) -> list[dict[str, object]]:
    temps, thresholds = run["temperatures"], run["thresholds"]
    assert isinstance(temps, dict) and isinstance(thresholds, dict)
    return [
        {
            "name": h,
            "labels": [f"not_{h}" if h != "hostile" else "non_hostile", h],
            "negative_label": f"not_{h}" if h != "hostile" else "non_hostile",
            "temperature": round(float(temps[h]), 4),
            "threshold": thresholds[h],
        }
        for h in data.HEADS
    ]


def export(run_dir: Path, corpus_dir: Path, models_dir: Path, version: str = "") -> Path:
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    version = version or f"{run['config']['name']}-{datetime.now(UTC):%Y%m%d}"
    folder = models_dir / version
    if folder.exists():
        raise FileExistsError(f"{folder} exists; pick another --version")
    folder.mkdir(parents=True)
    params = np.load(run_dir / "weights.npz")
    onnx.save(linear.graph(params["weights"], params["bias"], data.HEADS, GATE), folder / "model.onnx")
    (folder / "features.json").write_bytes((run_dir / "features.json").read_bytes())
    oof = np.load(run_dir / "oof.npz")
    review = float(run["review_threshold"])
    hostile = oof["calibrated"][:, 0] >= review
    card = {
        "version": version,
        "kind": "ngram",
        "language": "hi",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "base_model": BASE,
        "max_length": 512,
        "heads": _heads(run),
        "signal_map": SIGNAL_MAP,
        "operating_points": {
            "risk.hostile": {
                "threshold": review,
                "positive": ["hostile"],
                "prevalence": round(float(oof["labels"][:, 0].mean()), 4),
                "target_precision": 0.01,  # not a precision target: the review band's floor
                "precision": round(float(oof["labels"][hostile, 0].mean()), 4),
                "recall": round(float(hostile[oof["labels"][:, 0] == 1].mean()), 4),
                "met": True,
            },
            **{
                f"{head}.{head}": {"positive": [head], **point}
                for head, point in run.get("operating_points", {}).items()
            },
        },
        "files": {},
        "training": {k: run[k] for k in ("config", "train_posts", "features", "oof_f1")},
        "data": {"sources": {"constraint_hindi": {"license": data.LICENSE, "rows": run["train_posts"]}}},
    }
    card["files"] = {name: sha256_file(folder / name) for name in ("model.onnx", "features.json")}
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _check_parity(folder, run_dir, corpus_dir, run["config"].get("limit"))
    return folder


def _check_parity(folder: Path, run_dir: Path, corpus_dir: Path, limit: int | None) -> None:
    """Served probabilities (before temperature) against scikit-learn's, on validation."""
    from training.hindi.train import CONFIGS

    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    cfg = CONFIGS.get(run["config"]["name"])
    if cfg is None:
        raise ParityError(
            f"{run_dir}: config {run['config']['name']!r} is unknown; cannot refit to check parity"
        )
    split = data.load(corpus_dir, "validation", limit)
    vecs = linear.vectorizers(cfg.blocks, cfg.min_df)
    linear.fit_features(data.load(corpus_dir, "train", cfg.limit).texts, vecs)
    params = np.load(run_dir / "weights.npz")
    expected = probabilities(linear.transform(split.texts, vecs), params["weights"], params["bias"])
    served, _ = NgramModel(folder).probabilities(split.texts, calibrated=False, normalised=True)
    got = np.column_stack([p[:, 1] for p in served])
    diff = float(np.abs(got - expected).max())
    if diff > PARITY_TOLERANCE:
        raise ParityError(f"{folder}: served probabilities differ from scikit-learn by {diff:.2e}")
    print(f"parity: served vs scikit-learn max |Δp| {diff:.1e} on {len(split)} validation posts")
