"""What a case card shows, built from the stored case and the loaded policies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from service.policy.schema import Policy
from service.store.models import Case


@dataclass(frozen=True)
class RecView:
    action: str
    label_text: str | None
    policy: str
    cell: str
    reasons: list[str]
    policy_title: str
    policy_summary: str
    rule_note: str


@dataclass(frozen=True)
class Picker:
    """The override's "correct cell" choice for one policy: every cell of its
    table but the suggested one, so a reviewer can say "this is
    misleading×severe", not only "not this"."""

    policy: str  # id@version
    name: str  # the policy id, for the label
    suggested: str
    cells: list[str]


@dataclass(frozen=True)
class CardView:
    id: int
    tweet_id: str
    text_parts: list[tuple[str, bool]]  # (segment, highlighted)
    author: str
    lang: str  # the tweet's language, and where it went: model:<lang> or human_review
    route: str
    followers: int
    engagement: int
    reach: float
    priority: float
    band: str
    sla_deadline: str
    text_hash: str
    recommendations: list[RecView]
    media: list[dict[str, Any]] = field(default_factory=list)
    pickers: list[Picker] = field(default_factory=list)
    suggested_by: str = ""  # the model and policy versions behind the suggestions
    fact_checks: list[dict[str, Any]] = field(default_factory=list)  # banked fact-checks it matches


def highlight(text: str, spans: list[dict[str, Any]] | None) -> list[tuple[str, bool]]:
    """Split the text into plain and highlighted runs, spans in character offsets."""
    marks = sorted((int(s["start"]), int(s["end"])) for s in spans or [] if s.get("weight", 0) > 0)
    parts, at = [], 0
    for start, end in marks:
        start = max(start, at)
        if start >= end:
            continue
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < len(text):
        parts.append((text[at:], False))
    return parts


def card(case: Case, policies: dict[str, Policy]) -> CardView:
    a, tweet = case.assessment, case.tweet
    factors = a.get("priority_factors", {})
    recs = []
    for r in a.get("recommendations", []):
        if r["action"] == "no_action":
            continue
        policy = policies.get(r["policy"])
        rule = next((x for x in policy.rules if x.cell == r["cell"]), None) if policy else None
        recs.append(
            RecView(
                action=r["action"],
                label_text=r.get("label_text"),
                policy=r["policy"],
                cell=r["cell"],
                reasons=list(r.get("reasons", [])),
                policy_title=policy.title if policy else r["policy"],
                policy_summary=" ".join(policy.summary.split()) if policy else "",
                rule_note=rule.note if rule else "",
            )
        )
    deadline = case.sla_deadline if case.sla_deadline.tzinfo else case.sla_deadline.replace(tzinfo=UTC)
    media = [
        {"index": m["index"] + 1, "status": m["status"], "findings": m["findings"], "advisory": m["advisory"]}
        for m in a.get("media", [])
    ]
    pickers: list[Picker] = []
    for r in a.get("recommendations", []):
        policy = policies.get(r["policy"])
        if policy is None or any(p.policy == r["policy"] for p in pickers):
            continue
        cells = [rule.cell for rule in policy.rules if rule.cell != r["cell"]]
        pickers.append(Picker(r["policy"], policy.id, r["cell"], cells))
    versions = ", ".join(f"{k}@{v}" for k, v in sorted(a.get("policy_versions", {}).items()))
    return CardView(
        id=case.id,
        tweet_id=case.tweet_id,
        text_parts=highlight(tweet["text"], a.get("explanation", {}).get("spans")),
        author=(tweet.get("author") or {}).get("username") or "unknown author",
        lang=str(a.get("lang", "und")),
        route=str(a.get("route", "model:en")),
        followers=int(factors.get("followers", 0)),
        engagement=int(factors.get("engagement", 0)),
        reach=float(factors.get("reach", 0.0)),
        priority=case.priority,
        band=case.priority_band,
        sla_deadline=deadline.isoformat(),
        text_hash=case.text_hash,
        recommendations=recs,
        media=media,
        pickers=pickers,
        suggested_by=f"model {a.get('model_version') or 'none (unscored)'}; policies {versions or 'none'}",
        fact_checks=list(a.get("fact_checks", [])),
    )
