"""The model in models/CURRENT: valid, torch-free, and its card tells the truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from service.inference import TextModel
from service.inference.card import resolve_current
from service.inference.isa import int8_kernel
from tests.conftest import REPO
from training.corpus import build_corpus
from training.evaluate import target_metrics
from training.metrics import labelled
from training.train import english


@pytest.fixture(scope="module")
def shipped() -> TextModel:
    return TextModel(resolve_current(REPO / "models"))


def test_current_points_at_a_complete_model_folder(shipped: TextModel) -> None:
    folder = shipped.folder
    for name in ("model.onnx", "tokenizer.json", "card.json", "card.md", "metrics.json"):
        assert (folder / name).is_file(), name
    assert (folder / "model.onnx").stat().st_size <= 30 * 1024 * 1024
    assert shipped.card.model_extra is not None
    assert shipped.card.model_extra["training"]["config"]["name"] == "full"


def test_the_shipped_model_quantizes_activations_and_passed_the_gate(shipped: TextModel) -> None:
    """The artifact runs int8 activations (not fp32 speed), names its int8
    and fp32 nodes, and its card holds the decision-level gate it passed."""
    q = (shipped.card.model_extra or {})["quantization"]
    assert q["chosen"].startswith("dynamic-int8") and q["gate"]["passed"]
    assert shipped.runner.per_row, "a dynamic int8 graph is scored row by row"
    import onnx

    graph = onnx.load(str(shipped.folder / "model.onnx")).graph
    int8 = {n.name for n in graph.node if n.op_type in ("MatMulInteger", "QAttention")}
    assert int8 == set(q["int8_nodes"]) and len(int8) >= 18
    fp32 = {n.name for n in graph.node if n.op_type in ("MatMul", "Attention")}
    assert set(q["fp32_nodes"]) <= fp32
    decisions = q["gate"]["decisions"]
    assert decisions["identical_mix"] >= 0.99 and decisions["unsafe_mix"] <= 0.003


@pytest.mark.slow
def test_card_figures_are_reproduced_from_the_committed_onnx(shipped: TextModel, corpus_dir: Path) -> None:
    """Re-score CONSTRAINT val and CheckThat! 1C dev with ONNX Runtime and
    compare with what `harmlabel evaluate` wrote into the card for this
    CPU's int8 kernel. The shipped graph has 8-bit weights, and ONNX Runtime
    sums int8 products exactly with VNNI but saturating in pairs on AVX2, so
    the card keeps the figures of each kernel (service/inference/isa.py);
    each must be reproduced to the rounding of the card."""
    kernel = int8_kernel()
    measured = ((shipped.card.model_extra or {}).get("int8_kernels") or {}).get(kernel, {})
    assert "validation" in measured, f"the card has no figures measured on the {kernel} int8 kernel"
    val = english(build_corpus(corpus_dir).split("validation"))
    wanted = {"constraint_en", "checkthat2022_1c"}
    examples = [e for e in val if wanted & set(e.sources)]
    probs, _ = shipped.probabilities([e.raw_text for e in examples])
    ours = target_metrics(shipped.card, examples, probs)
    card = measured["validation"]
    for name in ("constraint_val_weighted_f1", "checkthat1c_dev_harmful_f1"):
        assert ours[name]["n"] == card[name]["n"]
        assert abs(ours[name]["value"] - card[name]["value"]) < 1e-3, (kernel, name)


def test_the_cards_headline_figures_are_those_of_the_cpu_that_exported_it(shipped: TextModel) -> None:
    """The card's `metrics` are the exporting CPU's; its own kernel entry
    says the same, so the two records cannot drift apart."""
    extra = shipped.card.model_extra or {}
    exported_on = int8_kernel(extra["quantization"]["isa"])
    assert extra["int8_kernels"][exported_on]["validation"] == shipped.card.metrics["validation"]["targets"]


def test_scores_are_calibrated_probabilities(shipped: TextModel, corpus_dir: Path) -> None:
    val = english(build_corpus(corpus_dir).split("validation"))[:400]
    probs, _ = shipped.probabilities([e.raw_text for e in val])
    for p in probs:
        assert np.all((p >= 0) & (p <= 1))
        assert np.allclose(p.sum(1), 1, atol=1e-4)
    spec = shipped.card.head("abuse")
    idx, y = labelled(val, "abuse", spec.labels)
    if len(y):
        j = [h.name for h in shipped.card.heads].index("abuse")
        assert f1_score(y, probs[j][idx].argmax(1), average="macro") > 0.5  # far above chance (0.33)


def test_metrics_json_matches_the_card(shipped: TextModel) -> None:
    metrics = json.loads((shipped.folder / "metrics.json").read_text())
    assert metrics["model_version"] == shipped.version
    for split, data in shipped.card.metrics.items():
        assert metrics["splits"][split]["targets"] == data["targets"]


def test_card_reports_traffic_and_what_the_model_must_not_be_used_for(shipped: TextModel) -> None:
    text = (shipped.folder / "card.md").read_text(encoding="utf-8")
    assert "What it must not be used for" in text and "not a veracity judgement" in text
    assert "Traffic report" in text and "Operating points" in text
    extra = shipped.card.model_extra or {}
    assert extra["traffic"]["model_version"] == shipped.version
    assert extra["training"]["wall_seconds"] > 0
    doc = (REPO / "docs" / "traffic.md").read_text(encoding="utf-8")
    assert f"`{shipped.version}`" in doc  # docs/traffic.md describes the served model
