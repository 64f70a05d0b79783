"""Torch weights recovered from an exported ONNX artifact compute what the
artifact computes: the shipped model and a freshly exported tiny one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from service.inference import TextModel
from tests.conftest import REPO
from training.recover import RecoveryError, load_from_artifact, state_dict_from_onnx

pytestmark = pytest.mark.slow  # trains and exports a tiny model: minutes on 2 cores

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


def _shipped() -> Path:
    return REPO / "models" / (REPO / "models" / "CURRENT").read_text().strip()


def test_the_shipped_int8_model_is_recovered_to_its_source_weights() -> None:
    """The shipped graph holds int8 weights (one scale per output column)
    re-quantized from the previous, weight-only artifact: every recovered
    parameter is that artifact's within half a quantization step, so the
    names, transposes and the Q/K/V split all map back."""
    shipped = _shipped()
    card = json.loads((shipped / "card.json").read_text())
    source = REPO / "models" / card["quantization"]["requantized_from"]["version"]
    new, old = state_dict_from_onnx(shipped / "model.onnx"), state_dict_from_onnx(source / "model.onnx")
    model, _ = load_from_artifact(shipped)
    for name, param in model.state_dict().items():
        if name.startswith("encoder.pooler."):
            continue
        step = old[name].abs().amax(dim=-1, keepdim=True) / 127 if param.ndim == 2 else 0
        assert torch.all((new[name] - old[name]).abs() <= step / 2 + 1e-6), name


def test_the_shipped_model_and_its_torch_recovery_agree_up_to_activation_rounding() -> None:
    """Torch multiplies the recovered weights in fp32; the service rounds
    activations to int8: the logits differ by that rounding, not more."""
    assert _gap(_shipped()) < 0.5


def test_a_tiny_export_is_recovered(tiny_model: Path) -> None:
    """Exact for a weight-only artifact; up to activation rounding for a
    dynamic int8 one."""
    exact = not TextModel(tiny_model).runner.per_row
    assert _gap(tiny_model) < (1e-4 if exact else 0.5)


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
