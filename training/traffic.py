"""The traffic a moderation team sees, built from validation tweets.

Every labelled source was collected because it is about misinformation, abuse
or spam, so per-source F1 says little about what the service does to a real
queue, which is mostly ordinary tweets. This module names validation slices
(everyday TweetEval tweets, OLID "NOT", CONSTRAINT "real", ...), runs them
through the service's own decision path (`Assessor`: language routing, model,
phrase lists, policies) and reports how often each action fires on each slice.

It also defines the *mix*: the slices weighted to a stated prevalence, on
which operating points are chosen (training/operating.py) and each action's
precision is measured. The mix is validation data only; nothing here reads a
test split.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

from service.pipeline.assess import Assessor
from service.schemas.tweet import Tweet
from training.corpus import Example

# What a moderation team counts as the service acting on a tweet.
ACTING: Final = frozenset(
    {"label", "warning_interstitial", "escalate_for_removal_review", "reduce_visibility"}
)
REVIEW: Final = "needs_human_review"


@dataclass(frozen=True, slots=True)
class Slice:
    name: str
    kind: Literal["benign", "harmful"]
    group: str  # the mix group it belongs to ("" = reported, not in the mix)
    fields: frozenset[tuple[str, str, str]]  # any of these (source, field, value)

    def holds(self, ex: Example) -> bool:
        return bool(self.fields & ex.fields)


def _s(name: str, kind: Literal["benign", "harmful"], group: str, *fields: tuple[str, str, str]) -> Slice:
    return Slice(name, kind, group, frozenset(fields))


def _all(source: str, field: str, values: Iterable[object]) -> list[tuple[str, str, str]]:
    return [(source, field, str(v)) for v in values]


SLICES: Final[tuple[Slice, ...]] = (
    _s("TweetEval emoji", "benign", "everyday", *_all("tweeteval_emoji", "emoji", range(20))),
    _s("TweetEval emotion", "benign", "everyday", *_all("tweeteval_emotion", "emotion", range(4))),
    _s("TweetEval irony", "benign", "everyday", *_all("tweeteval_irony", "irony", range(2))),
    _s("TweetEval sentiment", "benign", "everyday", *_all("tweeteval_sentiment", "sentiment", range(3))),
    _s("OLID NOT", "benign", "in_domain", ("olid", "subtask_a", "NOT")),
    _s("CONSTRAINT real", "benign", "in_domain", ("constraint_en", "label", "real")),
    _s("CheckThat! 1C not harmful", "benign", "in_domain", ("checkthat2022_1c", "class_label", "0")),
    _s("UtkML quality", "benign", "in_domain", ("utkml_spam", "Type", "Quality")),
    _s("Davidson neither", "benign", "in_domain", ("davidson", "class", "2")),
    _s("OLID offensive, untargeted", "benign", "", ("olid", "subtask_b", "UNT")),
    _s("CONSTRAINT fake", "harmful", "misleading", ("constraint_en", "label", "fake")),
    _s("COVID rumour false", "harmful", "misleading", ("covid_rumor", "label", "F")),
    _s("CoAID fake", "harmful", "misleading", ("coaid", "kind", "ClaimFake"), ("coaid", "kind", "NewsFake")),
    _s("CheckThat! 1C harmful", "harmful", "", ("checkthat2022_1c", "class_label", "1")),
    _s("OLID offensive, targeted", "harmful", "abusive", ("olid", "subtask_b", "TIN")),
    _s("Davidson hate", "harmful", "abusive", ("davidson", "class", "0")),
    _s("HatEval hate", "harmful", "abusive", ("tweeteval_hate", "hate", "1")),
    _s("UtkML spam", "harmful", "spam", ("utkml_spam", "Type", "Spam")),
    _s("SMS spam", "harmful", "spam", ("sms_spam", "Label", "spam")),
)

# The mix: mostly ordinary tweets, positives at a stated prevalence.
MIX: Final[dict[str, float]] = {
    "everyday": 0.80,
    "in_domain": 0.10,  # benign tweets on the same topics as the harmful ones
    "misleading": 0.05,
    "abusive": 0.03,
    "spam": 0.02,
}
# Which mix group is a true positive for each policy's actions.
POLICY_TRUTH: Final[dict[str, str]] = {
    "misleading_information": "misleading",
    "violent_speech_and_abuse": "abusive",
    "spam_and_platform_manipulation": "spam",
}


# The targets on validation, through the service's decision path:
# slice -> (measure, "max" or "min", limit).
TARGETS: Final[dict[str, tuple[str, str, float]]] = {
    **{f"TweetEval {t}": ("acted", "max", 0.05) for t in ("emoji", "emotion", "irony", "sentiment")},
    **{
        f"TweetEval {t} (review)": ("needs_human_review", "max", 0.05)
        for t in ("emoji", "emotion", "irony", "sentiment")
    },
    "OLID NOT": ("acted", "max", 0.10),
    "CONSTRAINT real": ("acted", "max", 0.05),
    "CheckThat! 1C not harmful": ("acted", "max", 0.15),
    "CONSTRAINT fake": ("acted", "min", 0.85),
    "CheckThat! 1C harmful": ("acted", "min", 0.60),
}


def targets(rows: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (measure, kind, limit) in TARGETS.items():
        row = rows.get(name.removesuffix(" (review)"))
        if row is None:
            continue
        value = row[measure]
        met = value <= limit if kind == "max" else value >= limit
        out[name] = {"measure": measure, "value": value, "target": f"{'≤' if kind == 'max' else '≥'} {limit}",
                     "met": bool(met), "n": row["n"]}  # fmt: skip
    return out


def slice_examples(examples: list[Example]) -> dict[str, list[Example]]:
    """Slice name -> its examples (an example may sit in several slices)."""
    return {s.name: [e for e in examples if s.holds(e)] for s in SLICES}


def mix_weights(slices: dict[str, list[Example]]) -> dict[str, float]:
    """Per-example weight of each slice in the mix: a group's share split
    equally among its slices, then among each slice's examples."""
    per_group = Counter(s.group for s in SLICES if s.group and slices.get(s.name))
    return {
        s.name: MIX[s.group] / per_group[s.group] / len(slices[s.name])
        for s in SLICES
        if s.group and slices.get(s.name)
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the service did to one tweet: (policy, action) pairs it recommended."""

    actions: frozenset[tuple[str, str]]

    @property
    def acted(self) -> bool:
        return any(a in ACTING for _, a in self.actions)

    @property
    def review(self) -> bool:
        return any(a == REVIEW for _, a in self.actions)


Decisions = dict[str, frozenset[tuple[str, str, str]]]  # example id -> {(policy, action, cell)}


def decisions(assessor: Assessor, examples: list[Example], batch: int = 64) -> Decisions:
    """Each example's raw text through the service's decision path, as a
    queue would send it (no language hint, no author, no media): the
    (policy, action, cell) it recommends, no_action left out."""
    out: Decisions = {}
    for start in range(0, len(examples), batch):
        chunk = examples[start : start + batch]
        tweets = [Tweet(id=e.id, text=e.raw_text) for e in chunk]
        for ex, a in zip(chunk, assessor.assess(tweets, spans=False), strict=True):
            out[ex.id] = frozenset(
                (r.policy.split("@", 1)[0], r.action.value, r.cell)
                for r in a.recommendations
                if r.action != "no_action"
            )
    return out


def run(assessor: Assessor, examples: list[Example], batch: int = 64) -> dict[str, Outcome]:
    """What the service did to each example, as (policy, action) pairs."""
    return {
        i: Outcome(frozenset((p, a) for p, a, _ in recs))
        for i, recs in decisions(assessor, examples, batch).items()
    }


def report(slices: dict[str, list[Example]], outcomes: dict[str, Outcome]) -> dict[str, Any]:
    """Per slice: share acted on, share sent to review, and the share of each
    policy:action; then each action's precision on the mix."""
    rows: dict[str, Any] = {}
    for s in SLICES:
        exs = slices.get(s.name, [])
        if not exs:
            continue
        outs = [outcomes[e.id] for e in exs]
        by_action: Counter[str] = Counter(f"{p}:{a}" for o in outs for p, a in o.actions)
        rows[s.name] = {
            "kind": s.kind,
            "group": s.group or None,
            "n": len(exs),
            "acted": round(sum(o.acted for o in outs) / len(outs), 4),
            "needs_human_review": round(sum(o.review for o in outs) / len(outs), 4),
            "by_action": {k: round(v / len(outs), 4) for k, v in sorted(by_action.items())},
        }
    return {
        "slices": rows,
        "targets": targets(rows),
        "mix": {"weights": MIX, "precision": mix_precision(slices, outcomes)},
    }


def markdown(rep: dict[str, Any]) -> str:
    """The traffic report as tables, for card.md and docs/traffic.md."""
    lines = [
        f"Model `{rep['model_version']}`, policies "
        + ", ".join(f"`{k}@{v}`" for k, v in sorted(rep["policy_versions"].items()))
        + ". Validation tweets sent through the service's decision path (language routing, model, phrase"
        " lists, policies) with no language hint, author or media. *Acted* = label, warning interstitial,"
        " escalation or reduced visibility.",
        "",
        "| slice | kind | n | acted | needs_human_review | top actions |",
        "|---|---|---:|---:|---:|---|",
    ]
    for name, row in rep["slices"].items():
        top = sorted(row["by_action"].items(), key=lambda kv: -kv[1])[:3]
        tops = "; ".join(f"{k} {v:.1%}" for k, v in top)
        lines.append(
            f"| {name} | {row['kind']} | {row['n']} | {row['acted']:.1%} | "
            f"{row['needs_human_review']:.1%} | {tops} |"
        )
    lines += ["", "| target | measure | ours | target | met | n |", "|---|---|---:|---|---|---:|"]
    for name, t in rep["targets"].items():
        lines.append(
            f"| {name} | {t['measure']} | {t['value']:.1%} | {t['target']} | "
            f"{'yes' if t['met'] else '**no**'} | {t['n']} |"
        )
    weights = ", ".join(f"{k} {v:.0%}" for k, v in rep["mix"]["weights"].items())
    lines += [
        "",
        f"Precision of each action on the mix ({weights}; each group's share split equally among its"
        " slices). A firing is a true positive when the tweet belongs to the policy's harmful group.",
        "",
        "| policy:action | fires on (share of traffic) | precision |",
        "|---|---:|---:|",
    ]
    for key, p in rep["mix"]["precision"].items():
        prec = "n/a" if p["precision"] is None else f"{p['precision']:.3f}"
        lines.append(f"| {key} | {p['fires_on']:.2%} | {prec} |")
    return "\n".join(lines) + "\n"


def mix_precision(slices: dict[str, list[Example]], outcomes: dict[str, Outcome]) -> dict[str, Any]:
    """For each policy:action that fired on the mix, the weighted share of its
    firings that fell on the policy's true-positive group, and the weighted
    share of all traffic it fires on."""
    weights = mix_weights(slices)
    group_of = {s.name: s.group for s in SLICES}
    fired: defaultdict[str, float] = defaultdict(float)
    true: defaultdict[str, float] = defaultdict(float)
    for name, w in weights.items():
        for ex in slices[name]:
            for policy, action in outcomes[ex.id].actions:
                key = f"{policy}:{action}"
                fired[key] += w
                if POLICY_TRUTH.get(policy) == group_of[name]:
                    true[key] += w
    out: dict[str, Any] = {}
    for key in sorted(fired):
        policy = key.split(":", 1)[0]
        out[key] = {
            "fires_on": round(fired[key], 5),
            "precision": round(true[key] / fired[key], 4) if policy in POLICY_TRUTH else None,
        }
    return out
