"""Load a model folder and prove it works before it serves a request.

A model that fails here is refused and the one already serving keeps
serving: a bad card, a file whose sha256 does not match, an ONNX graph that
will not load, or outputs on the probe texts that are not probabilities over
the labels the card declares.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from service.inference.card import ModelFolderError, load_card
from service.inference.model import TextModel
from service.inference.ngram import NgramModel, ScoringModel

PROBES = (
    "Drinking bleach cures the virus, doctors are hiding it from you.",
    "The council meets on Tuesday at 7pm to discuss the new bus routes.",
    "You are all idiots and I hope you choke.",
    "WIN a FREE iPhone!!! Click the link in bio now #giveaway",
    "",  # the empty text still yields probabilities
    "word " * 400,  # longer than one window
    "मोदी सरकार किसानों के लिए नई योजना लाई है",  # Devanagari
)


def smoke_test(model: ScoringModel) -> None:
    try:
        probs, windows = model.probabilities(list(PROBES))
    except Exception as exc:  # an ONNX Runtime error surfaces here, at load time
        raise ModelFolderError(f"{model.folder}: probe inference failed: {exc}") from None
    for spec, p in zip(model.card.heads, probs, strict=True):
        if p.shape != (len(PROBES), len(spec.labels)):
            raise ModelFolderError(
                f"{model.folder}: head {spec.name} gives {p.shape[1]} outputs, the card declares "
                f"{len(spec.labels)} labels"
            )
        if not np.isfinite(p).all() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
            raise ModelFolderError(f"{model.folder}: head {spec.name} gives no probabilities on probe texts")
    if isinstance(model, TextModel) and windows[-2] < 2:
        raise ModelFolderError(f"{model.folder}: a long probe text was not split into windows")


def load_checked(folder: Path, threads: int | None = None, spin: bool = True) -> ScoringModel:
    """The model in `folder` (its card's kind says which class), smoke-tested;
    every failure is a ModelFolderError. An n-gram model runs on one thread:
    it costs well under a millisecond, and the encoder keeps the cores."""
    try:
        if load_card(folder, verify_files=False).kind == "ngram":
            model: ScoringModel = NgramModel(folder, threads=1, spin=False)
        else:
            model = TextModel(folder, threads=threads, spin=spin)
    except ModelFolderError:
        raise
    except Exception as exc:  # onnxruntime and tokenizers raise their own types
        raise ModelFolderError(f"{folder}: cannot load: {exc}") from None
    smoke_test(model)
    return model
