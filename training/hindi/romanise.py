"""Casual romanisation of Devanagari Hindi, to make "Hinglish" training text.

No labelled romanised Hindi is available offline, so the language router's
detector learns `hi-Latn` from the Devanagari training posts written the way
people type Hindi on a Latin keyboard: no diacritics, the inherent vowel
dropped where speakers drop it ("karane" → "karne"), and the spelling
variants real writers mix ("hai"/"hain", "ee"/"i", "w"/"v"). Each call with a
different `rng` gives a different plausible spelling.
"""

from __future__ import annotations

import random
import re

_CONSONANTS = {
    "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n", "च": "ch", "छ": "chh", "ज": "j", "झ": "jh",
    "ञ": "n", "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n", "त": "t", "थ": "th", "द": "d",
    "ध": "dh", "न": "n", "प": "p", "फ": "ph", "ब": "b", "भ": "bh", "म": "m", "य": "y", "र": "r",
    "ल": "l", "व": "v", "श": "sh", "ष": "sh", "स": "s", "ह": "h", "ळ": "l",
}  # fmt: skip
_VOWELS = {
    "अ": "a", "आ": "aa", "इ": "i", "ई": "ee", "उ": "u", "ऊ": "oo", "ऋ": "ri", "ए": "e", "ऐ": "ai",
    "ओ": "o", "औ": "au", "ऑ": "o", "ऍ": "e",
}  # fmt: skip
_MATRAS = {
    "ा": "aa", "ि": "i", "ी": "ee", "ु": "u", "ू": "oo", "ृ": "ri", "े": "e", "ै": "ai", "ो": "o",
    "ौ": "au", "ॉ": "o", "ॅ": "e",
}  # fmt: skip
_VIRAMA, _NUKTA = "्", "़"
_NASALS = {"ं": "n", "ँ": "n", "ः": "h"}
_DIGITS = {chr(0x0966 + d): str(d) for d in range(10)}
# Spellings writers pick between; each is taken with probability one half.
_VARIANTS = (("aa", "a"), ("ee", "i"), ("oo", "u"), ("v", "w"), ("sh", "s"), ("chh", "ch"))


def _syllables(word: str) -> list[tuple[str, str | None]]:
    """(consonant or vowel letter, its vowel: a matra, "" for none, None for inherent a)."""
    out: list[tuple[str, str | None]] = []
    for ch in word:
        if ch in _CONSONANTS:
            out.append((ch, None))
        elif ch in _MATRAS and out and out[-1][1] is None:
            out[-1] = (out[-1][0], ch)
        elif ch == _VIRAMA and out and out[-1][1] is None:
            out[-1] = (out[-1][0], "")
        elif ch == _NUKTA:
            continue
        else:
            out.append((ch, "" if ch not in _VOWELS else None))
    return out


def _delete_schwas(syl: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Hindi schwa deletion, right to left: the inherent vowel goes at the end
    of a word, and between a vowel and a consonant that has a vowel
    (ka-ra-ne → kar-ne), never twice in a row."""
    syl = list(syl)
    consonant = [s[0] in _CONSONANTS for s in syl]
    if len(syl) > 1 and consonant[-1] and syl[-1][1] is None:
        syl[-1] = (syl[-1][0], "")
    deleted_next = False
    for i in range(len(syl) - 2, 0, -1):
        voiced_before = syl[i - 1][1] != ""
        vowel_after = consonant[i + 1] and syl[i + 1][1] != ""
        if consonant[i] and syl[i][1] is None and voiced_before and vowel_after and not deleted_next:
            syl[i] = (syl[i][0], "")
            deleted_next = True
        else:
            deleted_next = False
    return syl


def _word(word: str) -> str:
    parts = []
    for letter, vowel in _delete_schwas(_syllables(word)):
        if letter in _CONSONANTS:
            parts.append(_CONSONANTS[letter] + ("a" if vowel is None else _MATRAS.get(vowel, "")))
        elif letter in _VOWELS:
            parts.append(_VOWELS[letter])
        else:
            parts.append(_NASALS.get(letter, _DIGITS.get(letter, "" if letter == "।" else letter)))
    return "".join(parts)


def romanise(text: str, rng: random.Random | None = None) -> str:
    """Devanagari words romanised; everything else (English words, hashtags,
    URLs, emoji) kept as it is, as in real code-mixed posts."""
    words = []
    for token in text.split(" "):
        if not any("\u0900" <= c <= "\u097f" for c in token):
            words.append(token)
            continue
        word = _word(token).replace("।", "")
        if rng is not None:
            if rng.random() < 0.9:  # a final long vowel is mostly written short: "ka", "modi"
                word = re.sub(r"aa\b", "a", re.sub(r"ee\b", "i", word))
            for long, short in _VARIANTS:
                if rng.random() < 0.5:
                    word = word.replace(long, short)
        words.append(word)
    return " ".join(words)
