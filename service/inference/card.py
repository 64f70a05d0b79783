"""The model card: every model folder describes itself.

The service validates the card at load time, so a folder with a missing file,
a checksum mismatch or an inconsistent head fails at start-up, not on the
first request.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CARD_FILE = "card.json"


class HeadSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    labels: tuple[str, ...] = Field(min_length=2)
    negative_label: str = Field(description="The benign label; 1 - P(negative) is the head's risk.")
    temperature: float = Field(gt=0, description="Calibration: probabilities are softmax(logits / T).")
    threshold: float | None = Field(
        None, ge=0, le=1, description="Risk at or above which the head fires; tuned for F1 on validation."
    )

    @model_validator(mode="after")
    def _negative_is_a_label(self) -> HeadSpec:
        if self.negative_label not in self.labels:
            raise ValueError(f"head {self.name}: negative_label {self.negative_label!r} not in {self.labels}")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"head {self.name}: duplicate labels {self.labels}")
        return self


class OperatingPoint(BaseModel):
    """Where a signal fires, chosen for a target precision on a traffic mix of
    mostly ordinary tweets at a stated prevalence (training/operating.py), not
    for F1 on a balanced validation set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(ge=0, le=1)
    positive: tuple[str, ...] = Field(min_length=1, description="Labels of the head that count as positive.")
    prevalence: float = Field(gt=0, lt=1, description="Share of positives assumed in the traffic mix.")
    target_precision: float = Field(gt=0, le=1)
    precision: float = Field(ge=0, le=1, description="Precision on the validation mix at the threshold.")
    recall: float = Field(ge=0, le=1, description="Recall of validation positives at the threshold.")
    met: bool = Field(description="Whether the target precision was reached.")


class ModelCard(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    version: str
    kind: Literal["transformer", "ngram"] = Field(
        "transformer",
        description="transformer: tokenizer.json + encoder; ngram: features.json + linear model.",
    )
    language: str = Field("en", description="The language route this model serves (BCP 47: en, hi).")
    signal_map: dict[str, str] = Field(
        default_factory=dict,
        description="Policy signal -> this model's own signal that provides it, for a model whose "
        "heads differ from the policies' vocabulary (the Hindi model's fake.fake -> veracity.misleading).",
    )
    created_at: str
    base_model: str
    max_length: int = Field(ge=8, le=512)
    heads: tuple[HeadSpec, ...] = Field(min_length=1)
    files: dict[str, str] = Field(description="File name -> sha256, for every file the model needs.")
    metrics: dict[str, Any] = Field(default_factory=dict)
    operating_points: dict[str, OperatingPoint] = Field(
        default_factory=dict, description="Signal name -> where it fires; overrides the head's F1 threshold."
    )

    @model_validator(mode="after")
    def _files_named(self) -> ModelCard:
        for required in ("model.onnx", "tokenizer.json" if self.kind == "transformer" else "features.json"):
            if required not in self.files:
                raise ValueError(f"card lists no {required}")
        names = [h.name for h in self.heads]
        own = self.head_signals()
        for target, source in self.signal_map.items():
            if source not in own:
                raise ValueError(f"signal_map: {target!r} <- {source!r}, which no head of this card gives")
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate heads: {names}")
        for signal, point in self.operating_points.items():
            kind, _, label = signal.partition(".")
            head = label if kind == "risk" else kind
            if head not in names or (kind != "risk" and label not in self.head(head).labels):
                raise ValueError(f"operating point for unknown signal {signal!r}")
            if not set(point.positive) <= set(self.head(head).labels):
                raise ValueError(
                    f"operating point {signal!r}: positive labels {point.positive} not in head {head}"
                )
        return self

    def head_signals(self) -> set[str]:
        """`head.label` for every label and `risk.head` for every head."""
        return {f"{h.name}.{label}" for h in self.heads for label in h.labels} | {
            f"risk.{h.name}" for h in self.heads
        }

    def head(self, name: str) -> HeadSpec:
        for h in self.heads:
            if h.name == name:
                return h
        raise KeyError(name)


class ModelFolderError(RuntimeError):
    """The model folder is unusable; the message says which file and why."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_card(folder: Path, verify_files: bool = True) -> ModelCard:
    path = folder / CARD_FILE
    if not path.is_file():
        raise ModelFolderError(f"{folder}: no {CARD_FILE}")
    try:
        card = ModelCard.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelFolderError(f"{path}: invalid card: {exc}") from None
    if verify_files:
        verify(folder, card.files)
    return card


def verify(folder: Path, files: dict[str, str]) -> None:
    """Every file a card lists is there, with the sha256 the card gives."""
    for name, expected in files.items():
        file = folder / name
        if not file.is_file():
            raise ModelFolderError(f"{folder}: card lists {name}, which is missing")
        if sha256_file(file) != expected:
            raise ModelFolderError(f"{folder}: {name} does not match the sha256 in {CARD_FILE}")


def pointer_name(language: str = "en") -> str:
    """The registry pointer of a language's served model: `CURRENT` for
    English (the first model, and every tool that predates languages),
    `CURRENT-<lang>` for the others."""
    return "CURRENT" if language == "en" else f"CURRENT-{language}"


def resolve_current(models_dir: Path, language: str = "en") -> Path:
    """The folder `models/CURRENT` (or `CURRENT-<lang>`) names."""
    pointer = models_dir / pointer_name(language)
    if not pointer.is_file():
        raise ModelFolderError(f"{models_dir}: no {pointer.name} pointer")
    version = pointer.read_text(encoding="utf-8").strip()
    folder = models_dir / version
    if not folder.is_dir():
        raise ModelFolderError(f"{pointer} names {version!r}, but {folder} does not exist")
    return folder
