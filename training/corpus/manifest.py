"""The data manifest: which files the corpus uses, where they came from, and
their checksums.

The corpus itself never enters the repository. The manifest pins each file by
sha256, so a training run on a machine whose data folder drifted fails before
it trains on something nobody reviewed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from service.inference.card import sha256_file

MANIFEST_PATH = Path(__file__).resolve().parent / "manifest.toml"
SPLITS = ("train", "validation", "test")


class ManifestError(RuntimeError):
    """The data folder does not match the manifest."""


@dataclass(frozen=True, slots=True)
class DataFile:
    path: str  # relative to the data folder
    upstream_path: str  # path inside the upstream repository
    upstream_path_status: str  # found | inferred | unknown
    split: str | None  # official split, or None where the source has none
    sha256: str


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    title: str
    repository: str
    commit: str
    license: str
    citation: str
    lang: str
    files: tuple[DataFile, ...]


@dataclass(frozen=True, slots=True)
class Manifest:
    sources: tuple[Source, ...]

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)


def load_manifest(path: Path = MANIFEST_PATH) -> Manifest:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    sources = []
    for name, entry in raw["sources"].items():
        files = tuple(
            DataFile(f["path"], f["upstream_path"], f["upstream_path_status"], f.get("split"), f["sha256"])
            for f in entry["files"]
        )
        for f in files:
            if f.split is not None and f.split not in SPLITS:
                raise ManifestError(f"{name}: {f.path}: split {f.split!r} is not one of {SPLITS}")
        sources.append(
            Source(
                name=name,
                title=entry["title"],
                repository=entry["repository"],
                commit=entry["commit"],
                license=entry["license"],
                citation=entry["citation"],
                lang=entry["lang"],
                files=files,
            )
        )
    return Manifest(tuple(sources))


def verify(manifest: Manifest, data_dir: Path) -> None:
    """Check every file exists and matches its checksum; report all problems
    at once so a maintainer fixes the data folder in one pass."""
    if not data_dir.is_dir():
        raise ManifestError(
            f"data folder {data_dir} does not exist; set HARMLABEL_CORPUS_DIR to the corpus folder"
        )
    problems = []
    for source in manifest.sources:
        for f in source.files:
            path = data_dir / f.path
            if not path.is_file():
                problems.append(f"missing: {f.path} (source {source.name})")
            elif (actual := sha256_file(path)) != f.sha256:
                problems.append(f"checksum mismatch: {f.path}: expected {f.sha256}, got {actual}")
    if problems:
        raise ManifestError(
            f"data folder {data_dir} does not match the manifest:\n  " + "\n  ".join(problems)
        )
