"""`train --config tiny` then `export` then `evaluate`, for real, on the corpus.

The tiny config (2 encoder layers, a few hundred examples) is the product's
stand-in for the full recipe; the same code paths train the shipped model.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from service.inference import TextModel, load_card
from service.inference.card import ModelFolderError
from service.inference.isa import int8_kernel
from training.config import load_config
from training.export import MAX_ONNX_BYTES
from training.train import WEIGHTS, train

pytestmark = pytest.mark.slow  # trains and exports a tiny model: minutes on 2 cores


def test_training_writes_weights_checkpoint_and_metrics(tiny_run: Path) -> None:
    assert (tiny_run / WEIGHTS).is_file()
    assert (tiny_run / "checkpoint.pt").is_file()
    records = [json.loads(line) for line in (tiny_run / "metrics.jsonl").read_text().splitlines()]
    assert records[-1]["epoch"] == 1
    assert {f"val_f1_{h}" for h in ("claim", "veracity", "harm", "abuse", "spam")} <= set(records[-1])


def test_resume_from_a_finished_checkpoint_reproduces_the_weights(
    tiny_run: Path, corpus_dir: Path, tmp_path: Path
) -> None:
    before = torch.load(tiny_run / WEIGHTS, weights_only=True)
    copy = tmp_path / "run"
    copy.mkdir()
    (copy / "checkpoint.pt").write_bytes((tiny_run / "checkpoint.pt").read_bytes())
    train(load_config("tiny"), corpus_dir, copy, resume=True)
    after = torch.load(copy / WEIGHTS, weights_only=True)
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_training_is_deterministic_given_the_seed(tiny_run: Path, corpus_dir: Path, tmp_path: Path) -> None:
    train(load_config("tiny"), corpus_dir, tmp_path, resume=False)
    a = torch.load(tiny_run / WEIGHTS, weights_only=True)
    b = torch.load(tmp_path / WEIGHTS, weights_only=True)
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_export_passes_parity_and_describes_itself(tiny_model: Path) -> None:
    card = load_card(tiny_model)
    assert card.version == "tiny-test"
    assert [h.name for h in card.heads] == ["claim", "veracity", "harm", "harm_type", "abuse", "spam"]
    assert all(h.temperature > 0 for h in card.heads)
    extra = card.model_extra
    assert extra is not None
    quantization = extra["quantization"]
    assert quantization["tried"][-1]["passed"] and quantization["gate"]["passed"]
    gate = quantization["gate"]
    assert gate["decisions"]["identical_mix"] >= gate["limits"]["min_identical"]
    for head in gate["heads"].values():
        assert head["mean_abs_diff"] <= gate["limits"]["max_mean_abs_diff"]
        assert {"argmax_agreement", "prob_diff_p99", "mean_kl"} <= head.keys()
    if quantization["chosen"].startswith("dynamic"):
        assert quantization["int8_nodes"], "a dynamic recipe names the nodes it quantized"
    assert (tiny_model / "model.onnx").stat().st_size <= MAX_ONNX_BYTES
    licenses = extra["data"]["sources"]
    assert licenses["nlp4if2021"]["license"].startswith("CC BY-NC-SA")


def test_a_tampered_model_file_fails_at_load(tiny_model: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in tiny_model.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    with (bad / "model.onnx").open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelFolderError, match=r"model\.onnx does not match"):
        load_card(bad)


def test_onnx_scores_any_batch_shape_and_long_texts(tiny_model: Path) -> None:
    model = TextModel(tiny_model, threads=1)
    texts = ["short", "a somewhat longer tweet about the v4cc1ne and 5G " * 3, "word " * 400]
    scores = model.score(texts)
    assert [s.windows for s in scores] == [1, 1, scores[2].windows]
    assert scores[2].windows > 2, "a 400-word text is scored on several windows, not cut"
    for s in scores:
        assert s.model_version == "tiny-test"
        for probs in s.probs.values():
            assert abs(sum(probs.values()) - 1) < 1e-4
    # The same text scores the same alone and in a batch (padding is masked).
    alone = model.score([texts[1]])[0].probs
    for head, probs in alone.items():
        assert np.allclose(list(probs.values()), list(scores[1].probs[head].values()), atol=1e-4)


def test_evaluate_writes_metrics_plots_and_card(tiny_model: Path, corpus_dir: Path) -> None:
    env_cmd = [sys.executable, "-m", "harmlabel", "evaluate", "--model", str(tiny_model),
               "--max-examples", "300", "--split", "validation", "--data-dir", str(corpus_dir)]  # fmt: skip
    out = subprocess.run(env_cmd, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    metrics = json.loads((tiny_model / "metrics.json").read_text())
    heads = metrics["splits"]["validation"]["heads"]
    assert {"veracity", "abuse", "spam"} <= set(heads)
    for m in heads.values():
        assert 0 <= m["ece_after"] <= 1
        assert "per_source" in m
    assert "constraint_val_weighted_f1" in metrics["splits"]["validation"]["targets_urls_stripped"]
    for png in ("reliability.png", "pr_curves.png"):
        assert (tiny_model / png).read_bytes()[:4] == b"\x89PNG"
    assert "Known limitations" in (tiny_model / "card.md").read_text()
    card = load_card(tiny_model)
    assert card.metrics["validation"]["examples"] == 300
    kernels = (card.model_extra or {})["int8_kernels"]
    assert kernels[int8_kernel()]["validation"] == card.metrics["validation"]["targets"]
