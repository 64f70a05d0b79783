"""Reviewer decisions → training examples for the text heads.

A decision holds one verdict per suggested recommendation (accept or
override, optionally with the `correct_cell` that does apply). Each policy
cell says something about the tweet's text, written down in `TABLE`:

- `asserts`: the head labels that hold when the cell applies;
- `refutes`: the head labels that hold when a reviewer overrides the cell to
  no action, i.e. negatives for the heads that made it fire.

| verdict | becomes |
|---|---|
| accept cell C | C.asserts |
| override C, `correct_cell` D | D.asserts, plus C.refutes for heads D says nothing about |
| override C, final actions none / no_action | C.refutes |
| override C, other actions, no `correct_cell` | nothing: the action changed, the content is unsaid |

Left out whole:
- decisions whose reason is a policy exception rather than a judgement of the
  text (`EXCEPTION_REASONS`: a protected speaker, newsworthiness, missing
  context); the model was not wrong about the words;
- cells of policies that are not about the text (`NOT_TEXT`: manipulated
  media is decided by image signals, amplification by the labels of others).

Disagreement: when several decisions on one case give a head different
labels, the majority label wins; a tie leaves that head out (its loss is
masked), so a contested case never teaches either answer.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.store.db import Database
from service.store.models import Case, Decision
from service.text import normalise
from training.corpus import Example
from training.corpus.heads import HEADS, check_label


@dataclass(frozen=True)
class CellMeaning:
    asserts: dict[str, str]
    refutes: dict[str, str] = field(default_factory=dict)


_NOT_MISLEADING = {"veracity": "credible"}
_NOT_HARMFUL_EITHER = {"veracity": "credible", "harm": "not_harmful"}

TABLE: dict[tuple[str, str], CellMeaning] = {
    ("misleading_information", "misleading×severe"): CellMeaning(
        {"claim": "claim", "veracity": "misleading", "harm": "harmful"}, _NOT_HARMFUL_EITHER
    ),
    # "Moderate" is a lower propensity for harm, not none: it says nothing of harm.
    ("misleading_information", "misleading×moderate"): CellMeaning(
        {"claim": "claim", "veracity": "misleading"}, _NOT_MISLEADING
    ),
    ("misleading_information", "disputed×severe"): CellMeaning(
        {"claim": "claim", "veracity": "disputed", "harm": "harmful"}, _NOT_HARMFUL_EITHER
    ),
    ("misleading_information", "disputed×moderate"): CellMeaning(
        {"claim": "claim", "veracity": "disputed"}, _NOT_MISLEADING
    ),
    ("misleading_information", "unverified×any"): CellMeaning(
        {"claim": "claim", "veracity": "unverified"}, _NOT_MISLEADING
    ),
    # A banked fact-check's verdict is a claim rated false; the harm level is the model's.
    ("misleading_information", "fact_checked×severe"): CellMeaning(
        {"claim": "claim", "veracity": "misleading", "harm": "harmful"}, _NOT_MISLEADING
    ),
    ("misleading_information", "fact_checked×moderate"): CellMeaning(
        {"claim": "claim", "veracity": "misleading"}, _NOT_MISLEADING
    ),
    # Context says the claim was examined, not that it is false or true.
    ("misleading_information", "fact_check_context×any"): CellMeaning({"claim": "claim"}),
    # "No misleading claim" may be no claim at all, so it asserts only veracity.
    ("misleading_information", "none×any"): CellMeaning(dict(_NOT_MISLEADING)),
    # Dangerous advice is a claim with a severe propensity for harm; the phrase
    # list fired, so an override refutes the harm, not the words' veracity.
    ("misleading_information", "dangerous_remedy×any"): CellMeaning(
        {"claim": "claim", "veracity": "misleading", "harm": "harmful"}, {"harm": "not_harmful"}
    ),
    # Incitement came from the phrase list; the abuse head learned threats as
    # hate_or_threat, and an override says the words were not abuse.
    ("violent_speech_and_abuse", "incitement"): CellMeaning({"abuse": "hate_or_threat"}, {"abuse": "none"}),
    ("violent_speech_and_abuse", "hate_or_threat"): CellMeaning(
        {"abuse": "hate_or_threat"}, {"abuse": "none"}
    ),
    ("violent_speech_and_abuse", "targeted_insult"): CellMeaning({"abuse": "offensive"}, {"abuse": "none"}),
    ("violent_speech_and_abuse", "none"): CellMeaning({"abuse": "none"}),
    ("spam_and_platform_manipulation", "spam×coordinated"): CellMeaning(
        {"spam": "spam"}, {"spam": "not_spam"}
    ),
    ("spam_and_platform_manipulation", "spam×new_account"): CellMeaning(
        {"spam": "spam"}, {"spam": "not_spam"}
    ),
    ("spam_and_platform_manipulation", "spam×text_only"): CellMeaning({"spam": "spam"}, {"spam": "not_spam"}),
    # Coordination is behaviour, not text: the words themselves are not spam.
    ("spam_and_platform_manipulation", "coordinated"): CellMeaning({"spam": "not_spam"}),
    ("spam_and_platform_manipulation", "new_account"): CellMeaning({"spam": "not_spam"}),
    ("spam_and_platform_manipulation", "not_spam"): CellMeaning({"spam": "not_spam"}),
}
NOT_TEXT = frozenset({"manipulated_media", "amplification"})
EXCEPTION_REASONS = frozenset({"protected_speaker", "newsworthy_public_interest", "insufficient_context"})

for _meaning in TABLE.values():
    for _head, _label in (_meaning.asserts | _meaning.refutes).items():
        check_label(_head, _label)


def policy_id(ref: str) -> str:
    return ref.split("@", 1)[0]


def verdict_labels(verdict: dict[str, Any], final_actions: list[str]) -> dict[str, str]:
    """One verdict's head labels, by the table above."""
    pid = policy_id(str(verdict["policy"]))
    suggested = TABLE.get((pid, str(verdict["cell"])))
    if pid in NOT_TEXT or suggested is None:
        return {}
    if verdict["verdict"] == "accept":
        return dict(suggested.asserts)
    correct = verdict.get("correct_cell")
    if correct:
        meaning = TABLE.get((pid, str(correct)))
        return suggested.refutes | meaning.asserts if meaning else {}
    if all(a == "no_action" for a in final_actions):
        return dict(suggested.refutes)
    return {}


def decision_labels(decision: Decision) -> dict[str, str] | None:
    """A decision's head labels; None when its reason leaves it out. Two
    verdicts of one decision that contradict each other drop that head."""
    if decision.reason_code in EXCEPTION_REASONS:
        return None
    votes: dict[str, set[str]] = {}
    for verdict in decision.verdicts:
        for head, label in verdict_labels(verdict, decision.final_actions).items():
            votes.setdefault(head, set()).add(label)
    return {head: next(iter(labels)) for head, labels in votes.items() if len(labels) == 1}


def resolve(per_decision: list[dict[str, str]]) -> tuple[dict[str, str], int]:
    """Majority label per head across a case's decisions; ties are left out.
    Returns the labels and how many heads were dropped as contested."""
    out: dict[str, str] = {}
    contested = 0
    for head in HEADS:
        counts = Counter(d[head] for d in per_decision if head in d).most_common()
        if not counts:
            continue
        if len(counts) > 1 and counts[0][1] == counts[1][1]:
            contested += 1
            continue
        out[head] = counts[0][0]
    return out, contested


@dataclass
class Feedback:
    examples: list[Example]
    counts: Counter[str]

    def split(self, holdout_fraction: float) -> tuple[list[Example], list[Example]]:
        train: list[Example] = []
        held: list[Example] = []
        for e in self.examples:
            (held if held_out(e.raw_text, holdout_fraction) else train).append(e)
        return train, held


def held_out(text: str, fraction: float) -> bool:
    """By a hash of the normalised text, so copies of a tweet never sit on
    both sides of the split and it is the same on every run."""
    bucket = int(hashlib.sha256(normalise(text).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return bucket < fraction


def collect(db: Database, since: datetime | None = None) -> Feedback:
    """Every decided case with at least one decision after `since`, with all
    its reviewers' decisions (earlier ones too: they vote in the disagreement
    rule), each reviewer's latest only."""
    counts: Counter[str] = Counter()
    with db.session() as s:
        recent = select(Decision.case_id)
        if since is not None:
            recent = recent.where(Decision.created_at > since)
        rows = s.execute(
            select(Case, Decision)
            .join(Decision, Decision.case_id == Case.id)
            .where(Case.id.in_(recent.distinct()))
            .order_by(Case.id, Decision.id)
        ).all()
        by_case: dict[int, tuple[Case, list[Decision]]] = {}
        for case, decision in rows:
            by_case.setdefault(case.id, (case, []))[1].append(decision)
        # A reviewer's later decision on a case supersedes their earlier one:
        # each reviewer votes once (rows are in decision order).
        by_case = {
            cid: (case, list({d.reviewer: d for d in ds}.values())) for cid, (case, ds) in by_case.items()
        }
        examples = []
        for case, decisions in by_case.values():
            counts["decisions"] += len(decisions)
            # Only the English model's own tweets teach it: a Hindi post's
            # verdict on misleading_information is about fake.fake, not about
            # text the English model can read. (Older cases have no route: English.)
            if case.assessment.get("route", "model:en") != "model:en":
                counts["cases_other_route"] += 1
                continue
            labelled = [d for d in (decision_labels(x) for x in decisions) if d is not None]
            counts["decisions_left_out_by_reason"] += len(decisions) - len(labelled)
            labels, contested = resolve(labelled)
            counts["heads_contested"] += contested
            if not labels:
                counts["cases_without_labels"] += 1
                continue
            text = str(case.tweet.get("text", ""))
            examples.append(
                Example(
                    id=f"case:{case.id}",
                    text=normalise(text),
                    raw_text=text,
                    lang="en",
                    split="feedback",
                    sources=("feedback",),
                    labels={h: labels.get(h) for h in HEADS},
                    label_sources=dict.fromkeys(labels, ("feedback",)),
                )
            )
            for head, label in labels.items():
                counts[f"{head}={label}"] += 1
    counts["cases"] = len(by_case)
    counts["examples"] = len(examples)
    return Feedback(examples, counts)
