"""The unified corpus, built from the real files in the data folder."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console

from service.text import normalise
from training.corpus import Corpus, build_corpus, dedup_key
from training.corpus.build import hash_split
from training.corpus.heads import HEADS
from training.corpus.stats import as_dict, render


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path) -> Corpus:
    return build_corpus(corpus_dir)


def test_every_example_has_valid_labels(corpus: Corpus) -> None:
    assert len(corpus.examples) > 50_000
    for ex in corpus.examples:
        known = {h: lab for h, lab in ex.labels.items() if lab is not None}
        assert known, ex.id
        for head, label in known.items():
            assert label in HEADS[head]
            assert ex.label_sources[head], (ex.id, head)
        assert ex.text == normalise(ex.raw_text)


def test_near_duplicates_never_straddle_splits(corpus: Corpus) -> None:
    keys = Counter(dedup_key(ex.text) for ex in corpus.examples)
    assert keys.most_common(1)[0][1] == 1, "two examples share a dedup key"
    ids = Counter(ex.id for ex in corpus.examples)
    assert ids.most_common(1)[0][1] == 1


def test_nlp4if_tweets_reappearing_in_checkthat_are_merged(corpus: Corpus) -> None:
    both = [ex for ex in corpus.examples if {"nlp4if2021", "checkthat2022_1c"} <= set(ex.sources)]
    assert len(both) > 900  # the data README reports 1,058 shared tweets
    agreeing = sum(ex.labels["harm"] is not None for ex in both)
    assert agreeing / len(both) > 0.98
    conflicted = [ex for ex in both if ex.labels["harm"] is None]
    assert corpus.report.conflicts["harm"] >= len(conflicted) > 0


def test_constraint_overlaps_with_coaid_and_rumors_are_merged(corpus: Corpus) -> None:
    pairs = corpus.report.duplicates_across
    assert pairs[("constraint_en", "coaid")] > 0
    assert pairs[("constraint_en", "covid_rumor")] > 0


def test_corrupt_rows_are_dropped_and_counted(corpus: Corpus) -> None:
    dropped = corpus.report.dropped
    assert dropped[("utkml_spam", "unknown_label Type='South Dakota'")] == 2
    assert dropped[("covid_rumor", "unknown_label label='U(Twitter)'")] == 1
    assert corpus.report.duplicates_within["utkml_spam"] > 150  # README: about 217 duplicates


def test_rows_read_match_the_files(corpus: Corpus, corpus_dir: Path) -> None:
    with (corpus_dir / "constraint_en" / "Constraint_Train.csv").open(encoding="utf-8") as fh:
        train_rows = sum(1 for _ in csv.DictReader(fh))
    assert train_rows == 6383
    assert corpus.report.rows_read["constraint_en"] == 6383 + 2129
    assert corpus.report.rows_read["nlp4if2021"] == 747 + 49 + 323


def test_official_validation_splits_are_kept(corpus: Corpus, corpus_dir: Path) -> None:
    with (corpus_dir / "constraint_en" / "Constraint_Val.csv").open(encoding="utf-8") as fh:
        val_keys = {dedup_key(normalise(r["tweet"])) for r in csv.DictReader(fh)}
    by_key = {dedup_key(ex.text): ex for ex in corpus.examples}
    splits = Counter(by_key[k].split for k in val_keys if k in by_key)
    # Validation unless the same text sits in some source's official test split.
    assert splits["train"] == 0
    assert splits["validation"] > 0.95 * sum(splits.values())


def test_hash_split_is_deterministic_and_about_80_10_10(corpus: Corpus) -> None:
    assert hash_split("the same key") == hash_split("the same key")
    davidson = Counter(ex.split for ex in corpus.examples if ex.sources == ("davidson",))
    total = sum(davidson.values())
    assert 0.77 < davidson["train"] / total < 0.83
    assert 0.08 < davidson["validation"] / total < 0.12


def test_only_english_and_hindi(corpus: Corpus) -> None:
    langs = Counter(ex.lang for ex in corpus.examples)
    assert set(langs) == {"en", "hi"}


def test_stats_cover_every_head_label(corpus: Corpus) -> None:
    data = as_dict(corpus)
    assert data["examples"] == len(corpus.examples)
    assert sum(data["splits"].values()) == len(corpus.examples)
    seen = {(r["head"], r["label"]) for r in data["labels"]}
    assert seen == {(h, lab) for h, labels in HEADS.items() for lab in labels}
    console = Console(width=320, record=True)
    render(corpus, console)
    text = console.export_text()
    assert "hate_or_threat" in text and "Clean-up per source" in text


def test_cli_data_verify_and_stats(corpus_dir: Path) -> None:
    cli = [sys.executable, "-m", "harmlabel", "data"]
    ok = subprocess.run([*cli, "verify", "--data-dir", str(corpus_dir)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "match the manifest" in ok.stdout
    bad = subprocess.run([*cli, "verify", "--data-dir", "/nonexistent"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "HARMLABEL_CORPUS_DIR" in bad.stderr


def test_everyday_tweets_teach_only_through_weak_labels(corpus: Corpus) -> None:
    everyday = [ex for ex in corpus.examples if ex.sources == ("tweeteval_emoji",)]
    assert len(everyday) > 40_000
    for ex in everyday[:2000]:
        assert ex.labels["veracity"] is None  # no claim, no veracity
        assert ex.weak == {"claim", "harm", "spam", "abuse"}
        assert ex.labels["claim"] == "no_claim" and ex.labels["spam"] == "not_spam"


def test_an_annotators_label_wins_over_a_weak_one(corpus: Corpus) -> None:
    # HatEval tweets are weakly "not spam" only; their abuse label is an annotator's.
    hate = [ex for ex in corpus.examples if ("tweeteval_hate", "hate", "1") in ex.fields]
    assert len(hate) > 3000 and all("abuse" not in ex.weak for ex in hate)
    alone = [ex for ex in hate if ex.sources == ("tweeteval_hate",)]
    # (None where HatEval itself holds the same text as both hate and not hate)
    assert alone and all(ex.labels["abuse"] in ("hate_or_threat", None) for ex in alone)
    assert sum(ex.labels["abuse"] == "hate_or_threat" for ex in alone) > 0.95 * len(alone)
    # Where an everyday tweet was also annotated elsewhere, the annotation is kept, not weakened.
    shared = [ex for ex in corpus.examples if "tweeteval_emoji" in ex.sources and len(ex.sources) > 1]
    for ex in shared:
        for head in ex.weak:
            assert set(ex.label_sources[head]) <= {s for s in ex.sources if s.startswith("tweeteval")}


def test_checkthat_1b_claims_merge_with_1c_harm_labels(corpus: Corpus) -> None:
    both = [ex for ex in corpus.examples if {"checkthat2022_1b", "checkthat2022_1c"} <= set(ex.sources)]
    assert len(both) > 3000  # the same tweet ids
    assert {ex.labels["claim"] for ex in both} >= {"claim", "no_claim"}
    assert sum(ex.labels["harm"] is not None for ex in both) / len(both) > 0.95


def test_untargeted_profanity_is_not_abuse(corpus: Corpus) -> None:
    untargeted = [ex for ex in corpus.examples if ("olid", "subtask_b", "UNT") in ex.fields]
    targeted = [ex for ex in corpus.examples if ("olid", "subtask_b", "TIN") in ex.fields]
    assert len(untargeted) > 400 and len(targeted) > 3000
    assert Counter(ex.labels["abuse"] for ex in untargeted).most_common(1)[0][0] == "none"
    assert {ex.labels["abuse"] for ex in targeted} <= {"offensive", "hate_or_threat", None}


def test_the_disk_cache_returns_what_a_fresh_build_makes(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The corpus, stored and loaded again, is equal to itself (on a fresh
    machine the session's first `build_corpus` is a real build); and touching
    one data file changes the key, so the next command rebuilds."""
    from training.corpus import cache, load_manifest

    monkeypatch.setenv("HARMLABEL_CACHE_DIR", str(tmp_path / "cache"))
    manifest = load_manifest()
    built = build_corpus(corpus_dir)
    digest = cache.key(corpus_dir, manifest)
    assert cache.load(digest) is None
    cache.store(digest, built)
    loaded = cache.load(digest)
    assert isinstance(loaded, Corpus)
    assert loaded.examples == built.examples and loaded.report == built.report

    copy = tmp_path / "data"
    for source in manifest.sources:
        for f in source.files:
            (copy / f.path).parent.mkdir(parents=True, exist_ok=True)
            (copy / f.path).symlink_to((corpus_dir / f.path).resolve())
    first = manifest.sources[0].files[0].path
    (copy / first).unlink()
    (copy / first).write_bytes((corpus_dir / first).read_bytes())
    before = cache.key(copy, manifest)
    (copy / first).write_bytes((corpus_dir / first).read_bytes() + b"\n")
    assert cache.key(copy, manifest) != before
    assert cache.load(cache.key(copy, manifest)) is None
