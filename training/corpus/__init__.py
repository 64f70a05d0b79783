"""The unified training corpus: manifest, per-source loaders, label mapping, build."""

from training.corpus.build import BuildReport, Corpus, Example, build_corpus, dedup_key
from training.corpus.heads import HEADS
from training.corpus.manifest import Manifest, ManifestError, load_manifest, verify

__all__ = [
    "HEADS",
    "BuildReport",
    "Corpus",
    "Example",
    "Manifest",
    "ManifestError",
    "build_corpus",
    "dedup_key",
    "load_manifest",
    "verify",
]
