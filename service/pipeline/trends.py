"""Trends and search-suggestion screening for candidate hashtags and terms.

Each candidate comes with a sample of its recent tweets. We assess them all,
then decide on three measured shares:

- label-grade share: tweets with a recommendation of `label` or stronger;
- severe share: tweets whose strongest recommendation reaches `severe_at`;
- coordinated share: tweets in a coordinated-posting campaign.

`exclude_from_search_suggestions` (the stronger lever: it also keeps the term
out of Trends) or `exclude_from_trends` when a share reaches its threshold in
`service/policy/tables.yaml` (today: severe ≥ 20% or label-grade ≥ 50%;
label-grade ≥ 25% or coordinated ≥ 30%); else `allow`. A hashtag named in a
legal order is excluded in that country only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from service.behaviour.coordination import CoordinationConfig, coordination_scores, posts_of
from service.pipeline.assess import Assessor
from service.policy.schema import Action
from service.policy.tables import DECISIONS
from service.schemas.assessment import Assessment
from service.schemas.legal import TrendCandidate, TrendDecision

TABLE = DECISIONS.trends


def screen(assessor: Assessor, candidate: TrendCandidate, config: CoordinationConfig) -> TrendDecision:
    now = datetime.now(UTC)
    campaigns = coordination_scores(posts_of(list(candidate.tweets), now), config)
    assessed = assessor.rank(list(candidate.tweets), spans=False, now=now, campaigns=campaigns)
    n = len(assessed)
    graded = [a for a in assessed if _label_grade(a)]
    severe = [a for a in assessed if _severity(a) >= TABLE.severe_at]
    shares = {"label_grade": len(graded) / n, "severe": len(severe) / n, "coordinated": len(campaigns) / n}
    reasons = []
    search, trends = TABLE.exclude_from_search_suggestions, TABLE.exclude_from_trends
    if shares["severe"] >= search.severe_share or shares["label_grade"] >= search.label_grade_share:
        decision = Action.exclude_from_search_suggestions.value
        reasons.append(f"{shares['severe']:.0%} severe and {shares['label_grade']:.0%} label-grade tweets")
    elif (
        shares["label_grade"] >= trends.label_grade_share or shares["coordinated"] >= trends.coordinated_share
    ):
        decision = Action.exclude_from_trends.value
        reasons.append(
            f"{shares['label_grade']:.0%} label-grade and {shares['coordinated']:.0%} coordinated tweets"
        )
    else:
        decision = "allow"
        reasons.append("below every exclusion threshold")
    countries = {}
    if candidate.term.startswith("#"):
        for order in assessor.orders.index.hashtag_orders(candidate.term):
            countries[order.country] = Action.exclude_from_trends.value
            reasons.append(f"named in legal order {order.id}: excluded from Trends in {order.country} only")
    top = assessed[:3]  # rank() already orders by priority
    return TrendDecision(
        term=candidate.term,
        decision=decision,
        countries=countries,
        reasons=reasons,
        evidence={
            "tweets": n,
            "label_grade": len(graded),
            "severe": len(severe),
            "coordinated": len(campaigns),
            "shares": {k: round(v, 3) for k, v in shares.items()},
            "campaigns": sorted({c.describe() for c in campaigns.values()}),
            "top_examples": [
                {"tweet_id": a.tweet_id, "priority": a.priority, "reasons": a.explanation.reasons[:2]}
                for a in top
            ],
        },
    )


def _label_grade(a: Assessment) -> bool:
    return any(r.action in TABLE.label_grade_actions for r in a.recommendations)


def _severity(a: Assessment) -> float:
    return max((r.severity for r in a.recommendations if r.action is not Action.no_action), default=0.0)
