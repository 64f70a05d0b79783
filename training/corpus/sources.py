"""One loader per source: the file formats as they are, turned into rows.

A loader knows only how its files are laid out. It yields `SourceRow`s with
the raw text and the source's own (field, value) labels; `mapping.py` says what
those labels mean for our heads, and `build.py` cleans and merges.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from training.corpus.manifest import DataFile, Source

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True, slots=True)
class SourceRow:
    text: str
    fields: list[tuple[str, str]]
    split: str | None
    row_id: str
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Malformed:
    """A row whose layout is broken (wrong column count), kept for the report."""

    row_id: str
    reason: str


Loader = Callable[[Source, Path], Iterator[SourceRow | Malformed]]
LOADERS: dict[str, Loader] = {}


def loader(name: str) -> Callable[[Loader], Loader]:
    def register(fn: Loader) -> Loader:
        LOADERS[name] = fn
        return fn

    return register


def _read(path: Path, *, tsv: bool, header: bool) -> Iterator[list[str]]:
    """Rows of a CSV/TSV file. TSVs here never quote, so quotes stay text."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if tsv else csv.reader(fh)
        if header:
            next(reader, None)
        yield from reader


def _columns(
    src: Source, data_dir: Path, *, tsv: bool, header: bool, width: int
) -> Iterator[tuple[DataFile, int, list[str] | Malformed]]:
    """Every row of every file of a source, with rows of the wrong width
    reported as Malformed rather than raising mid-corpus."""
    for f in src.files:
        for i, row in enumerate(_read(data_dir / f.path, tsv=tsv, header=header)):
            if len(row) != width:
                yield f, i, Malformed(f"{f.path}:{i}", f"expected {width} columns, got {len(row)}")
            else:
                yield f, i, row


def _simple(
    name: str, *, tsv: bool, header: bool, width: int, text: int, labels: dict[str, int],
    row_id: int | None = None,
) -> Loader:  # fmt: skip
    """A loader for the common case: one text column and named label columns."""

    def load(src: Source, data_dir: Path) -> Iterator[SourceRow | Malformed]:
        for f, i, row in _columns(src, data_dir, tsv=tsv, header=header, width=width):
            if isinstance(row, Malformed):
                yield row
                continue
            yield SourceRow(
                text=row[text],
                fields=[(fld, row[col].strip()) for fld, col in labels.items()],
                split=f.split,
                row_id=row[row_id] if row_id is not None else f"{f.path}:{i}",
            )

    LOADERS[name] = load
    return load


# id,tweet,label
_simple("constraint_en", tsv=False, header=True, width=3, text=1, labels={"label": 2}, row_id=0)
# topic, tweet_id, tweet_url, tweet_text, class_label
_simple("checkthat2022_1c", tsv=True, header=True, width=5, text=3, labels={"class_label": 4}, row_id=1)
_simple("checkthat2022_1d", tsv=True, header=True, width=5, text=3, labels={"class_label": 4}, row_id=1)
# 1A (check-worthy) and 1B (verifiable claim) label the same tweet ids as 1C/1D;
# build.py merges them with 1C/1D through the near-duplicate key.
_simple("checkthat2022_1a", tsv=True, header=True, width=5, text=3, labels={"class_label": 4}, row_id=1)
_simple("checkthat2022_1b", tsv=True, header=True, width=5, text=3, labels={"class_label": 4}, row_id=1)
# Unnamed: 0, count, hate_speech, offensive_language, neither, class, tweet
_simple("davidson", tsv=False, header=True, width=7, text=6, labels={"class": 5}, row_id=0)
# id, tweet, subtask_a, subtask_b, subtask_c
_simple("olid", tsv=True, header=True, width=5, text=1,
        labels={"subtask_a": 2, "subtask_b": 3, "subtask_c": 4}, row_id=0)  # fmt: skip
# Label, SMS
_simple("sms_spam", tsv=True, header=True, width=2, text=1, labels={"Label": 0})


@loader("nlp4if2021")
def _nlp4if(src: Source, data_dir: Path) -> Iterator[SourceRow | Malformed]:
    # tweet_no, tweet_text, q1..q7; the test-gold file has no header row.
    for f in src.files:
        for i, row in enumerate(_read(data_dir / f.path, tsv=True, header=False)):
            if row and row[0] == "tweet_no":
                continue
            if len(row) != 9:
                yield Malformed(f"{f.path}:{i}", f"expected 9 columns, got {len(row)}")
                continue
            qs = [("q1", row[2]), ("q2", row[3]), ("q6", row[7])]
            yield SourceRow(row[1], qs, f.split, f"{f.path}:{row[0]}")


@loader("covid_rumor")
def _covid_rumor(src: Source, data_dir: Path) -> Iterator[SourceRow | Malformed]:
    # Twitter.csv: No., label, content, ... (header); news.csv: idx, label, content, x (none).
    for f in src.files:
        is_twitter = f.path.endswith("Twitter.csv")
        for i, row in enumerate(_read(data_dir / f.path, tsv=False, header=is_twitter)):
            if len(row) < 3:
                yield Malformed(f"{f.path}:{i}", f"expected at least 3 columns, got {len(row)}")
                continue
            yield SourceRow(row[2], [("label", row[1].strip())], f.split, f"{f.path}:{row[0]}")


@loader("coaid")
def _coaid(src: Source, data_dir: Path) -> Iterator[SourceRow | Malformed]:
    # The label is in the file name (…_ClaimFakeCOVID-19.csv); the text is `title`.
    for f in src.files:
        kind = Path(f.path).name.split("_", 1)[1].removesuffix("COVID-19.csv")
        with (data_dir / f.path).open(encoding="utf-8", newline="") as fh:
            for i, rec in enumerate(csv.DictReader(fh)):
                if rec.get("title") is None:
                    yield Malformed(f"{f.path}:{i}", "no title column")
                    continue
                yield SourceRow(rec["title"], [("kind", kind)], f.split, f"{f.path}:{i}")


@loader("liar")
def _liar(src: Source, data_dir: Path) -> Iterator[SourceRow | Malformed]:
    # No header: id, label, statement, subject, speaker, ... (14 columns).
    for f, _, row in _columns(src, data_dir, tsv=True, header=False, width=14):
        if isinstance(row, Malformed):
            yield row
            continue
        # The re-host escapes quotes as \" inside unquoted TSV.
        text = row[2].replace('\\"', '"')
        yield SourceRow(text, [("label", row[1].strip())], f.split, row[0],
                        {"speaker": row[4], "party": row[7]})  # fmt: skip


@loader("utkml_spam")
def _utkml(src: Source, data_dir: Path) -> Iterator[SourceRow | Malformed]:
    # Tweet, following, followers, actions, is_retweet, location, Type, Unnamed: 7
    for f, i, row in _columns(src, data_dir, tsv=False, header=True, width=8):
        if isinstance(row, Malformed):
            yield row
            continue
        meta = {"following": row[1], "followers": row[2], "actions": row[3]}
        yield SourceRow(row[0], [("Type", row[6].strip())], f.split, f"{f.path}:{i}", meta)


@loader("constraint_hindi")
def _hindi(src: Source, data_dir: Path) -> Iterator[SourceRow | Malformed]:
    # No header: text, comma-separated multi-label ("hate,offensive").
    for f, i, row in _columns(src, data_dir, tsv=False, header=False, width=2):
        if isinstance(row, Malformed):
            yield row
            continue
        labels = [("label", lab.strip()) for lab in row[1].split(",") if lab.strip()]
        yield SourceRow(row[0], labels, f.split, f"{f.path}:{i}")


def _tweeteval(task: str) -> Loader:
    """TweetEval keeps one tweet per line in `{split}_text.txt` and its label on
    the same line of the sibling `{split}_labels.txt`. A count mismatch between
    the two files would misalign every label after it, so it fails loudly."""

    def load(src: Source, data_dir: Path) -> Iterator[SourceRow | Malformed]:
        for f in src.files:
            if not f.path.endswith("_text.txt"):
                continue
            texts = (data_dir / f.path).read_text(encoding="utf-8").split("\n")
            labels_path = data_dir / f.path.replace("_text.txt", "_labels.txt")
            labels = labels_path.read_text(encoding="utf-8").split("\n")
            texts, labels = _drop_trailing_blank(texts), _drop_trailing_blank(labels)
            if len(texts) != len(labels):
                raise ValueError(f"{f.path}: {len(texts)} texts but {len(labels)} labels")
            for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
                yield SourceRow(text, [(task, label.strip())], f.split, f"{f.path}:{i}")

    LOADERS[f"tweeteval_{task}"] = load
    return load


def _drop_trailing_blank(lines: list[str]) -> list[str]:
    return lines[:-1] if lines and not lines[-1].strip() else lines


for _task in ("emoji", "emotion", "irony", "sentiment", "hate"):
    _tweeteval(_task)
