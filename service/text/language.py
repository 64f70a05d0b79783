"""Language identification: py3langid, plus a romanised-Hindi detector
(service/text/romanised.py).

py3langid's model ships inside its wheel, so nothing is downloaded at run
time. It is restricted to the fifty-odd languages that carry most of
Twitter's traffic; over all 97 of langid's languages, short English tweets
are often taken for Fulfulde or Latin.
"""

from __future__ import annotations

import threading
from functools import cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from service.text import romanised
from service.text.normalise import normalise
from service.text.romanised import HINGLISH

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
# langid takes short, formal Hindi (news headlines) for Marathi: "रक्षा मंत्री
# ने ... शोक व्यक्त किया" came back "mr". Function words settle it: these are
# frequent in one language and absent or rare in the other.
_HINDI_WORDS = frozenset(
    ["है", "हैं", "था", "थी", "थे", "ने", "को", "में", "की", "किया", "और", "नहीं", "से", "पर", "यह", "वह"]
)
_MARATHI_WORDS = frozenset(["आहे", "आहेत", "आणि", "नाही", "च्या", "मध्ये", "ला", "होते", "केले", "आता", "झाले", "हे"])
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
    """Load both identifiers now (at start-up), not on the first request."""
    _identifier()
    romanised.detector()


def _latin_share(cleaned: str) -> float:
    letters = [c for c in cleaned if c.isalpha()]
    return sum(c.isascii() for c in letters) / len(letters) if letters else 0.0


def resolve_language(given: str | None, text: str, normalised: bool = False) -> tuple[str, bool]:
    """(language, detected): the client's `lang` when it gave one and the
    script fits it, else detection; either way, Latin-script text the
    romanised-Hindi detector claims is `hi-Latn` (a client's "en" does not
    send Hinglish to the English model), and so is a client's "hi" on
    Latin-script text."""
    cleaned = text if normalised else normalise(text)
    stripped = strip_placeholders(cleaned)
    latin = _latin_share(stripped) > 0.9
    if latin and (given or "").lower().split("-")[0] == "hi":
        return HINGLISH, False
    raw = langid_raw(stripped) if latin and romanised.long_enough(stripped) else None
    if raw is not None and romanised.is_hinglish(stripped, raw):
        return HINGLISH, True
    if given and _script_fits(given, stripped, latin):
        return given, False
    if raw is not None:  # langid already ran on this text
        return _decide(stripped, raw)[0], True
    return detect_language(cleaned, normalised=True)[0], True


def _script_fits(given: str, cleaned: str, latin: bool) -> bool:
    """A client's `lang` is taken only when the text is in that language's
    script: "en" on Devanagari, or "hi" on Arabic script, is detected instead,
    so a model never reads a script it was not trained on."""
    base = given.lower().split("-")[0]
    if base == "en":
        return latin
    if base == "hi":
        letters = [c for c in cleaned if c.isalpha()]
        return bool(letters) and sum("\u0900" <= c <= "\u097f" for c in letters) / len(letters) > 0.5
    return True


def langid_raw(cleaned: str) -> tuple[str, float]:
    """langid's own answer, before the fallbacks of `detect_language`."""
    lang, prob = _identifier().classify(cleaned)
    return str(lang), float(prob)


def strip_placeholders(cleaned: str) -> str:
    """Normalised text without the URL/@USER placeholders (English words that
    would sway both langid and the romanised-Hindi detector)."""
    for p in _PLACEHOLDERS:
        cleaned = cleaned.replace(p, " ")
    return cleaned


def detect_language(text: str, normalised: bool = False) -> tuple[str, float]:
    """(ISO 639-1 code, probability); "und" when there are no letters at all.
    `normalised`: `text` is already normalised."""
    cleaned = strip_placeholders(text if normalised else normalise(text))
    if not any(c.isalpha() for c in cleaned):
        return "und", 0.0
    return _decide(cleaned, langid_raw(cleaned))


def _decide(cleaned: str, raw: tuple[str, float]) -> tuple[str, float]:
    """langid's answer, with the fallbacks below."""
    lang, prob = raw
    if prob < MIN_CONFIDENCE:
        # langid is unreliable on a few words ("lol", "hello world"). Latin
        # script then defaults to English, the model's language; any other
        # script stays undetermined and goes to a human.
        return ("en" if _latin_share(cleaned) > 0.9 else "und"), prob
    if lang == "mr":
        words = cleaned.split()
        if sum(w in _HINDI_WORDS for w in words) > sum(w in _MARATHI_WORDS for w in words):
            return "hi", prob
    return lang, prob
