"""The model registry: `models/<version>/` folders, one pointer per language
(`models/CURRENT` for English, `models/CURRENT-hi` for Hindi: the card's
`language` says which), and the audit trail of who served what when (the
store's `model_events`). The service watches the pointers and reloads on its own.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.inference.card import CARD_FILE, ModelFolderError, load_card, pointer_name
from service.inference.probe import load_checked
from service.settings import PROJECT_ROOT
from service.store import model_events
from service.store.db import Database


def language_of(models_dir: Path, version: str) -> str:
    """The language a version serves, from its card."""
    return load_card(models_dir / version, verify_files=False).language


def set_current(models_dir: Path, version: str) -> None:
    """Point the version's language pointer at it atomically: write a temp
    file, then rename, so a reader never sees a half-written pointer."""
    if not (models_dir / version / CARD_FILE).is_file():
        raise FileNotFoundError(f"{models_dir / version} has no {CARD_FILE}")
    name = pointer_name(language_of(models_dir, version))
    tmp = models_dir / f".{name}.{os.getpid()}"
    tmp.write_text(version + "\n", encoding="utf-8")
    tmp.replace(models_dir / name)


def link_served(models: Path, language: str, source: Path = PROJECT_ROOT / "models") -> str:
    """Serve, from another models folder (a test's, a benchmark's scratch),
    the version `source` serves for `language`: symlinked, not copied."""
    version = current_version(source, language)
    if version is None:
        raise ModelFolderError(f"{source}: no {pointer_name(language)} pointer")
    (models / version).symlink_to((source / version).resolve())
    (models / pointer_name(language)).write_text(version + "\n", encoding="utf-8")
    return version


def current_version(models_dir: Path, language: str = "en") -> str | None:
    pointer = models_dir / pointer_name(language)
    return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None


@dataclass(frozen=True)
class VersionInfo:
    version: str
    created_at: str
    parent: str | None
    gate: str  # passed | refused | - (not retrained)
    f1: dict[str, float]  # validation macro F1 per head
    current: bool
    language: str = "en"
    checks: list[dict[str, Any]] = field(default_factory=list)  # the retraining gate's checks


def _validation_f1(card: dict[str, Any]) -> dict[str, float]:
    """From the retraining gate if the version was retrained, else from
    `harmlabel evaluate`'s figures in the card."""
    gate = card.get("retraining", {}).get("gate")
    if gate:
        return {h: m["candidate"] for h, m in gate["validation"].items()}
    heads = card.get("metrics", {}).get("validation", {}).get("heads", {})
    return {h: m["f1_macro"] if "f1_macro" in m else m["f1"] for h, m in heads.items() if isinstance(m, dict)}


def versions(models_dir: Path) -> list[VersionInfo]:
    """Every folder with a readable card, oldest first."""
    served = {p.read_text(encoding="utf-8").strip() for p in models_dir.glob("CURRENT*") if p.is_file()}
    out = []
    for folder in sorted(p for p in models_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        retraining = card.get("retraining", {})
        gate = retraining.get("gate")
        out.append(
            VersionInfo(
                version=folder.name,
                created_at=str(card.get("created_at", "")),
                parent=retraining.get("parent"),
                gate="-" if gate is None else ("passed" if gate["passed"] else "refused"),
                f1=_validation_f1(card),
                current=folder.name in served,
                language=str(card.get("language", "en")),
                checks=list((gate or {}).get("checks", [])),
            )
        )
    return sorted(out, key=lambda v: v.created_at)


def promote(models_dir: Path, db: Database, version: str, actor: str, reason: str) -> str | None:
    """Serve `version`: it must load and pass the smoke test here first, so a
    human cannot point CURRENT at a model the service would refuse. Returns
    the version it replaced."""
    load_checked(models_dir / version)
    previous = current_version(models_dir, language_of(models_dir, version))
    set_current(models_dir, version)
    model_events.record(db, "promote", version, actor, {"reason": reason}, previous=previous)
    return previous


def rollback(models_dir: Path, db: Database, actor: str, language: str = "en") -> str:
    """Serve again the version the language's current one replaced (by the
    last promotion to it); repeated rollbacks walk back through the lineage."""
    served = current_version(models_dir, language)
    promotions = [e for e in model_events.history(db, ("promote",)) if e.version == served]
    if not promotions or not promotions[-1].previous:
        raise ModelFolderError(f"no recorded promotion to {served}: nothing to roll back to")
    target = promotions[-1].previous
    load_checked(models_dir / target)
    set_current(models_dir, target)
    model_events.record(db, "rollback", target, actor, {"from": served}, previous=served)
    return target
