"""The claim embedder: all-MiniLM-L6-v2, mean-pooled and L2-normalised,
exported to int8 ONNX by `harmlabel claims export` (training/claims/).

It runs on the same `OnnxRunner` as the classifier, one row at a time (a
dynamic int8 graph takes one activation scale per call, so a batch would make
a fact-check's vector depend on its neighbours). Its folder describes itself
with a card of kind "claim-embedder".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict
from tokenizers import Tokenizer

from service.inference.card import verify
from service.inference.runner import OnnxRunner

OUTPUT = "embedding"
POINTER = "CLAIMS"  # models/CLAIMS names the embedder folder, as models/CURRENT names the classifier


class EmbedderCard(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    kind: Literal["claim-embedder"]
    version: str
    base_model: str
    dim: int
    max_length: int
    files: dict[str, str]  # name -> sha256


def resolve_embedder(models_dir: Path) -> Path | None:
    pointer = models_dir / POINTER
    if not pointer.is_file():
        return None
    return models_dir / pointer.read_text().strip()


class Embedder:
    def __init__(self, folder: Path, threads: int | None = None) -> None:
        self.folder = folder
        self.card = EmbedderCard.model_validate(json.loads((folder / "card.json").read_text()))
        verify(folder, self.card.files)
        self.runner = OnnxRunner(folder / "model.onnx", [], threads, spin=False, output_names=[OUTPUT])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_padding()
        self.tokenizer.enable_truncation(self.card.max_length)

    @property
    def version(self) -> str:
        return self.card.version

    def embed(self, texts: list[str]) -> np.ndarray:
        """[len(texts), dim] float32 unit vectors."""
        if not texts:
            return np.zeros((0, self.card.dim), dtype=np.float32)
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
        (vectors,) = self.runner.predict(ids, mask)  # row by row for a dynamic int8 graph
        return vectors

    def describe(self) -> dict[str, Any]:
        return {"version": self.version, "base_model": self.card.base_model, "dim": self.card.dim}
