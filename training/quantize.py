"""Int8 recipes for the exported graph, from fastest to most faithful.

- dynamic int8 (ONNX Runtime's `quantize_dynamic`): int8 weights and
  activations quantized on the fly; the fastest path on CPUs with VNNI.
- weight-only int8: weights stored as int8 with one scale per output column
  and dequantized in the graph, activations stay fp32. Half the speed-up, but
  no activation rounding, for models whose logits sit close together.

The embedding table (fused by the optimiser into EmbedLayerNormalization) is
int8 in every recipe: in fp32 it alone is 47 MB, over the budget for a
committed artifact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic


@dataclass(frozen=True)
class Recipe:
    name: str
    per_channel: bool
    op_types: tuple[str, ...]
    weight_only_matmul: bool = False


_DYNAMIC_OPS = ("MatMul", "Attention", "EmbedLayerNormalization")
RECIPES = (
    Recipe("dynamic-int8-per-channel", True, _DYNAMIC_OPS),
    Recipe("dynamic-int8-per-tensor", False, _DYNAMIC_OPS),
    Recipe("weight-only-int8", True, ("EmbedLayerNormalization",), weight_only_matmul=True),
)


def quantize(src: Path, dst: Path, recipe: Recipe) -> None:
    quantize_dynamic(
        str(src),
        str(dst),
        weight_type=QuantType.QInt8,
        per_channel=recipe.per_channel,
        op_types_to_quantize=list(recipe.op_types),
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    if recipe.weight_only_matmul:
        model = onnx.load(str(dst))
        weight_only_int8(model)
        onnx.save(model, str(dst))


def weight_only_int8(model: onnx.ModelProto) -> int:
    """Replace each MatMul's constant fp32 weight by int8 + per-column scale
    behind a DequantizeLinear node. Returns how many weights were replaced."""
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    new_nodes = []
    replaced = 0
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits:
            w = numpy_helper.to_array(inits[node.input[1]])
            if w.ndim == 2 and w.dtype == np.float32:
                scale = np.maximum(np.abs(w).max(axis=0), 1e-8) / 127.0
                q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
                base = node.input[1]
                graph.initializer.remove(inits[base])
                graph.initializer.extend(
                    [
                        numpy_helper.from_array(q, f"{base}_int8"),
                        numpy_helper.from_array(scale.astype(np.float32), f"{base}_scale"),
                        numpy_helper.from_array(np.zeros_like(q[0]), f"{base}_zero"),
                    ]
                )
                new_nodes.append(
                    onnx.helper.make_node(
                        "DequantizeLinear",
                        [f"{base}_int8", f"{base}_scale", f"{base}_zero"],
                        [f"{base}_dq"],
                        name=f"{base}_DequantizeLinear",
                        axis=1,
                    )
                )
                node.input[1] = f"{base}_dq"
                replaced += 1
        new_nodes.append(node)
    del graph.node[:]
    graph.node.extend(new_nodes)
    return replaced
