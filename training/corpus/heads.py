"""The classifier's heads and their label sets.

Each source dataset labels only some heads; `None` in an example's labels
means "this source says nothing about that head", which masks the head's loss.
"""

from __future__ import annotations

from typing import Final

HEADS: Final[dict[str, tuple[str, ...]]] = {
    # Does the text make a verifiable factual claim?
    "claim": ("no_claim", "claim"),
    # The misleading-information policy's claim types, plus "credible".
    "veracity": ("credible", "unverified", "disputed", "misleading"),
    # Harmful to society (panic, bad cures, xenophobia, calls to action, blame).
    "harm": ("not_harmful", "harmful"),
    # Which kind of harm; only sources that annotate the kind feed this head.
    "harm_type": ("none", "cure_claim", "blame_authorities", "call_to_action", "other_harm"),
    "abuse": ("none", "offensive", "hate_or_threat"),
    "spam": ("not_spam", "spam"),
}

Labels = dict[str, str | None]


def check_label(head: str, label: str) -> None:
    """Fail loudly on a head or label outside HEADS: mapping typos must not
    silently become a new class."""
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}; heads are {sorted(HEADS)}")
    if label not in HEADS[head]:
        raise ValueError(f"unknown label {label!r} for head {head!r}; labels are {HEADS[head]}")
