"""Shared pieces of the n-gram models: TF-IDF blocks fitted with
scikit-learn, temperature and threshold fitting on out-of-fold scores, and
the ONNX graph of the linear part.

The graph takes what `service.text.ngrams.Featurizer.encode` gives (column
ids and TF-IDF values, zero-padded) and computes z = Σ values·W[ids] + b.
A head can be gated by another: P(head) = σ(z_gate)·σ(z_head), the
hierarchical reading "hostile, and given hostile, fake". Each head's output
`logits_<head>` is [0, logit P], so the card's softmax with temperature T
gives σ(logit P / T), as for the transformer's two-label heads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score

from service.text.ngrams import WORD_PATTERN, Block, Featurizer

EPS = 1e-6


def vectorizers(spec: Sequence[tuple[str, int, int]], min_df: int) -> list[TfidfVectorizer]:
    """One TfidfVectorizer per (analyzer, lo, hi), configured as the
    serving-side Featurizer computes it."""
    return [
        TfidfVectorizer(
            analyzer=analyzer,
            ngram_range=(lo, hi),
            lowercase=True,
            sublinear_tf=True,
            min_df=min_df,
            token_pattern=WORD_PATTERN if analyzer == "word" else None,
            dtype=np.float64,
        )
        for analyzer, lo, hi in spec
    ]


def fit_features(texts: list[str], vecs: list[TfidfVectorizer]) -> csr_matrix:
    return hstack([v.fit_transform(texts) for v in vecs]).tocsr()


def transform(texts: list[str], vecs: list[TfidfVectorizer]) -> csr_matrix:
    return hstack([v.transform(texts) for v in vecs]).tocsr()


def featurizer(vecs: list[TfidfVectorizer]) -> Featurizer:
    blocks = [
        Block(v.analyzer, v.ngram_range, {t: int(i) for t, i in v.vocabulary_.items()}, np.asarray(v.idf_))
        for v in vecs
    ]
    return Featurizer(blocks)


def sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return out


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    out: np.ndarray = np.log(p) - np.log1p(-p)
    return out


def fit_temperature(p: np.ndarray, y: np.ndarray) -> float:
    """The T minimising log loss of σ(logit p / T) on out-of-fold scores."""
    z = logit(p)
    grid = np.exp(np.linspace(np.log(0.25), np.log(4.0), 161))
    losses = []
    for t in grid:
        q = np.clip(sigmoid(z / t), EPS, 1 - EPS)
        losses.append(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))
    return float(grid[int(np.argmin(losses))])


def f1_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold with the best positive-class F1 on out-of-fold scores."""
    grid = np.round(np.linspace(0.02, 0.95, 94), 3)
    scores = [f1_score(y, p >= t, zero_division=0) for t in grid]
    return float(grid[int(np.argmax(scores))])


def precision_threshold(
    p: np.ndarray, y: np.ndarray, target: float, min_fired: int = 20
) -> tuple[float, bool]:
    """The lowest threshold whose out-of-fold precision reaches `target`
    (with at least `min_fired` posts above it), and whether one did."""
    grid = np.round(np.linspace(0.05, 0.95, 91), 3)
    for t in grid:
        fired = p >= t
        if fired.sum() >= min_fired and y[fired].mean() >= target:
            return float(t), True
    return float(grid[-1]), False


def recall_threshold(p: np.ndarray, y: np.ndarray, recall: float) -> float:
    """The highest threshold that keeps at least `recall` of the positives."""
    positives = np.sort(p[y == 1])
    if len(positives) == 0:
        return 0.5
    k = int(np.floor((1 - recall) * len(positives)))
    return float(np.floor(positives[k] * 1000) / 1000)


def graph(
    weights: np.ndarray, bias: np.ndarray, heads: Sequence[str], gate: Sequence[int | None]
) -> onnx.ModelProto:
    """The linear part as ONNX. `weights` [features, heads]; `gate[j]` is the
    head that gates head j, or None."""
    n_heads = len(heads)
    mask = np.array([0.0 if g is None else 1.0 for g in gate], np.float32)
    gate_index = np.array([j if g is None else g for j, g in enumerate(gate)], np.int64)
    inits = [
        numpy_helper.from_array(weights.astype(np.float32), "W"),
        numpy_helper.from_array(bias.astype(np.float32), "b"),
        numpy_helper.from_array(mask, "gated"),
        numpy_helper.from_array((1.0 - mask).astype(np.float32), "ungated"),
        numpy_helper.from_array(gate_index, "gate_index"),
        numpy_helper.from_array(np.array([2], np.int64), "axis2"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(np.array(EPS, np.float32), "eps"),
        numpy_helper.from_array(np.array(1 - EPS, np.float32), "one_minus_eps"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
        numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
    ]
    nodes = [
        helper.make_node("Gather", ["W", "input_ids"], ["rows"]),  # [N, K, H]
        helper.make_node("Unsqueeze", ["values", "axis2"], ["values3"]),  # [N, K, 1]
        helper.make_node("Mul", ["rows", "values3"], ["weighted"]),
        helper.make_node("ReduceSum", ["weighted", "axis1"], ["summed"], keepdims=0),  # [N, H]
        helper.make_node("Add", ["summed", "b"], ["z"]),
        helper.make_node("Sigmoid", ["z"], ["s"]),
        helper.make_node("Gather", ["s", "gate_index"], ["s_gate"], axis=1),
        helper.make_node("Mul", ["s_gate", "gated"], ["g1"]),
        helper.make_node("Add", ["g1", "ungated"], ["g"]),  # σ(z_gate) where gated, else 1
        helper.make_node("Mul", ["s", "g"], ["p_raw"]),
        helper.make_node("Clip", ["p_raw", "eps", "one_minus_eps"], ["p"]),
        helper.make_node("Sub", ["one", "p"], ["q"]),
        helper.make_node("Log", ["p"], ["log_p"]),
        helper.make_node("Log", ["q"], ["log_q"]),
        helper.make_node("Sub", ["log_p", "log_q"], ["logit_p"]),
        helper.make_node("Mul", ["logit_p", "zero"], ["zeros"]),
    ]
    outputs = []
    for j, head in enumerate(heads):
        inits.append(numpy_helper.from_array(np.array([j], np.int64), f"col_{head}"))
        nodes += [
            helper.make_node("Gather", ["logit_p", f"col_{head}"], [f"pos_{head}"], axis=1),
            helper.make_node("Gather", ["zeros", f"col_{head}"], [f"neg_{head}"], axis=1),
            helper.make_node("Concat", [f"neg_{head}", f"pos_{head}"], [f"logits_{head}"], axis=1),
        ]
        outputs.append(helper.make_tensor_value_info(f"logits_{head}", TensorProto.FLOAT, ["batch", 2]))
    g = helper.make_graph(
        nodes,
        "ngram_linear",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "terms"]),
            helper.make_tensor_value_info("values", TensorProto.FLOAT, ["batch", "terms"]),
        ],
        outputs,
        inits,
    )
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="harmlabel")
    model.ir_version = 8
    onnx.checker.check_model(model)
    assert n_heads == len(gate)
    return model
