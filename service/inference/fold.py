"""Expand compressed weights to fp32 once, at load time.

The artifact stores weights as int8 (behind DequantizeLinear) or fp16 (behind
Cast) to stay small in git. ONNX Runtime folds the Casts of constants but not
the DequantizeLinears, so without this every request dequantized the
attention weights again: measured 20 ms → 10 ms per single tweet on 2 cores,
with outputs equal to 1e-6. The price is the fp32 weights in memory
(about 60 MB more), not on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper


def _dequantize(node: onnx.NodeProto, consts: dict[str, np.ndarray]) -> np.ndarray:
    x = consts[node.input[0]].astype(np.float32)
    scale = consts[node.input[1]].astype(np.float32)
    zero = (
        consts[node.input[2]].astype(np.float32) if len(node.input) > 2 and node.input[2] else np.float32(0)
    )
    axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
    if scale.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zero = np.asarray(zero).reshape(shape) if np.ndim(zero) else zero
    out: np.ndarray = (x - zero) * scale
    return out


DYNAMIC_INT8_OPS = frozenset(
    {"DynamicQuantizeLinear", "DynamicQuantizeMatMul", "MatMulInteger", "QAttention"}
)


@dataclass(frozen=True, slots=True)
class GraphTraits:
    needs_folding: bool  # constant weights behind DequantizeLinear or a Cast to fp32
    dynamic_activations: bool  # activations quantized per call, with a scale from the whole batch


def graph_traits(model: onnx.ModelProto) -> GraphTraits:
    graph = model.graph
    consts = {i.name for i in graph.initializer}
    folding = any(
        n.op_type in ("DequantizeLinear", "Cast") and n.input and all(x in consts for x in n.input if x)
        for n in graph.node
    )
    return GraphTraits(folding, any(n.op_type in DYNAMIC_INT8_OPS for n in graph.node))


def folded_model(path: Path) -> bytes:
    """The model at `path` with constant DequantizeLinear and Cast nodes
    replaced by fp32 initializers, serialised for an InferenceSession."""
    return fold(onnx.load(str(path)))


def fold(model: onnx.ModelProto) -> bytes:
    """`folded_model` on a graph already loaded (changes `model` in place)."""
    graph = model.graph
    consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    keep, made = [], []
    for node in graph.node:
        inputs = [x for x in node.input if x]
        if node.op_type == "DequantizeLinear" and all(x in consts for x in inputs):
            made.append(numpy_helper.from_array(_dequantize(node, consts), node.output[0]))
        elif node.op_type == "Cast" and inputs and all(x in consts for x in inputs):
            to = next(a.i for a in node.attribute if a.name == "to")
            if to != onnx.TensorProto.FLOAT:
                keep.append(node)
                continue
            made.append(numpy_helper.from_array(consts[inputs[0]].astype(np.float32), node.output[0]))
        else:
            keep.append(node)
    used = {x for n in keep for x in n.input} | {o.name for o in graph.output}
    survivors = [i for i in graph.initializer if i.name in used]
    del graph.node[:]
    graph.node.extend(keep)
    del graph.initializer[:]
    graph.initializer.extend(survivors + [m for m in made if m.name in used])
    data: bytes = model.SerializeToString()
    return data
