"""Which examples count when a head is scored: shared by evaluation, the
plots, the gate and the parity check (so none of them imports another)."""

from __future__ import annotations

import numpy as np

from training.corpus import Example


def labelled(
    examples: list[Example], head: str, labels: tuple[str, ...], source: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of examples an annotator labelled for `head` (optionally from
    `source`) and their label ids. Weak background labels are not scored."""
    idx, y = [], []
    for i, ex in enumerate(examples):
        label = ex.labels[head]
        if label is None or head in ex.weak:
            continue
        if source is None or source in ex.label_sources[head]:
            idx.append(i)
            y.append(labels.index(label))
    return np.array(idx, dtype=int), np.array(y, dtype=int)
