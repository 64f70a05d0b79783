"""Every cell of the label mapping, checked against HEADS and the real files."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from training.corpus.heads import HEADS, check_label
from training.corpus.manifest import load_manifest
from training.corpus.mapping import BACKGROUND, MAPPING, UnknownLabelError, map_row
from training.corpus.sources import LOADERS, Malformed

# Labels the data README calls corrupt: they must stay unmapped and be dropped.
KNOWN_CORRUPT = {("utkml_spam", ("Type", "South Dakota")), ("covid_rumor", ("label", "U(Twitter)"))}

CELLS = [(source, pair, cell) for source, table in MAPPING.items() for pair, cell in table.items()]


@pytest.mark.parametrize(("source", "pair", "cell"), CELLS, ids=[f"{s}:{p[0]}={p[1]}" for s, p, _ in CELLS])
def test_cell_names_valid_head_labels(source: str, pair: tuple[str, str], cell: dict[str, str]) -> None:
    for head, label in cell.items():
        check_label(head, label)


# What each source's labels mean, written from the data README's label schemes,
# not read back from the table: rows (as loaders yield them) → the training labels.
MEANINGS = [
    ("constraint_en", [("label", "fake")], {"veracity": "misleading"}),
    ("constraint_en", [("label", "real")], {"veracity": "credible"}),
    ("covid_rumor", [("label", "F")], {"veracity": "misleading", "claim": "claim"}),
    ("liar", [("label", "pants-fire")], {"veracity": "misleading", "claim": "claim"}),
    ("checkthat2022_1c", [("class_label", "1")], {"harm": "harmful"}),
    ("checkthat2022_1d", [("class_label", "yes_discusses_cure")], {"harm_type": "cure_claim"}),
    ("davidson", [("class", "0")], {"abuse": "hate_or_threat"}),
    ("davidson", [("class", "2")], {"abuse": "none"}),
    ("sms_spam", [("Label", "spam")], {"spam": "spam"}),
    ("tweeteval_sentiment", [("sentiment", "0")], {}),  # everyday tweets teach no head
    ("olid", [("subtask_a", "OFF"), ("subtask_b", "TIN")], {"abuse": "offensive"}),
    ("olid", [("subtask_a", "OFF"), ("subtask_b", "UNT")], {"abuse": "none"}),  # profanity at no one
]


@pytest.mark.parametrize(("source", "row", "expected"), MEANINGS, ids=[f"{s}:{r}" for s, r, _ in MEANINGS])
def test_rows_mean_what_their_source_says(
    source: str, row: list[tuple[str, str]], expected: dict[str, str]
) -> None:
    assert map_row(source, row) == expected


@pytest.fixture(scope="module")
def observed_pairs(corpus_dir: Path) -> dict[str, set[tuple[str, str]]]:
    seen: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for source in load_manifest().sources:
        for row in LOADERS[source.name](source, corpus_dir):
            if not isinstance(row, Malformed):
                seen[source.name].update(row.fields)
    return seen


def test_every_label_in_the_data_has_a_cell(observed_pairs: dict[str, set[tuple[str, str]]]) -> None:
    unmapped = {(s, p) for s, pairs in observed_pairs.items() for p in pairs if p not in MAPPING[s]}
    assert unmapped == KNOWN_CORRUPT


def test_every_cell_occurs_in_the_data(observed_pairs: dict[str, set[tuple[str, str]]]) -> None:
    dead = [(s, p) for s, p, _ in CELLS if p not in observed_pairs[s]]
    assert dead == []


def test_every_source_has_a_loader_and_a_table() -> None:
    names = {s.name for s in load_manifest().sources}
    assert names == set(LOADERS) == set(MAPPING)


def test_every_head_label_is_reachable() -> None:
    reachable = {(h, lab) for _, _, cell in CELLS for h, lab in cell.items()}
    assert reachable == {(h, lab) for h, labels in HEADS.items() for lab in labels}


def test_the_most_severe_label_wins_within_a_row() -> None:
    olid = [("subtask_a", "OFF"), ("subtask_b", "TIN"), ("subtask_c", "GRP")]
    assert map_row("olid", olid) == {"abuse": "hate_or_threat"}
    assert map_row("olid", [("subtask_a", "OFF"), ("subtask_b", "TIN"), ("subtask_c", "IND")]) == {
        "abuse": "offensive"
    }
    hindi = [("label", "hate"), ("label", "offensive"), ("label", "fake")]
    assert map_row("constraint_hindi", hindi) == {"abuse": "hate_or_threat", "veracity": "misleading"}


def test_unknown_label_raises() -> None:
    with pytest.raises(UnknownLabelError):
        map_row("davidson", [("class", "7")])


def test_check_label_rejects_typos() -> None:
    with pytest.raises(ValueError, match="unknown label"):
        check_label("abuse", "hateful")
    with pytest.raises(ValueError, match="unknown head"):
        check_label("toxicity", "none")


def test_background_labels_are_valid_and_name_real_sources() -> None:
    assert set(BACKGROUND) <= set(MAPPING)
    for cell in BACKGROUND.values():
        for head, label in cell.items():
            check_label(head, label)
        assert "veracity" not in cell  # no claim, no veracity


def test_olid_level_b_decides_whether_offence_is_abuse() -> None:
    assert map_row("olid", [("subtask_a", "OFF"), ("subtask_b", "UNT"), ("subtask_c", "NULL")]) == {
        "abuse": "none"
    }
    assert map_row("olid", [("subtask_a", "OFF"), ("subtask_b", "TIN"), ("subtask_c", "IND")]) == {
        "abuse": "offensive"
    }
