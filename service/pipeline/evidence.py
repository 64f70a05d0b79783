"""The evidence beside the text scores that the policies read, gathered
for one tweet: media findings, coordination, account age, phrase lists and
fact-check matches (the last two English only), as signals with the
evidence a reviewer reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from service.behaviour.coordination import Campaign
from service.claims import evidence as claim_evidence
from service.claims.matcher import ClaimMatch
from service.media.analyser import NO_MEDIA, MediaAnalyser, PreparedMedia
from service.pipeline.claims import ClaimBank
from service.pipeline.served import Served
from service.policy.signals import compute_signals
from service.schemas.media import MediaReport, MediaVerdict
from service.schemas.tweet import Tweet
from service.text.patterns import disputes, match_patterns, pattern_signals

NEW_ACCOUNT_DAYS = 30  # an account younger than this at posting time is "new" (account.new)


@dataclass(frozen=True, slots=True)
class Routed:
    """Where one tweet went: its language, and its lane's model (None: a reviewer)."""

    lang: str
    detected: bool
    lane: str | None


@dataclass(frozen=True)
class Found:
    """What `gather` found for one tweet."""

    signals: dict[str, float]
    evidence: dict[str, list[str]]
    reports: list[MediaReport]
    verdict: MediaVerdict
    campaign: Campaign | None
    matches: list[ClaimMatch]


def gather(
    analyser: MediaAnalyser | None,
    claims: ClaimBank | None,
    served: Served | None,
    tweet: Tweet,
    clean: str,
    routed: Routed,
    probs: dict[str, dict[str, float]],
    now: datetime,
    media: list[PreparedMedia],
    campaign: Campaign | None,
) -> Found:
    """Everything the policies read besides the text scores: media
    findings, coordination, account age, phrase lists and fact-check
    matches (the last two English only), as signals with their evidence."""
    reports: list[MediaReport] = []
    verdict = NO_MEDIA
    if analyser is not None and media:
        reports, verdict = analyser.analyse(tweet.text, tweet.created_at or now, media)
    patterns = match_patterns(clean, normalised=True) if routed.lane == "en" else []
    young = _account_age_days(tweet, now)
    matches = claims.match(tweet.text) if claims and routed.lane == "en" else []
    claim_values, claim_facts = claim_evidence.signals(
        matches, claims.matcher.threshold if claims else 1, disputes(clean) if matches else None
    )
    extra = {
        "media.altered": verdict.score,
        "media.forensic": verdict.forensic,
        "behaviour.coordination": 1.0 if campaign else 0.0,
        "account.new": 1.0 if young is not None and young < NEW_ACCOUNT_DAYS else 0.0,
        **pattern_signals(patterns),
        **claim_values,
    }
    signals = compute_signals(served.model.card, probs, extra, served.needed) if served else extra
    evidence = {
        "media.altered": verdict.basis,
        "media.forensic": verdict.advisory,
        "behaviour.coordination": [campaign.describe()] if campaign else [],
        "account.new": [f"account created {young:.0f} days before posting"] if young is not None else [],
        **{m.signal: [m.describe()] for m in patterns},
        **claim_facts,
    }
    return Found(signals, evidence, reports, verdict, campaign, matches)


def _account_age_days(tweet: Tweet, now: datetime) -> float | None:
    """Days between the account's creation and the tweet; None when unknown."""
    created = tweet.author.created_at
    if created is None:
        return None
    posted = tweet.created_at or now
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    posted = posted if posted.tzinfo else posted.replace(tzinfo=UTC)
    return max(0.0, (posted - created).total_seconds() / 86400)
