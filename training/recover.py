"""Torch weights recovered from a shipped ONNX artifact.

Retraining has to start from the weights that are *served*, and the bench's
naive baseline has to run those same weights. Keeping a torch checkpoint
beside every artifact would double what git stores per version, so the
artifact itself is the source of truth: its graph (after ONNX Runtime's BERT
fusions and our weight-only quantization) still names every tensor after the
torch parameter it came from, so the mapping back is mechanical:

- `Attention_i` holds layer i's query, key and value weights side by side
  (`[hidden, 3·hidden]`, input-major) and their biases concatenated;
- a `MatMul` node named `/encoder/encoder/layer.i/…/dense/MatMul` holds the
  transpose of that Linear's weight;
- the word-embedding table is int8 with one scale per row;
- in a dynamic int8 graph, a head's Gemm becomes a MatMul on
  `heads.<name>.weight_Transposed`, and `Attention_i_quant` (QAttention) and
  `…/dense/MatMul_quant` (MatMulInteger) hold int8 weights with one scale per
  output column (`<name>_quantized`, `_scale`, `_zero_point`);
- everything else (LayerNorms, biases, position embeddings, the heads) keeps
  its torch name.

The recovered weights are the dequantized ones, so the torch model computes
what the service computes up to rounding: fp32 rounding for a weight-only
artifact, activation rounding for a dynamic int8 one.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from service.inference.card import ModelCard
from service.inference.fold import folded_model
from training.config import TrainConfig
from training.model import MultiHeadClassifier

_ATTENTION = re.compile(r"Attention_(\d+)(?:_quant)?$")
_DENSE = re.compile(r"^/encoder/encoder/(layer\.\d+)/(.+)/dense/MatMul(?:_quant)?$")
_QUANTIZED = "_quantized"
_TRANSPOSED = "_Transposed"
_WORDS = "encoder.embeddings.word_embeddings.weight"


class RecoveryError(ValueError):
    """The artifact's graph does not cover every parameter of the model."""


def state_dict_from_onnx(path: Path) -> dict[str, torch.Tensor]:
    graph = onnx.load_from_string(folded_model(path)).graph
    consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for name in [n for n in consts if n.endswith(_QUANTIZED)]:
        base = name.removesuffix(_QUANTIZED)
        zero = consts.get(f"{base}_zero_point", np.zeros(1)).astype(np.float32)
        consts[base] = (consts[name].astype(np.float32) - zero) * consts[f"{base}_scale"].astype(np.float32)
    for name in [n for n in consts if n.endswith(_TRANSPOSED)]:  # a Gemm head the quantizer made a MatMul
        consts.setdefault(name.removesuffix(_TRANSPOSED), consts[name].T)
    out: dict[str, np.ndarray] = {name: w for name, w in consts.items() if "." in name}
    if f"{_WORDS}_int8" in consts:
        rows = consts[f"{_WORDS}_int8"].astype(np.float32)
        out[_WORDS] = rows * consts[f"{_WORDS}_row_scale"][:, None]
    for node in graph.node:
        attention = _ATTENTION.match(node.name) if node.op_type in ("Attention", "QAttention") else None
        if attention:
            prefix = f"encoder.encoder.layer.{attention.group(1)}.attention.self"
            weight, bias = consts[_weight(node)], consts[node.input[2]]
            for k, part in enumerate(("query", "key", "value")):
                cols = slice(k * weight.shape[1] // 3, (k + 1) * weight.shape[1] // 3)
                out[f"{prefix}.{part}.weight"] = weight[:, cols].T
                out[f"{prefix}.{part}.bias"] = bias[cols]
        dense = _DENSE.match(node.name) if node.op_type in ("MatMul", "MatMulInteger") else None
        if dense:
            layer, block = dense.groups()
            out[f"encoder.encoder.{layer}.{block.replace('/', '.')}.dense.weight"] = consts[_weight(node)].T
    return {name: torch.from_numpy(np.array(w, dtype=np.float32)) for name, w in out.items()}


def _weight(node: onnx.NodeProto) -> str:
    """The weight initializer's name, dequantized above for int8 nodes."""
    return str(node.input[1]).removesuffix(_QUANTIZED)


def load_from_artifact(model_dir: Path) -> tuple[MultiHeadClassifier, TrainConfig]:
    """The served model as a torch module, with the training config its card
    records (the architecture must match: layer count, pooling)."""
    card = ModelCard.model_validate_json((model_dir / "card.json").read_text(encoding="utf-8"))
    config = TrainConfig(**(card.model_extra or {})["training"]["config"])
    model = MultiHeadClassifier.from_base(config.num_layers, config.pooling, config.dropout)
    recovered = state_dict_from_onnx(model_dir / "model.onnx")
    # The BERT pooler is not on the forward path, so the artifact lacks it.
    needed = {n for n, _ in model.named_parameters() if not n.startswith("encoder.pooler.")}
    missing = sorted(needed - recovered.keys())
    if missing:
        raise RecoveryError(f"{model_dir}/model.onnx lacks {len(missing)} parameters, e.g. {missing[:3]}")
    state = model.state_dict()
    for name in needed:
        if tuple(recovered[name].shape) != tuple(state[name].shape):
            raise RecoveryError(f"{name}: artifact shape {tuple(recovered[name].shape)} ≠ model's")
        state[name] = recovered[name]
    model.load_state_dict(state)
    return model.eval(), config
