"""How every source label becomes head labels.

A loader reports each row as (field, value) pairs, for example
("subtask_a", "OFF"). This table maps each pair to head labels. A pair that
maps to `{}` is known and carries no head information; a pair missing from
the table is an unknown label, and the row is dropped and counted.

Within one row, when two pairs label the same head, the more severe label wins
(the order in HEADS), e.g. OLID OFF + GRP gives abuse=hate_or_threat.
`training/README.md` documents the reasoning for every cell.
"""

from __future__ import annotations

from typing import Final

from training.corpus.heads import HEADS

Cell = dict[str, str]

_CREDIBLE_CLAIM: Final = {"veracity": "credible", "claim": "claim"}
_MISLEADING_CLAIM: Final = {"veracity": "misleading", "claim": "claim"}
_DISPUTED_CLAIM: Final = {"veracity": "disputed", "claim": "claim"}

MAPPING: Final[dict[str, dict[tuple[str, str], Cell]]] = {
    "constraint_en": {
        ("label", "real"): {"veracity": "credible"},
        ("label", "fake"): {"veracity": "misleading"},
    },
    "checkthat2022_1c": {
        ("class_label", "0"): {"harm": "not_harmful"},
        ("class_label", "1"): {"harm": "harmful"},
    },
    "checkthat2022_1d": {
        ("class_label", "no_not_interesting"): {"harm_type": "none"},
        ("class_label", "harmful"): {"harm_type": "other_harm"},
        ("class_label", "yes_discusses_cure"): {"harm_type": "cure_claim"},
        ("class_label", "yes_blame_authorities"): {"harm_type": "blame_authorities"},
        ("class_label", "yes_calls_for_action"): {"harm_type": "call_to_action"},
        # Attention-worthy for other reasons: no harm kind is asserted.
        ("class_label", "yes_discusses_action_taken"): {},
        ("class_label", "yes_contains_advice"): {},
        ("class_label", "yes_asks_question"): {},
        ("class_label", "yes_other"): {},
    },
    # 1B is the one sizeable source of non-claims (opinions, jokes, questions).
    "checkthat2022_1b": {
        ("class_label", "1"): {"claim": "claim"},
        ("class_label", "0"): {"claim": "no_claim"},
    },
    # Check-worthy implies a verifiable claim; not check-worthy says nothing
    # (a claim can be true and dull).
    "checkthat2022_1a": {
        ("class_label", "1"): {"claim": "claim"},
        ("class_label", "0"): {},
    },
    # Everyday tweets: their task labels say nothing about our heads; they
    # teach only through the weak BACKGROUND labels below.
    "tweeteval_emoji": {("emoji", str(i)): {} for i in range(20)},
    "tweeteval_emotion": {("emotion", str(i)): {} for i in range(4)},
    "tweeteval_irony": {("irony", str(i)): {} for i in range(2)},
    "tweeteval_sentiment": {("sentiment", str(i)): {} for i in range(3)},
    # HatEval: hate against immigrants or women. Its "not hate" tweets are
    # mostly ordinary talk about immigration and women; without them as
    # "none" the head learned the topic itself as hate (a model trained with
    # "not hate" unlabelled scored "thank Merkel for letting the refugees in"
    # 0.99 hate_or_threat).
    "tweeteval_hate": {
        ("hate", "1"): {"abuse": "hate_or_threat"},
        ("hate", "0"): {"abuse": "none"},
    },
    "nlp4if2021": {
        ("q1", "yes"): {"claim": "claim"},
        ("q1", "no"): {"claim": "no_claim"},
        # Annotators, not fact-checkers, judged falsity: "disputed", not "misleading".
        ("q2", "yes"): {"veracity": "disputed"},
        ("q2", "no"): {"veracity": "credible"},
        ("q2", "nan"): {},
        # Q6 "harmful to society" agrees with CheckThat 1C on 999 of 1,005 shared tweets.
        ("q6", "yes"): {"harm": "harmful"},
        ("q6", "no"): {"harm": "not_harmful"},
        ("q6", "nan"): {},
    },
    "covid_rumor": {
        ("label", "T"): _CREDIBLE_CLAIM,
        ("label", "F"): _MISLEADING_CLAIM,
        ("label", "U"): {"veracity": "unverified", "claim": "claim"},
    },
    "coaid": {
        ("kind", "ClaimFake"): _MISLEADING_CLAIM,
        # Real "claims" are mostly WHO FAQ questions, so they say nothing about `claim`.
        ("kind", "ClaimReal"): {"veracity": "credible"},
        ("kind", "NewsFake"): {"veracity": "misleading"},
        ("kind", "NewsReal"): {"veracity": "credible"},
    },
    "liar": {
        ("label", "pants-fire"): _MISLEADING_CLAIM,
        ("label", "false"): _MISLEADING_CLAIM,
        ("label", "barely-true"): _DISPUTED_CLAIM,
        ("label", "half-true"): _DISPUTED_CLAIM,
        ("label", "mostly-true"): _CREDIBLE_CLAIM,
        ("label", "true"): _CREDIBLE_CLAIM,
    },
    "olid": {
        # Level A says "offensive"; level B says whether anyone is targeted.
        # Untargeted profanity is not abuse (violent-speech policy), so the
        # abuse label comes from level B: TIN is offensive, UNT is none.
        ("subtask_a", "NOT"): {"abuse": "none"},
        ("subtask_a", "OFF"): {},
        ("subtask_b", "TIN"): {"abuse": "offensive"},
        ("subtask_b", "UNT"): {"abuse": "none"},
        ("subtask_b", "NULL"): {},
        # A targeted insult or threat against a group is hate-like.
        ("subtask_c", "GRP"): {"abuse": "hate_or_threat"},
        ("subtask_c", "IND"): {},
        ("subtask_c", "OTH"): {},
        ("subtask_c", "NULL"): {},
    },
    "davidson": {
        ("class", "0"): {"abuse": "hate_or_threat"},
        ("class", "1"): {"abuse": "offensive"},
        ("class", "2"): {"abuse": "none"},
    },
    "utkml_spam": {
        ("Type", "Quality"): {"spam": "not_spam"},
        ("Type", "Spam"): {"spam": "spam"},
    },
    "sms_spam": {
        ("Label", "ham"): {"spam": "not_spam"},
        ("Label", "spam"): {"spam": "spam"},
    },
    "constraint_hindi": {
        ("label", "non-hostile"): {"veracity": "credible", "abuse": "none"},
        ("label", "fake"): {"veracity": "misleading"},
        ("label", "hate"): {"abuse": "hate_or_threat"},
        ("label", "offensive"): {"abuse": "offensive"},
        ("label", "defamation"): {},
    },
}


# Weak labels implied by a source's sampling rather than by an annotator: every
# row of the source carries them unless an annotator's label for the same head
# says otherwise (build.py). Training weighs them by `background_weight`.
# Everyday tweets are mostly not claims, not harmful, not spam and not abusive;
# veracity stays unknown (masked): a tweet that makes no claim has no veracity.
_EVERYDAY: Final = {"claim": "no_claim", "harm": "not_harmful", "spam": "not_spam", "abuse": "none"}
BACKGROUND: Final[dict[str, Cell]] = {
    "tweeteval_emoji": _EVERYDAY,
    "tweeteval_emotion": _EVERYDAY,
    "tweeteval_irony": _EVERYDAY,
    "tweeteval_sentiment": _EVERYDAY,
    # Collected for hate speech: only "not spam" is safe to imply.
    "tweeteval_hate": {"spam": "not_spam"},
}


class UnknownLabelError(KeyError):
    """A (field, value) pair that the source's table does not know."""


def map_row(source: str, fields: list[tuple[str, str]]) -> dict[str, str]:
    """Head labels for one row; the most severe wins where pairs overlap."""
    table = MAPPING[source]
    labels: dict[str, str] = {}
    for pair in fields:
        if pair not in table:
            raise UnknownLabelError(pair)
        for head, label in table[pair].items():
            current = labels.get(head)
            if current is None or HEADS[head].index(label) > HEADS[head].index(current):
                labels[head] = label
    return labels
