"""The optimiser and learning-rate schedule, shared by the first fine-tune
(`train.py`) and retraining on reviewer feedback (`retrain.py`)."""

from __future__ import annotations

import torch

from training.config import TrainConfig
from training.model import MultiHeadClassifier


def make_optimizer(model: MultiHeadClassifier, config: TrainConfig) -> torch.optim.Optimizer:
    """Fresh heads learn faster than the pretrained encoder; no decay on
    biases and LayerNorm, as in BERT fine-tuning."""
    groups: dict[tuple[bool, bool], list[torch.nn.Parameter]] = {}
    for name, p in model.named_parameters():
        is_head = name.startswith("heads.")
        no_decay = p.ndim == 1
        groups.setdefault((is_head, no_decay), []).append(p)
    return torch.optim.AdamW(
        [
            {
                "params": ps,
                "lr": config.head_lr if is_head else config.lr,
                "weight_decay": 0.0 if no_decay else config.weight_decay,
            }
            for (is_head, no_decay), ps in groups.items()
        ]
    )


def warmup_then_decay(
    optimizer: torch.optim.Optimizer, total_steps: int, warmup_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up to the configured rates over `warmup_steps` (at least
    one), then linear decay to zero at `total_steps`."""
    warmup = max(1, warmup_steps)

    def factor(step: int) -> float:
        return min((step + 1) / warmup, max(0.0, (total_steps - step) / max(1, total_steps - warmup)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
