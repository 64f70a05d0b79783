"""The decision-level parity gate on the shipped model: it passes the model
against itself and refuses a deliberately damaged copy."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from sklearn.metrics import f1_score

from service.inference import TextModel
from service.inference.card import resolve_current
from service.inference.fold import folded_model
from training.corpus import Example
from training.parity import _macro_f1, _unsafe, compare, run_model
from training.recipe_search import stage
from training.traffic_eval import validation

REPO = Path(__file__).resolve().parent.parent
SHIPPED = resolve_current(REPO / "models")


def test_vectorised_macro_f1_equals_sklearn() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, (20, 300))
    pred = np.where(rng.random((20, 300)) < 0.7, y, rng.integers(0, 4, (20, 300)))
    pred[3] = 0  # a label never predicted
    ours = _macro_f1(y, pred, 4)
    for k in range(20):
        assert ours[k] == pytest.approx(f1_score(y[k], pred[k], average="macro", zero_division=0))


def test_unsafe_means_an_action_dropped_to_nothing() -> None:
    label = ("misleading_information", "label", "claim×misleading")
    review = ("misleading_information", "needs_human_review", "claim×disputed")
    assert _unsafe(frozenset({label}), frozenset())
    assert not _unsafe(frozenset({label}), frozenset({review}))  # weaker, but a human sees it
    assert not _unsafe(frozenset({review}), frozenset())  # review is not labelling, warning or escalating
    assert not _unsafe(frozenset(), frozenset({label}))  # over-acting is the other gate's job


@pytest.fixture(scope="module")
def sample(corpus_dir: Path) -> list[Example]:
    examples = validation(corpus_dir)
    return random.Random(0).sample(examples, 1500)


def damaged(tmp: Path) -> Path:
    """The shipped model with 30% noise on the last encoder layer's
    feed-forward output weights (per element in fp32, per output column in
    int8): what a broken export or a bad recipe looks like."""
    model = onnx.load_from_string(folded_model(SHIPPED / "model.onnx"))
    inits = {i.name: i for i in model.graph.initializer}
    rng = np.random.default_rng(0)
    touched = 0
    for node in model.graph.node:
        if "layer.5/output/dense" not in node.name or node.op_type not in ("MatMul", "MatMulInteger"):
            continue
        name = (
            node.input[1] if node.op_type == "MatMul" else node.input[1].removesuffix("_quantized") + "_scale"
        )
        w = numpy_helper.to_array(inits[name])
        noisy = (w * (1 + 0.3 * rng.standard_normal(w.shape))).astype(w.dtype)
        inits[name].CopyFrom(numpy_helper.from_array(noisy, name))
        touched += 1
    assert touched == 1, "the damage must reach the graph"
    path = tmp / "damaged.onnx"
    onnx.save(model, str(path))
    return stage(SHIPPED, path, tmp / "damaged")


@pytest.mark.slow
def test_gate_passes_the_model_against_itself_and_refuses_a_damaged_one(
    sample: list[Example], tmp_path: Path
) -> None:
    reference = TextModel(SHIPPED)
    ref_run = run_model(reference, sample, REPO / "service" / "policy" / "policies")
    same = compare(reference, TextModel(SHIPPED), sample, reference_run=ref_run)
    assert same["passed"], same
    assert same["decisions"]["identical"] == 1.0

    broken = compare(reference, TextModel(damaged(tmp_path)), sample, reference_run=ref_run)
    assert not broken["passed"]
    failed = [h for h, r in broken["heads"].items() if not r["passed"]]
    assert failed or not broken["decisions"]["passed"]
    for head in broken["heads"].values():  # diagnostics stay in the report
        assert {"argmax_agreement", "prob_diff_p99", "prob_diff_max", "mean_kl"} <= head.keys()
