"""From raw source rows to one clean, deduplicated, split training corpus.

Reading top to bottom: verify the manifest, load every source, map labels,
normalise, group near-duplicates, resolve label conflicts, assign splits.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from service.text import MENTION_PLACEHOLDER, URL_PLACEHOLDER, normalise
from training.corpus import cache
from training.corpus.heads import HEADS, Labels
from training.corpus.manifest import SPLITS, Manifest, load_manifest, verify
from training.corpus.mapping import BACKGROUND, UnknownLabelError, map_row
from training.corpus.sources import LOADERS, Malformed, SourceRow

# Sources without an official split are split 80/10/10 by a hash of the
# dedup key, so near-duplicates (same key) always land together.
HASH_SPLIT = (("train", 80), ("validation", 90), ("test", 100))
_PLACEHOLDERS = re.compile(rf"\b{URL_PLACEHOLDER}\b|{MENTION_PLACEHOLDER}\b")
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str  # normalised: what the model sees
    raw_text: str  # as the first source wrote it
    lang: str
    split: str
    sources: tuple[str, ...]
    labels: Labels  # head -> label, or None where no source knows
    label_sources: dict[str, tuple[str, ...]]  # head -> sources that voted for the label
    weak: frozenset[str] = frozenset()  # heads labelled only by a source's BACKGROUND prior
    # (source, field, value) of every merged row: the source's own labels, so
    # reports can select "OLID NOT" or "CONSTRAINT fake" exactly.
    fields: frozenset[tuple[str, str, str]] = frozenset()


@dataclass(slots=True)
class BuildReport:
    rows_read: Counter[str] = field(default_factory=Counter)
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter)  # (source, reason)
    duplicates_within: Counter[str] = field(default_factory=Counter)  # source -> rows merged
    duplicates_across: Counter[tuple[str, str]] = field(default_factory=Counter)  # source pairs
    conflicts: Counter[str] = field(default_factory=Counter)  # head -> examples
    examples_per_split: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class Corpus:
    examples: list[Example]
    report: BuildReport

    def split(self, name: str) -> list[Example]:
        return [e for e in self.examples if e.split == name]


@dataclass(frozen=True, slots=True)
class _Row:
    source: str
    lang: str
    row: SourceRow
    text: str
    labels: dict[str, str]
    weak: dict[str, str]


def dedup_key(normalised_text: str) -> str:
    """Near-duplicate identity: case, punctuation, URLs and mentions ignored."""
    return " ".join(_TOKEN.findall(_PLACEHOLDERS.sub(" ", normalised_text).casefold()))


def hash_split(key: str) -> str:
    bucket = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % 100
    return next(name for name, upper in HASH_SPLIT if bucket < upper)


def build_corpus(data_dir: Path, manifest: Manifest | None = None) -> Corpus:
    """Build (once per process and folder: train, export and evaluate share it)."""
    if manifest is not None:
        return _build(data_dir, manifest)
    return _build_cached(data_dir.resolve())


@functools.cache
def _build_cached(data_dir: Path) -> Corpus:
    """Memory, then disk (training/corpus/cache.py), then a real build."""
    manifest = load_manifest()
    if not cache.enabled():
        return _build(data_dir, manifest)
    digest = cache.key(data_dir, manifest)
    cached = cache.load(digest)
    if isinstance(cached, Corpus):
        return cached
    corpus = _build(data_dir, manifest)
    cache.store(digest, corpus)
    return corpus


def _build(data_dir: Path, manifest: Manifest) -> Corpus:
    verify(manifest, data_dir)
    report = BuildReport()
    groups: dict[str, list[_Row]] = {}
    for source in manifest.sources:
        for item in LOADERS[source.name](source, data_dir):
            report.rows_read[source.name] += 1
            if isinstance(item, Malformed):
                report.dropped[(source.name, "malformed_row")] += 1
                continue
            try:
                labels = map_row(source.name, item.fields)
            except UnknownLabelError as exc:
                field_, value = exc.args[0]
                report.dropped[(source.name, f"unknown_label {field_}={value!r}")] += 1
                continue
            weak = {h: v for h, v in BACKGROUND.get(source.name, {}).items() if h not in labels}
            if not labels and not weak:
                report.dropped[(source.name, "no_head_label")] += 1
                continue
            text = normalise(item.text)
            key = dedup_key(text)
            if not key:
                report.dropped[(source.name, "empty_text")] += 1
                continue
            groups.setdefault(key, []).append(_Row(source.name, source.lang, item, text, labels, weak))

    examples = []
    for key, rows in groups.items():
        example = _merge(key, rows, report)
        if example is not None:
            examples.append(example)
            report.examples_per_split[example.split] += 1
    return Corpus(examples, report)


def _merge(key: str, rows: list[_Row], report: BuildReport) -> Example | None:
    """One example per near-duplicate group. A head keeps its label only when
    every row that labels it agrees; otherwise it becomes unknown (masked).
    A weak (background) label counts only where no annotator labels the head."""
    seen: list[str] = []
    for r in rows:
        if r.source in seen:
            report.duplicates_within[r.source] += 1
        else:
            if seen:
                report.duplicates_across[(seen[0], r.source)] += 1
            seen.append(r.source)

    labels: Labels = dict.fromkeys(HEADS)
    label_sources: dict[str, tuple[str, ...]] = {}
    weak: set[str] = set()
    for head in HEADS:
        voters = [(r.source, r.labels[head]) for r in rows if head in r.labels]
        if not voters:
            voters = [(r.source, r.weak[head]) for r in rows if head in r.weak]
            if voters:
                weak.add(head)
        votes = {label for _, label in voters}
        if len(votes) == 1:
            labels[head] = votes.pop()
            label_sources[head] = tuple(dict.fromkeys(source for source, _ in voters))
        elif len(votes) > 1:
            weak.discard(head)
            report.conflicts[head] += 1
    if not label_sources:
        for r in rows:
            report.dropped[(r.source, "conflicting_labels")] += 1
        return None

    first = rows[0]
    return Example(
        id=hashlib.sha256(key.encode()).hexdigest()[:16],
        text=first.text,
        raw_text=first.row.text,
        lang=first.lang,
        split=_split(key, rows),
        sources=tuple(seen),
        labels=labels,
        label_sources=label_sources,
        weak=frozenset(weak),
        fields=frozenset((r.source, f, v) for r in rows for f, v in r.row.fields),
    )


def _split(key: str, rows: list[_Row]) -> str:
    """An official split wins (test over validation over train, so evaluation
    sets stay whole); sources without one use the hash split."""
    official = {r.row.split for r in rows if r.row.split}
    for name in reversed(SPLITS):
        if name in official:
            return name
    return hash_split(key)
