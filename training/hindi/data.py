"""CONSTRAINT 2021 Hindi hostile posts (Bhardwaj et al. 2020): one post per
row, labelled non-hostile or one or more of fake, hate, offensive,
defamation. The held-out test split is not in the corpus."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from service.text import normalise

FOLDER = "constraint_hindi_hostile"
FILES = {"train": "constraint_Hindi_Train.csv", "validation": "Constraint_Hindi_Valid.csv"}
FINE = ("fake", "hate", "offensive", "defamation")
HEADS = ("hostile", *FINE)
LICENSE = "none stated (CONSTRAINT 2021 shared task; siddjags/nnfornlp-project @791afcf)"


@dataclass(frozen=True)
class Split:
    texts: list[str]  # normalised, as the service sees them
    raw: list[str]
    labels: np.ndarray  # [posts, 5] 0/1 in HEADS order: hostile = any fine label

    def __len__(self) -> int:
        return len(self.texts)

    def head(self, name: str) -> np.ndarray:
        column: np.ndarray = self.labels[:, HEADS.index(name)]
        return column


def load(corpus_dir: Path, split: str, limit: int | None = None) -> Split:
    path = corpus_dir / FOLDER / FILES[split]
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh) if len(r) >= 2]
    rows = rows[:limit] if limit else rows
    fine = []
    for _, tags in rows:
        names = {t.strip() for t in tags.split(",")}
        unknown = names - {*FINE, "non-hostile"}
        if unknown:
            raise ValueError(f"{path}: unknown labels {sorted(unknown)}")
        fine.append([name in names for name in FINE])
    y = np.asarray(fine, dtype=int).reshape(-1, len(FINE))
    labels = np.column_stack([y.any(axis=1), y]).astype(int)
    return Split([normalise(r[0]) for r in rows], [r[0] for r in rows], labels)
