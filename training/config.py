"""Training configuration: one TOML file per recipe under training/configs/."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CONFIG_DIR = Path(__file__).resolve().parent / "configs"


class TrainConfig(BaseModel):
    """Everything that determines a training run; recorded in the model card."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    seed: int = 13
    # Encoder
    num_layers: int | None = Field(None, description="Keep only the first N encoder layers (tiny runs).")
    pooling: Literal["mean", "cls"] = "mean"
    dropout: float = 0.1
    max_length: int = 128
    # Data
    max_train_examples: int | None = None
    max_eval_examples: int | None = None
    max_per_source: int | None = Field(None, description="Cap on training examples drawn from one source.")
    url_dropout: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Chance, per example and epoch, of training on the text without its URLs.",
    )
    background_weight: float = Field(
        1.0, ge=0.0, le=1.0, description="Loss weight of a weak label implied by a source's sampling."
    )
    # Optimisation
    epochs: float = 3
    batch_size: int = 32
    lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    class_weight_power: float = 0.5  # weight = (n_max / n_class) ** power
    threads: int | None = None
    checkpoint_every: int = 500  # optimiser steps
    # Export: the largest macro-F1 drop per head that int8 parity tolerates.
    parity_max_f1_drop: float = 0.005
    version: str = Field("", description="Model version written by export; defaults to name + date.")


def load_config(name_or_path: str) -> TrainConfig:
    """`tiny` means training/configs/tiny.toml; anything else is a path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = CONFIG_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in CONFIG_DIR.glob("*.toml")))
        raise FileNotFoundError(f"no training config {name_or_path!r}; known: {known}")
    return TrainConfig(**tomllib.loads(path.read_text(encoding="utf-8")))
