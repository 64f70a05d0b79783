"""Text normalisation shared by training and serving.

People who spread misinformation or abuse evade filters with invisible
characters, look-alike letters and leetspeak. The model must see the same
canonical text at training and at serving time, so both call `normalise`.

Every output character remembers the span of the original text it came from,
so evidence spans computed on normalised text can be shown on the text the
user actually sent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

URL_PLACEHOLDER = "URL"
MENTION_PLACEHOLDER = "@USER"

# Cf (format) characters are invisible: zero-width space/joiners, bidi
# controls, the BOM, soft hyphen. The explicit extras are invisible
# non-Cf characters used to hide text: combining grapheme joiner and the
# Hangul fillers.
_INVISIBLE_EXTRA = frozenset("\u034f\u115f\u1160\u3164\uffa0")

# Cyrillic and Greek letters that render like Latin ones. NFKC leaves them
# alone, so "vаccine" with a Cyrillic "а" would otherwise be a new word.
_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic lower case
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ѵ": "v", "ӏ": "l",
        # Cyrillic upper case
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
        "Р": "P", "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J",
        "Ѕ": "S", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ѵ": "V", "Ӏ": "I",
        # Greek
        "α": "a", "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "υ": "u",
        "τ": "t", "χ": "x", "ϲ": "c", "ϳ": "j",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K",
        "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
_HOMOGLYPH_CHARS = frozenset(chr(c) for c in _HOMOGLYPHS)

# Leetspeak substitutions, applied only between two letters of a word that is
# mostly letters, so "v4cc1ne" folds while "COVID-19", "5G", "mp3" and
# "1,121" survive.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}

# Devanagari spelling variants that read the same: a nukta (क़/क, ज़/ज,
# written either way; NFKC has already split precomposed ones), chandrabindu
# for anusvara (हैँ/हैं), and Devanagari digits. ZWJ/ZWNJ, which change
# conjunct rendering only, are Cf and go with the invisible characters.
_NUKTA = re.compile("\u093c")
_DEVANAGARI_FOLD = str.maketrans({"\u0901": "\u0902", **{chr(0x0966 + d): str(d) for d in range(10)}})
_DEVANAGARI_CANDIDATE = re.compile("[\u0901\u093c\u0966-\u096f]")

_LEET_CANDIDATE = re.compile(r"[A-Za-z][013457@$]+[A-Za-z]")
_HOMOGLYPH_CANDIDATE = re.compile("[" + "".join(sorted(_HOMOGLYPH_CHARS)) + "]")
# Never starting inside a word or a handle, so "@USER$A" is not refolded to a new handle.
_WORD = re.compile(r"(?<!@)(?<![^\W_])(?:[^\W_]+(?:[@$][^\W_]+)*|[@$])")
URL = re.compile(r"(?i)(?:https?://|www\.|pic\.twitter\.com/)\S+")  # also what evaluation strips
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"  # combining marks
# "@a@b" is one handle-like run; combining marks belong to the handle, or one
# left behind would combine with the placeholder's last letter ("@USEŔ").
_MENTION = re.compile(rf"(?<![\w@])@[\w{_MARKS}]+(?:@[\w{_MARKS}]+)*")
_SPACE = re.compile(r"\s{2,}|[^\S ]")


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """Normalised text plus, for each of its characters, the original span.

    `starts[i]:ends[i]` is the slice of `original` that produced `text[i]`.
    """

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of `text` to a half-open span of `original`."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span {start}:{end} is outside 0:{len(self.text)}")
        return self.starts[start], self.ends[end - 1]


def normalise(text: str) -> str:
    """Return the canonical text the model sees (no offset map)."""
    return normalise_with_offsets(text).text


def normalise_with_offsets(text: str) -> NormalisedText:
    """Normalise `text` and keep a map back to its original offsets.

    The order matters for idempotency: invisible characters go before NFKC so
    that characters they separated can compose; NFKC runs again after the
    letter folds because a folded letter may compose with a following mark.
    """
    buf = _Buffer.of(text)
    buf = _strip_invisible(buf)
    buf = _nfkc(buf)
    buf = _strip_invisible(buf)
    buf = _fold_devanagari(buf)
    buf = _fold_words(buf)
    buf = _nfkc(buf)
    buf = buf.sub(URL, lambda _: URL_PLACEHOLDER)
    buf = buf.sub(_MENTION, lambda _: MENTION_PLACEHOLDER)
    buf = buf.sub(_SPACE, lambda _: " ")
    buf = buf.strip()
    return NormalisedText(text, buf.text, tuple(buf.starts), tuple(buf.ends))


@dataclass(slots=True)
class _Buffer:
    """A string under rewrite, carrying each character's original span."""

    text: str
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str) -> _Buffer:
        return cls(text, list(range(len(text))), list(range(1, len(text) + 1)))

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]) -> _Buffer:
        """Like `pattern.sub`, but every replacement character maps to the
        whole original span of the text it replaced."""
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for m in pattern.finditer(self.text):
            a, b = m.span()
            if a == b:
                continue
            parts.append(self.text[pos:a])
            starts += self.starts[pos:a]
            ends += self.ends[pos:a]
            new = repl(m)
            parts.append(new)
            starts += [self.starts[a]] * len(new)
            ends += [self.ends[b - 1]] * len(new)
            pos = b
        if pos == 0:
            return self
        parts.append(self.text[pos:])
        starts += self.starts[pos:]
        ends += self.ends[pos:]
        return _Buffer("".join(parts), starts, ends)

    def strip(self) -> _Buffer:
        stripped = self.text.strip(" ")
        if stripped == self.text:
            return self
        lead = len(self.text) - len(self.text.lstrip(" "))
        end = lead + len(stripped)
        return _Buffer(stripped, self.starts[lead:end], self.ends[lead:end])

    def replace_chars(self, new_text: str) -> _Buffer:
        """Swap in a same-length text: a 1:1 rewrite keeps every span."""
        assert len(new_text) == len(self.text)
        return _Buffer(new_text, self.starts, self.ends)


def _char_class(codepoints: list[int]) -> str:
    """A regex class of ranges: one range test beats hundreds of literals."""
    parts = []
    run_start = prev = codepoints[0]
    for cp in [*codepoints[1:], -1]:
        if cp != prev + 1:
            parts.append(re.escape(chr(run_start)) + ("-" + re.escape(chr(prev)) if prev > run_start else ""))
            run_start = cp
        prev = cp
    return "[" + "".join(parts) + "]"


# Every Cf character of this Python's Unicode database, found once at import
# (about 0.1 s) so the list never goes stale when Unicode adds one.
_INVISIBLE = re.compile(
    _char_class(
        sorted(
            {ord(c) for c in _INVISIBLE_EXTRA}
            | {c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}
        )
    )
)


def _strip_invisible(buf: _Buffer) -> _Buffer:
    return buf.sub(_INVISIBLE, lambda _: "")


def _nfkc(buf: _Buffer) -> _Buffer:
    """NFKC, mapping each output character to the cluster it came from.

    Normalisation is not closed under concatenation, so the text is cut only
    before an ASCII character: none of those ever composes with what comes
    before it. A cluster is one ASCII character plus the non-ASCII run after it.
    """
    text = buf.text
    if unicodedata.is_normalized("NFKC", text):
        return buf
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cut = 0
    for i in range(1, len(text) + 1):
        if i < len(text) and not text[i].isascii():
            continue
        piece = unicodedata.normalize("NFKC", text[cut:i])
        parts.append(piece)
        starts += [buf.starts[cut]] * len(piece)
        ends += [buf.ends[i - 1]] * len(piece)
        cut = i
    return _Buffer("".join(parts), starts, ends)


def _fold_devanagari(buf: _Buffer) -> _Buffer:
    """Drop nuktas, fold chandrabindu and Devanagari digits (spans survive)."""
    if not _DEVANAGARI_CANDIDATE.search(buf.text):
        return buf
    buf = buf.sub(_NUKTA, lambda _: "")
    return buf.replace_chars(buf.text.translate(_DEVANAGARI_FOLD))


def _fold_words(buf: _Buffer) -> _Buffer:
    """Fold homoglyphs and leetspeak inside words (1:1, so spans survive)."""
    text = buf.text
    if not (_LEET_CANDIDATE.search(text) or _HOMOGLYPH_CANDIDATE.search(text)):
        return buf
    folded = _WORD.sub(_fold_word, text)
    return buf if folded == text else buf.replace_chars(folded)


def _fold_word(m: re.Match[str]) -> str:
    word = m.group()
    if any(c in _HOMOGLYPH_CHARS for c in word) and any(_is_latin(c) for c in word):
        word = word.translate(_HOMOGLYPHS)
    letters = sum(c.isalpha() for c in word)
    if letters * 2 <= len(word) or not any(c in _LEET for c in word):
        return word
    chars = list(word)
    for i in range(1, len(chars) - 1):
        sub = _LEET.get(chars[i])
        if sub and _is_latin(chars[i - 1]) and _is_latin_or_leet(word, i + 1):
            chars[i] = sub
    return "".join(chars)


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _is_latin_or_leet(word: str, i: int) -> bool:
    """Is there a Latin letter at i, possibly after more leet characters?

    This lets "g00d" fold both zeros: each sits between a letter on the left
    and, further on, a letter on the right.
    """
    while i < len(word) and word[i] in _LEET:
        i += 1
    return i < len(word) and _is_latin(word[i])
