"""Load a model folder and prove it works before it serves a request.

A model that fails here is refused and the one already serving keeps
serving: a bad card, a file whose sha256 does not match, an ONNX graph that
will not load, or outputs on the probe texts that are not probabilities over
the labels the card declares.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from service.inference.card import ModelFolderError
from service.inference.model import TextModel

PROBES = (
    "Drinking bleach cures the virus, doctors are hiding it from you.",
    "The council meets on Tuesday at 7pm to discuss the new bus routes.",
    "You are all idiots and I hope you choke.",
    "WIN a FREE iPhone!!! Click the link in bio now #giveaway",
    "",  # the empty text still yields probabilities
    "word " * 400,  # longer than one window
)


def smoke_test(model: TextModel) -> None:
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
    if windows[-1] < 2:
        raise ModelFolderError(f"{model.folder}: a long probe text was not split into windows")


def load_checked(folder: Path, threads: int | None = None, spin: bool = True) -> TextModel:
    """TextModel(folder), smoke-tested; every failure is a ModelFolderError."""
    try:
        model = TextModel(folder, threads=threads, spin=spin)
    except ModelFolderError:
        raise
    except Exception as exc:  # onnxruntime and tokenizers raise their own types
        raise ModelFolderError(f"{folder}: cannot load: {exc}") from None
    smoke_test(model)
    return model
