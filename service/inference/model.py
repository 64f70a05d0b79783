"""The middle layer: texts in, calibrated per-head probabilities out.

It normalises and tokenizes, pads each batch only to its longest sequence,
and scores a text longer than the model's window on overlapping windows,
keeping per head the window with the highest risk, so that a long text is
never silently cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import structlog
from tokenizers import Tokenizer

from service.inference.card import ModelCard, load_card
from service.inference.isa import int8_kernel, kernel_sensitive
from service.inference.runner import OnnxRunner
from service.text import normalise

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class HeadScores:
    """Every head's calibrated label probabilities for one text."""

    model_version: str
    probs: dict[str, dict[str, float]]  # head -> label -> probability
    windows: int  # how many windows the text was scored on


def softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


class TextModel:
    """A loaded, validated model folder."""

    def __init__(
        self,
        folder: Path,
        threads: int | None = None,
        max_length: int | None = None,
        batch_size: int = 32,
        spin: bool = True,
    ) -> None:
        self.folder = folder
        self.card: ModelCard = load_card(folder)
        self.head_names = [h.name for h in self.card.heads]
        self.runner = OnnxRunner(folder / "model.onnx", self.head_names, threads, spin)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.max_length = min(max_length or self.card.max_length, self.card.max_length)
        self.batch_size = batch_size
        cls_id, sep_id = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        if cls_id is None or sep_id is None:
            raise ValueError(f"{folder}/tokenizer.json has no [CLS]/[SEP] tokens")
        self._cls, self._sep = cls_id, sep_id
        self._warn_if_unmeasured_kernel()

    def _warn_if_unmeasured_kernel(self) -> None:
        """An 8-bit-weight graph scores slightly differently on VNNI and AVX2
        CPUs (service/inference/isa.py); say so when this CPU's kernel is
        not the one the card's figures were measured on."""
        extra = self.card.model_extra or {}
        quantization = extra.get("quantization") or {}
        kernel = int8_kernel()
        if not kernel_sensitive(quantization) or kernel in (extra.get("int8_kernels") or {}):
            return
        if quantization.get("isa") and int8_kernel(quantization["isa"]) != kernel:
            log.warning(
                "int8 kernel differs from the card's",
                model=self.card.version,
                kernel=kernel,
                measured_on=int8_kernel(quantization["isa"]),
            )

    @property
    def version(self) -> str:
        return self.card.version

    def windows(self, text: str, normalised: bool = False) -> list[list[int]]:
        """Token windows of at most max_length, overlapping by half a window.
        `normalised`: the text is already normalised (the service does it once)."""
        ids = self.tokenizer.encode(text if normalised else normalise(text), add_special_tokens=False).ids
        span = self.max_length - 2
        if len(ids) <= span:
            return [[self._cls, *ids, self._sep]]
        stride = max(1, span // 2)
        starts = list(range(0, len(ids) - span, stride)) + [len(ids) - span]
        return [[self._cls, *ids[s : s + span], self._sep] for s in starts]

    def logits(self, texts: list[str], normalised: bool = False) -> tuple[list[np.ndarray], list[int]]:
        """Raw logits per head for every window, and each window's text index."""
        seqs: list[list[int]] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for w in self.windows(text, normalised):
                seqs.append(w)
                owner.append(i)
        out = [np.zeros((len(seqs), len(h.labels)), dtype=np.float32) for h in self.card.heads]
        order = sorted(range(len(seqs)), key=lambda k: len(seqs[k]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            width = max(len(seqs[k]) for k in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, k in enumerate(idx):
                ids[row, : len(seqs[k])] = seqs[k]
                mask[row, : len(seqs[k])] = 1
            for j, head_logits in enumerate(self.runner.predict(ids, mask)):
                out[j][idx] = head_logits
        return out, owner

    def probabilities(
        self, texts: list[str], calibrated: bool = True, normalised: bool = False
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """Calibrated [texts, labels] probabilities per head, and the number of
        windows each text was scored on."""
        window_logits, owner = self.logits(texts, normalised)
        return self.aggregate(window_logits, owner, len(texts), calibrated)

    def aggregate(
        self, window_logits: list[np.ndarray], owner: list[int], n_texts: int, calibrated: bool = True
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """Per text, the probabilities of its highest-risk window.
        `calibrated=False` (temperature 1) exists to measure calibration."""
        owner_arr = np.asarray(owner, dtype=int)
        counts = np.bincount(owner_arr, minlength=n_texts)
        result = []
        for spec, logits in zip(self.card.heads, window_logits, strict=True):
            probs = softmax(logits, spec.temperature if calibrated else 1.0)
            if len(owner) == n_texts:
                result.append(probs)
                continue
            neg = spec.labels.index(spec.negative_label)
            per_text = np.zeros((n_texts, len(spec.labels)), dtype=np.float32)
            for i in range(n_texts):
                rows = np.flatnonzero(owner_arr == i)
                per_text[i] = probs[rows[np.argmin(probs[rows, neg])]]
            result.append(per_text)
        return result, counts

    def score(self, texts: list[str], normalised: bool = False) -> list[HeadScores]:
        if not texts:
            return []
        probs, counts = self.probabilities(texts, normalised=normalised)
        return head_scores(self.card, probs, counts)


def head_scores(card: ModelCard, probs: list[np.ndarray], windows: np.ndarray) -> list[HeadScores]:
    """Per text, every head's label probabilities as a HeadScores (any model kind)."""
    return [
        HeadScores(
            model_version=card.version,
            probs={
                spec.name: {lab: float(p) for lab, p in zip(spec.labels, probs[j][i], strict=True)}
                for j, spec in enumerate(card.heads)
            },
            windows=int(windows[i]),
        )
        for i in range(len(windows))
    ]
