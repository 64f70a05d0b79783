"""Are the baseline's torch weights the weights harmlabel serves? Compare
uncalibrated probabilities of both on the same tweets."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def max_probability_gap(weights: Path, config: str, texts: list[str]) -> float:
    import torch
    from transformers import AutoTokenizer

    from service.inference import TextModel
    from service.inference.card import resolve_current
    from training.config import load_config
    from training.export import load_trained
    from training.model import base_model_dir

    served = TextModel(resolve_current(Path("models")))
    onnx_probs, _ = served.probabilities(texts, calibrated=False)
    model = load_trained(weights, load_config(config))
    tokenizer = AutoTokenizer.from_pretrained(base_model_dir(), local_files_only=True)
    from service.text import normalise

    enc = tokenizer(
        [normalise(t) for t in texts], padding=True, truncation=True, max_length=128, return_tensors="pt"
    )
    with torch.inference_mode():
        logits = model(enc["input_ids"], enc["attention_mask"])
    gaps = [np.abs(torch.softmax(t, -1).numpy() - p).max() for t, p in zip(logits, onnx_probs, strict=True)]
    return float(max(gaps))
