"""Language identification: packaged model, no downloads, sane on short text."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.text.language import detect_language, resolve_language
from service.text.romanised import HINGLISH as HINGLISH_TAG


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The vaccine does not change your DNA, say researchers at the CDC", "en"),
        ("La vacuna no cambia tu ADN, dicen los investigadores de los CDC", "es"),
        ("Der Impfstoff verändert nicht deine DNA, sagen Forscher", "de"),
        ("वैक्सीन आपके डीएनए को नहीं बदलती है, शोधकर्ताओं ने कहा", "hi"),
        ("Вакцина не меняет вашу ДНК, говорят исследователи", "ru"),
    ],
)
def test_detects_common_languages(text: str, lang: str) -> None:
    assert detect_language(text)[0] == lang


def test_short_latin_text_defaults_to_english_but_other_scripts_do_not() -> None:
    assert detect_language("lol")[0] == "en"
    assert detect_language("хорошо")[0] in ("ru", "uk", "und")
    assert detect_language("https://t.co/x @bob 🙏")[0] == "und"


# Romanised Hindi ("Hinglish"). Hand-written, as a reviewer would read them,
# and real code-mixed tweets found in the corpus's English sources (OLID,
# TweetEval, covid_rumor), where the English model used to score them.
HINGLISH = [
    "Modi sarkar kisano ka narsanhar karne ki yojana bana rahi hai #ModiPlanningFarmerGenocide",
    "ye log desh ko barbaad kar rahe hain, inko jail me daalo",
    "Bhai tu pagal hai kya? kuch bhi bolta rehta hai",
    "corona ki dawai mil gayi hai, gaumutra piyo sab theek ho jayega",
    "kal match dekhne chaloge? mera ticket book ho gaya",
    "Ap log kya kar rahe ho",
    "kuch toh log kahenge..unko kaam hai kehna",  # OLID
    "Lekin hum toh inhen jaantey nahi 😶",  # TweetEval
    "Boltey hai na ki jo Beef kaate hai uski akal gutno me reti hai",  # OLID
    "Abbey Kyu galat news spread Kiya tunne??Kya Mila tujhe..Ghantaaaaa",  # covid_rumor
]
ENGLISH = [
    "I love this song so much, can't stop listening",
    "The vaccine is safe and effective according to the WHO",
    "Happy birthday to one of my best friends!! Love you Kar!",
    "Namaste India! Great to be in Delhi today",
    "Ducky Bhai on YouTube is the best",
    "Just had the best biryani in Hyderabad, highly recommend",
    "lol",
]


@pytest.mark.parametrize("text", HINGLISH)
def test_romanised_hindi_is_its_own_language_whatever_the_client_says(text: str) -> None:
    assert resolve_language(None, text) == (HINGLISH_TAG, True)
    assert resolve_language("en", text)[0] == HINGLISH_TAG, (
        "a client's 'en' does not send Hinglish to English"
    )
    assert resolve_language("hi", text) == (HINGLISH_TAG, False)


@pytest.mark.parametrize("text", ENGLISH)
def test_english_with_indian_names_stays_english(text: str) -> None:
    assert resolve_language(None, text)[0] == "en"


def test_devanagari_hindi_and_marathi() -> None:
    assert resolve_language(None, "रक्षा मंत्री ने पूर्व राष्ट्रपति के निधन पर शोक व्यक्त किया")[0] == "hi"
    assert resolve_language(None, "मी आज मुंबईला जाणार आहे आणि उद्या परत येईन")[0] == "mr"


def test_detector_rarely_claims_everyday_english(corpus_dir: Path) -> None:
    """Everyday English tweets the detector did not train on (TweetEval
    sentiment validation) are almost never taken for romanised Hindi."""
    texts = (corpus_dir / "tweeteval" / "sentiment" / "val_text.txt").read_text(encoding="utf-8").splitlines()
    claimed = [t for t in texts if resolve_language(None, t)[0] == HINGLISH_TAG]
    assert len(claimed) / len(texts) <= 0.01, claimed[:10]


def test_a_clients_lang_must_fit_the_script() -> None:
    """ "en" on Devanagari, "hi" on Arabic script: detected instead, so no
    model reads a script it was not trained on."""
    assert resolve_language("en", "कोरोना का इलाज गोमूत्र से होता है, सबको बताओ") == ("hi", True)
    assert resolve_language("hi", "کرونا کا علاج مل گیا ہے، سب کو بتاؤ")[0] == "ur"
    assert resolve_language("en-GB", "The vaccine does not change your DNA") == ("en-GB", False)
