"""Torch weights recovered from an exported ONNX artifact compute what the
artifact computes: the shipped model and a freshly exported tiny one."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from service.inference import TextModel
from tests.conftest import REPO
from training.recover import RecoveryError, load_from_artifact

TEXTS = [
    "Drinking bleach cures the virus, the CDC is hiding it!",
    "Lovely weather in Leeds today, off to the park.",
    "@a @b you are all idiots and deserve what is coming",
    "5G towers were switched on in Wuhan just before the outbreak. Coincidence?",
]


def _gap(folder: Path) -> float:
    served = TextModel(folder)
    model, _ = load_from_artifact(folder)
    seqs = [served.windows(t)[0] for t in TEXTS]
    width = max(len(s) for s in seqs)
    ids = np.zeros((len(seqs), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for i, s in enumerate(seqs):
        ids[i, : len(s)], mask[i, : len(s)] = s, 1
    onnx_logits = served.runner.predict(ids, mask)
    with torch.no_grad():
        torch_logits = model(torch.from_numpy(ids), torch.from_numpy(mask))
    return max(float(np.abs(a - b.numpy()).max()) for a, b in zip(onnx_logits, torch_logits, strict=True))


def test_the_shipped_model_is_recovered_exactly() -> None:
    folder = REPO / "models" / (REPO / "models" / "CURRENT").read_text().strip()
    assert _gap(folder) < 1e-4


def test_a_tiny_export_is_recovered_exactly(tiny_model: Path) -> None:
    assert _gap(tiny_model) < 1e-4


def test_an_artifact_missing_a_parameter_is_refused(tiny_model: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    graph = onnx.load(str(broken / "model.onnx"))
    [head] = [i for i in graph.graph.initializer if i.name == "heads.spam.bias"]
    head.name = "renamed"
    for node in graph.graph.node:
        node.input[:] = ["renamed" if x == "heads.spam.bias" else x for x in node.input]
    onnx.save(graph, str(broken / "model.onnx"))
    with pytest.raises(RecoveryError, match=r"heads\.spam\.bias"):
        load_from_artifact(broken)
