"""Legal orders in memory, and what they mean for one tweet.

A matching order yields `withhold_in_country`, scoped to the ordering
country only, with the withheld notice as its label. When the author belongs
to an exempt class (news media, journalists, activists, politicians by
default; configuration, not code) it yields `legal_review` instead: on
free-expression grounds a human decides, and nothing is withheld
automatically.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.legal.targets import TargetKind, tweet_keys
from service.policy.engine import REDRESS, Recommendation, StatementOfReasons
from service.policy.schema import Action
from service.policy.tables import DECISIONS
from service.schemas.tweet import Tweet

POLICY = "country_withheld_content@1"
NOTICE = "This Tweet from @{username} has been withheld in {country} in response to a legal demand."
SEVERITY = DECISIONS.legal_orders  # service/policy/tables.yaml


@dataclass(frozen=True)
class OrderInfo:
    id: int
    country: str
    legal_basis: str
    authority: str
    reference: str
    emergency: bool
    sealed: bool
    received_at: datetime
    deadline: datetime
    targets: tuple[tuple[TargetKind, str], ...]


@dataclass(frozen=True)
class OrderHit:
    order: OrderInfo
    matched: tuple[tuple[TargetKind, str], ...]
    exempt: bool
    recommendation: Recommendation


class OrderIndex:
    def __init__(self, orders: list[OrderInfo] | None = None) -> None:
        self.orders = tuple(orders or ())
        self._by_key: dict[tuple[TargetKind, str], list[OrderInfo]] = {}
        for o in self.orders:
            for key in o.targets:
                self._by_key.setdefault(key, []).append(o)

    def hashtag_orders(self, tag: str) -> list[OrderInfo]:
        return list(self._by_key.get((TargetKind.hashtag, tag.lstrip("#").casefold()), ()))

    def match(self, tweet: Tweet, exempt_types: frozenset[str]) -> list[OrderHit]:
        found: dict[int, tuple[OrderInfo, list[tuple[TargetKind, str]]]] = {}
        for key in tweet_keys(tweet):
            for order in self._by_key.get(key, ()):
                found.setdefault(order.id, (order, []))[1].append(key)
        exempt = tweet.author.account_type.value in exempt_types
        return [
            OrderHit(
                order, tuple(sorted(keys)), exempt, _recommend(order, tuple(sorted(keys)), tweet, exempt)
            )
            for order, keys in sorted(found.values(), key=lambda x: x[0].deadline)
        ]


def _recommend(
    order: OrderInfo, keys: tuple[tuple[TargetKind, str], ...], tweet: Tweet, exempt: bool
) -> Recommendation:
    named = ", ".join(f"{k.value} {v}" for k, v in keys)
    ref = "a sealed order" if order.sealed else f"{order.authority} {order.reference}"
    facts = f"order {order.id} ({ref}, {order.legal_basis}) names {named}"
    if exempt:
        action, label, severity = Action.legal_review, None, SEVERITY.review_severity
        reasons = (
            facts,
            f"protected-speech exemption: the author is {tweet.author.account_type.value}; "
            f"nothing is withheld automatically, a legal reviewer decides",
        )
    else:
        action, severity = Action.withhold_in_country, SEVERITY.withhold_severity
        label = NOTICE.format(username=tweet.author.username or "this account", country=order.country)
        reasons = (facts, f"withheld in {order.country} only; the Tweet stays visible elsewhere")
    sor = StatementOfReasons(
        restriction=action.value,
        territorial_scope=order.country,
        duration="until the order is lifted or successfully challenged",
        facts_and_circumstances="; ".join(reasons),
        automated_detection=True,
        automated_decision=False,
        decision="suggested — pending human review",
        ground=f"{order.legal_basis} (order {order.id})",
        ground_type="illegal_content_under_national_law",
        redress=list(REDRESS),
    )
    return Recommendation(
        action=action,
        label_text=label,
        policy=POLICY,
        cell=f"order:{order.id}:{'exempt' if exempt else 'withhold'}",
        severity=severity,
        confidence=1.0,
        reasons=reasons,
        levels={"country": order.country, "exempt": str(exempt).lower()},
        drivers=(),
        statement_of_reasons=sor,
    )


class OrderSource:
    """The live legal-order index and who is exempt; the follower and the
    order writes swap the index when orders change."""

    def __init__(self, exempt_types: frozenset[str]) -> None:
        self.index = OrderIndex()
        self.exempt_types = exempt_types
