"""The model registry on disk: `models/<version>/` folders and `models/CURRENT`."""

from __future__ import annotations

import os
from pathlib import Path


def set_current(models_dir: Path, version: str) -> None:
    """Point CURRENT at `version` atomically: write a temp file, then rename,
    so a reader never sees a half-written pointer."""
    if not (models_dir / version / "card.json").is_file():
        raise FileNotFoundError(f"{models_dir / version} has no card.json")
    tmp = models_dir / f".CURRENT.{os.getpid()}"
    tmp.write_text(version + "\n", encoding="utf-8")
    tmp.replace(models_dir / "CURRENT")
