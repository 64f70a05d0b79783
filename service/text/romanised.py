"""Romanised Hindi ("Hinglish", `hi-Latn`) detection.

langid has no romanised Hindi: it calls "Modi sarkar kisano ka narsanhar
karne ki yojana bana rahi hai" English, and the English model then scores
text it cannot read. A character n-gram logistic regression
(training/hindi/detector.py; model, vocabulary and card in
service/text/hinglish/) decides instead, on the same ONNX runtime as the
models.

It costs about 0.3 ms a tweet, so it runs only where romanised Hindi is
possible: Latin script, at least MIN_WORDS words, and either a common Hindi
function word or langid not sure the text is English (below 0.9). On the
romanised validation posts that gate keeps every one; it lets 28% of
everyday English tweets through to the detector.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

from service.inference.ngram import NgramModel

HINGLISH = "hi-Latn"
MODEL_DIR = Path(__file__).parent / "hinglish"
# Fewer Latin words than this is too little to call romanised Hindi ("champ",
# "Kids a bitch" scored high): such a tweet keeps langid's answer.
MIN_WORDS = 3
SURE_ENGLISH = 0.9
# Frequent in romanised Hindi, rare in English (no "me", "to", "or", "main").
FUNCTION_WORDS = frozenset(
    [
        "hai",
        "hain",
        "hein",
        "kya",
        "kyu",
        "kyun",
        "kyon",
        "nahi",
        "nahin",
        "nhi",
        "kar",
        "karo",
        "karna",
        "karne",
        "kiya",
        "kiye",
        "raha",
        "rahi",
        "rahe",
        "tha",
        "thi",
        "ko",
        "ka",
        "ki",
        "ke",
        "se",
        "aur",
        "bhi",
        "mein",
        "mai",
        "mujhe",
        "hum",
        "hamara",
        "tum",
        "tumhara",
        "aap",
        "ap",
        "apna",
        "apne",
        "kuch",
        "sab",
        "bhai",
        "yaar",
        "ji",
        "toh",
        "ye",
        "yeh",
        "wo",
        "woh",
        "unka",
        "unki",
        "inka",
        "iski",
        "uski",
        "jo",
        "jab",
        "tab",
        "kab",
        "ab",
        "hua",
        "hui",
        "ho",
        "gaya",
        "gayi",
        "gaye",
        "diya",
        "liya",
        "wala",
        "wali",
        "sirf",
        "bahut",
        "bohot",
        "log",
        "logon",
        "desh",
        "sarkar",
    ]
)
_LATIN_WORD = re.compile(r"[a-z]+")
_LOADING = threading.Lock()


@cache
def _load() -> NgramModel:
    return NgramModel(MODEL_DIR)


def detector() -> NgramModel:
    """Loaded once, under a lock (see service.text.language)."""
    with _LOADING:
        return _load()


def long_enough(cleaned: str) -> bool:
    """Enough Latin words for the detector to decide."""
    return sum(any(c.isascii() and c.isalpha() for c in w) for w in cleaned.split()) >= MIN_WORDS


def worth_checking(cleaned: str, langid: tuple[str, float]) -> bool:
    """The cheap gate: could this Latin-script text be romanised Hindi?"""
    if not long_enough(cleaned):
        return False
    lang, prob = langid
    return (
        lang != "en"
        or prob < SURE_ENGLISH
        or any(w in FUNCTION_WORDS for w in _LATIN_WORD.findall(cleaned.lower()))
    )


def probability(cleaned: str) -> float:
    """P(romanised Hindi) for normalised text."""
    probs, _ = detector().probabilities([cleaned], normalised=True)
    return float(probs[0][0, 1])


def is_hinglish(cleaned: str, langid: tuple[str, float]) -> bool:
    """`cleaned`: normalised Latin-script text; `langid`: langid's raw answer on it."""
    if not worth_checking(cleaned, langid):
        return False
    return probability(cleaned) >= (detector().card.heads[0].threshold or 0.5)
