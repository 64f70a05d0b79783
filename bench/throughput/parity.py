"""Are the baseline's torch weights the weights harmlabel serves? Compare
uncalibrated probabilities of both on the same tweets: the torch model is
recovered from the artifact, so the gap is fp32 rounding, not a different
model."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def max_probability_gap(model_dir: Path, texts: list[str]) -> float:
    import torch
    from transformers import AutoTokenizer

    from service.inference import TextModel
    from training.model import base_model_dir
    from training.recover import load_from_artifact

    served = TextModel(model_dir)
    onnx_probs, _ = served.probabilities(texts, calibrated=False)
    model, config = load_from_artifact(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(base_model_dir(), local_files_only=True)
    from service.text import normalise

    enc = tokenizer(
        [normalise(t) for t in texts],
        padding=True,
        truncation=True,
        max_length=config.max_length,
        return_tensors="pt",
    )
    with torch.inference_mode():
        logits = model(enc["input_ids"], enc["attention_mask"])
    gaps = [np.abs(torch.softmax(t, -1).numpy() - p).max() for t, p in zip(logits, onnx_probs, strict=True)]
    return float(max(gaps))
