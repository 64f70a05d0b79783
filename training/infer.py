"""Logits from the torch model, batched by length; used by training and export."""

from __future__ import annotations

import numpy as np
import torch

from training.data import Encoded, iterate
from training.model import MultiHeadClassifier


@torch.no_grad()
def torch_logits(model: MultiHeadClassifier, enc: Encoded, batch_size: int = 64) -> list[np.ndarray]:
    """Per head, [examples, labels] logits in the order of `enc`."""
    model.eval()
    n = len(enc.ids)
    out: list[np.ndarray] | None = None
    for idx, ids, mask in iterate(enc, batch_size):
        logits = model(torch.from_numpy(ids), torch.from_numpy(mask))
        if out is None:
            out = [np.zeros((n, t.shape[1]), dtype=np.float32) for t in logits]
        for j, t in enumerate(logits):
            out[j][idx] = t.numpy()
    assert out is not None, "no examples"
    return out
