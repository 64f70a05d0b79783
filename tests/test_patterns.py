"""Phrase-list signals: what they catch, and the everyday phrasing they leave alone."""

from __future__ import annotations

import pytest

from service.text.patterns import disputes, match_patterns, pattern_signals


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("5G towers are spreading the virus, burn them down tonight", "pattern.incitement"),
        ("Those traitors should all be hanged", "pattern.incitement"),
        ("We're going to shoot them when they come", "pattern.incitement"),
        ("set fire to the mosque tonight", "pattern.incitement"),
        ("I swear I will kill you", "pattern.incitement"),
        ("Kill them all. Every last one", "pattern.incitement"),
        ("Drinking bleach cures COVID-19 in hours… Give it to your kids now!", "pattern.dangerous_remedy"),
        ("Gargle with chlorine dioxide every morning and the virus dies", "pattern.dangerous_remedy"),
        ("MMS (miracle mineral solution) cures autism, just drink it daily", "pattern.dangerous_remedy"),
    ],
)
def test_it_catches(text: str, signal: str) -> None:
    found = match_patterns(text)
    assert signal in {m.signal for m in found}
    assert pattern_signals(found)[signal] == 1.0
    assert all(m.phrase.lower() in text.lower() for m in found)


@pytest.mark.parametrize(
    "text",
    [
        "We are gonna kill it tonight at the show!!",
        "This heat is killing me",
        "Smoking can kill you, quit today",
        "burning the midnight oil again for finals",
        "Do not drink bleach: it does not cure COVID-19 and it can kill you",  # a warning: no remedy match
        "Myth: drinking bleach protects you from the virus. Fact: it is poison.",
        "Wash your hands and disinfect surfaces with diluted bleach",
        "The new Hamilton cast set the stage on fire last night 🔥",
        "",
    ],
)
def test_it_leaves_alone(text: str) -> None:
    assert match_patterns(text) == []


@pytest.mark.parametrize(
    ("text", "denies"),
    [
        ("No, 5G masts do not spread the coronavirus. It's a myth.", True),
        ("Fact check: the Army is NOT contacting anyone about a draft", True),
        ("The reports that Colin will stand for the anthem are completely false!", True),
        ("This story isn't entirely true, read the thread", True),
        ("Please stop sharing this, Bill Gates never said it", True),
        ("Wake up people, 5G masts are spreading covid!!", False),
        ("It is absolutely true: the vaccine changes your DNA", False),
        ("Global warming is an expensive hoax!", False),  # a spreader's word for the truth
        ("The Capitol riot was a false flag operation", False),
        ("Vaccines do not work and they never did", False),  # a denial that is itself the claim
    ],
)
def test_disputes_finds_a_tweet_that_calls_a_claim_false(text: str, denies: bool) -> None:
    phrase = disputes(text)
    assert (phrase is not None) == denies, phrase
    assert phrase is None or phrase.lower() in text.lower()
