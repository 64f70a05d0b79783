"""A disk cache of the built corpus, shared by every `harmlabel` command.

Building the corpus (checksums, 16 loaders, normalisation, near-duplicate
grouping) takes 25-50 s on 2 cores, and train, export, evaluate, retrain and
the scheduler each ran it again in their own process: about a fifth of the
test suite's time went to rebuilding the same corpus. A build is now pickled
once per input state and loaded in about a second.

The key covers everything the build reads, so a stale cache cannot be used:
the manifest, each data file's path, size and modification time (a changed
file is checksummed again by the rebuild that follows), the source of the
code that builds it (`training/corpus/`, `service/text/`) and the Python
version. `HARMLABEL_CACHE_DIR` moves the cache (default `~/.cache/harmlabel`);
`HARMLABEL_CORPUS_CACHE=0` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

from training.corpus.manifest import MANIFEST_PATH, Manifest

KEEP = 3  # builds kept: enough for a branch switch and back

_CODE_DIRS = (Path(__file__).resolve().parent, Path(__file__).resolve().parents[2] / "service" / "text")


def cache_dir() -> Path:
    return Path(os.environ.get("HARMLABEL_CACHE_DIR") or Path.home() / ".cache" / "harmlabel") / "corpus"


def enabled() -> bool:
    return os.environ.get("HARMLABEL_CORPUS_CACHE", "1") not in ("0", "false", "no")


def key(data_dir: Path, manifest: Manifest) -> str:
    """Digest of every input to the build (see the module docstring)."""
    h = hashlib.sha256()
    h.update(sys.version.encode())
    h.update(MANIFEST_PATH.read_bytes())
    for source in manifest.sources:
        for f in source.files:
            path = data_dir / f.path
            stat = path.stat() if path.is_file() else None
            h.update(f"{f.path}:{stat and stat.st_size}:{stat and stat.st_mtime_ns}\n".encode())
    for folder in _CODE_DIRS:
        for code in sorted(folder.rglob("*.py")):
            h.update(code.name.encode() + code.read_bytes())
    return h.hexdigest()[:32]


def load(digest: str) -> Any | None:
    path = cache_dir() / f"{digest}.pickle"
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None  # a torn or outdated file: rebuild and overwrite it


def store(digest: str, value: Any) -> None:
    """Write atomically (rename), so a concurrent reader never sees half a file."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        Path(fh.name).replace(folder / f"{digest}.pickle")
        for old in sorted(folder.glob("*.pickle"), key=lambda f: f.stat().st_mtime)[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home must not stop a build
