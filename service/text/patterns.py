"""Phrase patterns for the two harms a moderation team must never miss.

The classifier learned from COVID misinformation, offensive-language and spam
corpora; none of them holds enough incitement to arson or advice to swallow
disinfectant for a head to learn either. Trust-and-safety teams keep curated
phrase lists for exactly these cases, as they keep hash banks for known media:
a match is corroborating evidence with a named reason, and every escalation
still goes to a human. The patterns are narrow on purpose (a violent verb
with a target or an arson phrase; a known dangerous substance next to a cure
or ingestion verb), and their firing rate on everyday tweets is measured in
the traffic report (`harmlabel evaluate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.text.normalise import normalise


def _any(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


_GROUPS = _any(
    "people", "jews", "muslims", "immigrants", "refugees", "migrants",
    "police", "cops", "politicians", "traitors",
)  # fmt: skip
_TARGET = _any(
    "them", "him", "her", "you", "y'?all", r"every(?:one|body)", r"all\s+of\s+them", r"th(?:ose|ese)\s+\w+",
    r"the\s+(?:\w+\s+)?" + _GROUPS,
)  # fmt: skip
_KILL = _any("kill", "shoot", "stab", "hang", "lynch", "behead", "execute", "murder", "slaughter", "gas")
_SHOULD = _any("should", "must", r"deserve\s+to", r"ought\s+to")
_KILLED = _any("shot", "hanged", "hung", "lynched", "killed", "executed", "beheaded", r"burned\s+alive")
_WILL = _any("'ll", r"\s+will", r"\s+are\s+going\s+to", r"'re\s+going\s+to", r"\s+gonna")
_HURT = _any("kill", "shoot", "stab", "hurt", "beat")
_INCITEMENT = re.compile(
    r"\b"
    + _any(
        # Arson: burn/torch X down, set fire to X, set X on fire.
        r"(?:burn|torch|firebomb)(?:ing)?\s+(?:(?:them|it|those|these|the|all|every|their)\s+)?"
        r"(?:\w+\s+){0,2}?(?:down|to\s+the\s+ground)",
        r"set\s+(?:fire\s+to|alight)\b",
        r"set\s+(?:them|it|those\s+\w+)\s+on\s+fire",
        # Killing or maiming a person or group, as a call (imperative at the
        # start of a clause, "let's", "go"), a wish ("should be shot") or a
        # promise ("I will kill you"); "it can kill you" is none of these.
        r"(?:^|(?<=[.!?;:,\n])\s*|(?:let'?s|lets|go|just|must|should)\s+)" + _KILL + r"\s+" + _TARGET,
        _KILL + r"\s+(?:all|every)\s+(?:\w+\s+)?" + _GROUPS,
        _SHOULD + r"\s+(?:all\s+)?(?:be\s+)?" + _KILLED,
        r"(?:i|we)" + _WILL + r"\s+" + _HURT + r"\s+" + _TARGET,
    )
    + r"\b",
    re.IGNORECASE,
)
_SUBSTANCE = _any(
    "bleach", r"chlorine\s+dioxide", r"miracle\s+mineral", "mms", "disinfectant", "methanol",
    r"rubbing\s+alcohol", r"hydrogen\s+peroxide", "turpentine", "kerosene", r"colloidal\s+silver",
    r"cow\s+urine",
)  # fmt: skip
_USE = _any(
    "cures?", "cured", "curing", r"kills?\s+(?:the\s+)?(?:virus|covid|corona)", "prevents?", "treats?",
    "protects?", "drink(?:ing)?", "gargl(?:e|ing)", "swallow(?:ing)?", "inject(?:ing)?", "ingest(?:ing)?",
    r"give\s+(?:it\s+)?to",
)  # fmt: skip
_NEAR = r"\W+(?:\w+\W+){0,6}?"
_DANGEROUS_REMEDY = re.compile(
    r"\b(?:" + _SUBSTANCE + _NEAR + _USE + "|" + _USE + _NEAR + _SUBSTANCE + r")\b", re.IGNORECASE
)
# A warning or debunk ("do not drink bleach", "myth: bleach cures COVID") is
# the opposite of dangerous advice; any of these words vetoes the remedy match.
_DEBUNK = re.compile(
    r"\b"
    + _any(
        "not",
        "never",
        "don'?t",
        "doesn'?t",
        "won'?t",
        "no",
        "myths?",
        "false",
        "fake",
        "hoax",
        r"debunk\w*",
        r"poison\w*",
        r"warn\w*",
        "dangerous",
        "deadly",
        r"fact[- ]?check\w*",
    )
    + r"\b|n't\b",
    re.IGNORECASE,
)

# A tweet that itself calls a claim false ("Fact check: ... is NOT true",
# "reports that X are completely false") repeats the claim to dispute it. Such
# a tweet matches the fact-check as well as one spreading the claim does, but
# must not get the fact-check's verdict. Narrower than _DEBUNK: a bare "not"
# or "no" is as common in false claims as in denials, and "hoax" is what
# spreaders call the truth ("global warming is a hoax"). 30 of the 999
# CheckThat! 2A training tweets carry one, nearly all of them denials.
_DISPUTES = re.compile(
    r"\b"
    + _any(
        r"myths?",
        r"debunk\w*",
        r"fact[- ]?check\w*",
        r"untrue",
        r"false(?:ly|hood)?(?!\s+flags?)",  # a "false flag" is what spreaders allege
        r"no evidence",
        r"(?:mis|dis)information",
        r"rumou?rs?",
        r"stop (?:sharing|spreading)",
        r"(?:don'?t|do not) (?:believe|fall for|share)",
        r"(?:is|are|was|were) fake",
        r"fake (?:story|stories|photo|image|quote|video|claim|news story)",
        r"snopes",
    )
    + r"\b|(?:n't|\bnot|\bnever)\s+(?:\w+\s+)?true\b",
    re.IGNORECASE,
)

SIGNALS = ("pattern.incitement", "pattern.dangerous_remedy")


@dataclass(frozen=True, slots=True)
class PatternMatch:
    signal: str
    phrase: str

    def describe(self) -> str:
        return f"phrase list match {self.phrase!r}"


def match_patterns(text: str, normalised: bool = False) -> list[PatternMatch]:
    """Every pattern that fires on `text`, with the phrase that fired it.
    `normalised`: `text` is already normalised."""
    clean = text if normalised else normalise(text)
    found = []
    if m := _INCITEMENT.search(clean):
        found.append(PatternMatch("pattern.incitement", m.group(0)))
    if (m := _DANGEROUS_REMEDY.search(clean)) and not _DEBUNK.search(clean):
        found.append(PatternMatch("pattern.dangerous_remedy", m.group(0)))
    return found


def disputes(text: str) -> str | None:
    """The phrase by which the tweet calls a claim false, or None."""
    m = _DISPUTES.search(text)
    return m.group(0) if m else None


def pattern_signals(matches: list[PatternMatch]) -> dict[str, float]:
    """1.0 for each pattern that fired, 0.0 otherwise."""
    fired = {m.signal for m in matches}
    return {name: float(name in fired) for name in SIGNALS}
