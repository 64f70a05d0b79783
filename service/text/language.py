"""Language identification with py3langid: its model ships inside the wheel,
so nothing is downloaded at run time.

The identifier is restricted to the fifty-odd languages that carry most of
Twitter's traffic; over all 97 of langid's languages, short English tweets
are often taken for Fulfulde or Latin.
"""

from __future__ import annotations

import threading
from functools import cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from service.text.normalise import normalise

LANGUAGES = (
    "en",
    "es",
    "pt",
    "fr",
    "de",
    "it",
    "nl",
    "sv",
    "no",
    "da",
    "fi",
    "pl",
    "cs",
    "sk",
    "hu",
    "ro",
    "bg",
    "ru",
    "uk",
    "el",
    "tr",
    "ar",
    "fa",
    "ur",
    "hi",
    "bn",
    "pa",
    "gu",
    "mr",
    "ta",
    "te",
    "kn",
    "ml",
    "th",
    "vi",
    "id",
    "ms",
    "tl",
    "zh",
    "ja",
    "ko",
    "he",
    "sw",
    "ca",
    "hr",
    "sr",
    "sl",
    "lt",
    "lv",
    "et",
)
MIN_CONFIDENCE = 0.5
# The placeholders normalisation inserts are English words; drop them first.
_PLACEHOLDERS = ("URL", "@USER")


_LOADING = threading.Lock()


@cache
def _load() -> LanguageIdentifier:
    ident = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    ident.set_languages(LANGUAGES)
    return ident


def _identifier() -> LanguageIdentifier:
    """Loaded once. `functools.cache` alone lets concurrent first callers
    each load the model (about 100 MB at its peak): four requests arriving
    together on a fresh worker took its peak RSS from 370 to 578 MB."""
    with _LOADING:
        return _load()


def preload() -> None:
    """Load the identifier now (at start-up), not on the first request."""
    _identifier()


def detect_language(text: str, normalised: bool = False) -> tuple[str, float]:
    """(ISO 639-1 code, probability); "und" when there are no letters at all.
    `normalised`: `text` is already normalised."""
    cleaned = text if normalised else normalise(text)
    for p in _PLACEHOLDERS:
        cleaned = cleaned.replace(p, " ")
    if not any(c.isalpha() for c in cleaned):
        return "und", 0.0
    lang, prob = _identifier().classify(cleaned)
    if prob < MIN_CONFIDENCE:
        # langid is unreliable on a few words ("lol", "hello world"). Latin
        # script then defaults to English, the model's language; any other
        # script stays undetermined and goes to a human.
        letters = [c for c in cleaned if c.isalpha()]
        latin = sum(c.isascii() for c in letters) / len(letters)
        return ("en" if latin > 0.9 else "und"), float(prob)
    return str(lang), float(prob)
