"""Normalisation: evasions fold to the plain word, numbers survive, offsets hold."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from service.text import MENTION_PLACEHOLDER, URL_PLACEHOLDER, normalise, normalise_with_offsets


@pytest.mark.parametrize(
    "evasion",
    [
        "v4cc1ne",  # leetspeak
        "vаccine",  # Cyrillic а
        "vacсine",  # Cyrillic с
        "vαccine",  # Greek alpha
        "vac\u200bcine",  # zero-width space
        "v\u200dac\u200ccine",  # zero-width joiner and non-joiner
        "vac\u2066cine\u2069",  # bidi isolates
        "va\u00adccine",  # soft hyphen
        "𝐯𝐚𝐜𝐜𝐢𝐧𝐞",  # mathematical bold (NFKC)
        "ｖａｃｃｉｎｅ",  # fullwidth (NFKC)
        "v@ccine",
        "v4cc\u200b1ne",  # combined tricks
    ],
)
def test_evasions_normalise_to_the_plain_word(evasion: str) -> None:
    assert normalise(evasion) == "vaccine"
    assert normalise(f"the {evasion} is poison") == "the vaccine is poison"


@pytest.mark.parametrize(
    "token", ["COVID-19", "5G", "1,121", "covid19", "h1n1", "mp3", "2020", "G7", "4chan", "100%"]
)
def test_numbers_and_alphanumeric_names_survive(token: str) -> None:
    assert normalise(f"about {token} today") == f"about {token} today"


def test_urls_and_mentions_become_placeholders() -> None:
    text = "RT @who_int: masks work https://t.co/AbC123 and www.example.org/x ok"
    assert (
        normalise(text) == f"RT {MENTION_PLACEHOLDER}: masks work {URL_PLACEHOLDER} and {URL_PLACEHOLDER} ok"
    )


def test_email_is_not_a_mention() -> None:
    assert MENTION_PLACEHOLDER not in normalise("write to press@who.int")


def test_whitespace_collapses_and_trims() -> None:
    assert normalise("  a\t\tb \n\u00a0 c\u3000 ") == "a b c"


def test_words_in_other_scripts_are_not_folded() -> None:
    # An all-Cyrillic word is Russian, not an evasion.
    assert normalise("вакцина сегодня") == "вакцина сегодня"


def test_offsets_point_back_into_the_original() -> None:
    original = "Look @bob:  the v4cc\u200b1ne KILLS https://x.co/1"
    n = normalise_with_offsets(original)
    i = n.text.index("vaccine")
    a, b = n.original_span(i, i + len("vaccine"))
    assert original[a:b] == "v4cc\u200b1ne"
    j = n.text.index(URL_PLACEHOLDER)
    a, b = n.original_span(j, j + len(URL_PLACEHOLDER))
    assert original[a:b] == "https://x.co/1"
    k = n.text.index("KILLS")
    assert original[slice(*n.original_span(k, k + 5))] == "KILLS"


def test_original_span_rejects_spans_outside_the_text() -> None:
    n = normalise_with_offsets("abc")
    with pytest.raises(ValueError, match="outside"):
        n.original_span(2, 5)


# Text that mixes the characters normalisation cares about, so hypothesis
# reaches the interesting paths more often than with uniform Unicode.
_tricky = st.sampled_from(
    list("aeiouvcxyz AEIOU013457@$#:/._-,\t\n")
    + [
        "\u200b",
        "\u200d",
        "\u202e",
        "\u00ad",
        "\ufeff",
        "а",
        "е",
        "о",
        "с",
        "α",
        "ο",
        "ｖ",
        "𝐚",
        "ﬁ",
        "\u0301",
    ]
    + ["https://t.co/x", "www.a.b", "@user", "é", "ё", "가", "\u1100\u1161", "\u3000"]
)
_texts = st.one_of(st.text(), st.lists(_tricky, max_size=40).map("".join))


@settings(max_examples=400, deadline=None)
@given(_texts)
@example("a\u200b\u0301")
@example("\u1100\u200b\u1161")
@example("а\u0301")
@example("@0@A")
@example("@0\u0301")
def test_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=400, deadline=None)
@given(_texts)
def test_offset_map_is_consistent(text: str) -> None:
    n = normalise_with_offsets(text)
    assert len(n.starts) == len(n.ends) == len(n.text)
    for i, (a, b) in enumerate(zip(n.starts, n.ends, strict=True)):
        assert 0 <= a < b <= len(text)
        if i:
            assert a >= n.starts[i - 1], "original spans run in text order"
    # Characters the pipeline keeps as they are map to themselves.
    for i, ch in enumerate(n.text):
        a, b = n.starts[i], n.ends[i]
        if b - a == 1 and ch.isascii() and ch.isalpha() and text[a].isascii():
            assert text[a] == ch or text[a] in "013457@$"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_never_raises_and_output_is_clean(text: str) -> None:
    out = normalise(text)
    assert out == out.strip()
    assert "  " not in out
    assert unicodedata.is_normalized("NFKC", out)
    assert not any(unicodedata.category(c) == "Cf" for c in out)


def test_devanagari_spelling_variants_fold_together() -> None:
    """Nukta written or not, precomposed or not; chandrabindu for anusvara;
    Devanagari digits; a zero-width joiner inside a conjunct."""
    assert normalise("ज़िंदगी") == normalise("ज\u093cिंदगी") == normalise("जिंदगी")
    assert normalise("फ़र्ज़ी ख़बर") == normalise("फर्जी खबर")
    assert normalise("हैँ") == normalise("हैं")
    assert normalise("२०२० में") == "2020 में"
    assert normalise("क्\u200dष") == normalise("क्ष")
    assert normalise_with_offsets("ज़िंदगी").original_span(0, 1) == (0, 1)
