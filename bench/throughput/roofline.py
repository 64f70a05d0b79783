"""The machine's matrix-multiply peaks, measured here, and the model's FLOPs.

int8: ONNX Runtime MatMulInteger on 2048³; fp32: ONNX Runtime MatMul (MLAS,
what the served graph uses) and numpy. Both on all cores.
"""

from __future__ import annotations

import os
import time

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

HIDDEN, FFN, LAYERS = 384, 1536, 6


def flops_per_tweet(tokens: float) -> float:
    """MiniLM-L6 forward at `tokens` tokens: dense projections plus attention."""
    dense = 2 * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * FFN)  # Q, K, V, O and the two FFN layers, per token
    attention = 2 * 2 * tokens * HIDDEN  # scores and weighted sum, per token
    return LAYERS * tokens * (dense + attention)


def _session(op: str, dtype: int, n: int, a_type: int | None = None) -> ort.InferenceSession:
    a = helper.make_tensor_value_info("a", a_type or dtype, [n, n])
    b = helper.make_tensor_value_info("b", dtype, [n, n])
    out_type = TensorProto.INT32 if op == "MatMulInteger" else dtype
    y = helper.make_tensor_value_info("y", out_type, [n, n])
    graph = helper.make_graph([helper.make_node(op, ["a", "b"], ["y"])], "peak", [a, b], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    options = ort.SessionOptions()
    options.intra_op_num_threads = os.cpu_count() or 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def _best(fn: object, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def peaks(n: int = 2048) -> dict[str, float]:
    """Attained GFLOP/s (int8: Gop/s) per kernel."""
    rng = np.random.default_rng(0)
    ops = 2 * n**3
    u8 = rng.integers(0, 255, (n, n), dtype=np.uint8)  # u8 × s8: the VNNI kernel dynamic quantisation uses
    i8 = rng.integers(-128, 127, (n, n), dtype=np.int8)
    f32 = rng.standard_normal((n, n), dtype=np.float32)
    s_i8 = _session("MatMulInteger", TensorProto.INT8, n, a_type=TensorProto.UINT8)
    s_f32 = _session("MatMul", TensorProto.FLOAT, n)
    s_i8.run(None, {"a": u8, "b": i8})
    s_f32.run(None, {"a": f32, "b": f32})
    return {
        "ort_int8_gops": ops / _best(lambda: s_i8.run(None, {"a": u8, "b": i8})) / 1e9,
        "ort_fp32_gflops": ops / _best(lambda: s_f32.run(None, {"a": f32, "b": f32})) / 1e9,
        "numpy_fp32_gflops": ops / _best(lambda: f32 @ f32) / 1e9,
    }
