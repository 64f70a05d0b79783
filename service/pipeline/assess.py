"""Assess tweets: language and route, scores, policies, priority, explanation.

Every tweet is routed by its language before anything scores it: to the
model of its language (a lane: a model, the policies built on its card, a
scorer with its own cache), or to a human reviewer. A tweet is never scored
by a model for another language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime

from service.behaviour.coordination import Campaign
from service.claims import evidence as claim_evidence
from service.claims.matcher import ClaimMatch
from service.inference.explain import occlusion_spans
from service.inference.ngram import ScoringModel
from service.inference.scorer import Scored, Scorer
from service.legal.orders import OrderHit, OrderSource
from service.media.analyser import MediaAnalyser, PreparedMedia
from service.pipeline.claims import ClaimBank
from service.pipeline.evidence import Found, Routed, gather
from service.pipeline.served import Lane, Served
from service.policy.engine import Recommendation, evaluate
from service.policy.priority import FORMULA, engagement_per_hour, priority, reach
from service.policy.schema import Action, Policy
from service.policy.tables import DECISIONS
from service.schemas.assessment import (
    Assessment,
    Explanation,
    PriorityFactors,
    RecommendationOut,
    Span,
    Visibility,
)
from service.schemas.tweet import Tweet
from service.settings import Route
from service.text import normalise
from service.text.language import resolve_language

DEFAULT_ROUTES: Mapping[str, Route] = {"en": Route.model, "hi-Latn": Route.human_review}
HUMAN_REVIEW = "human_review"


Media = list[list[PreparedMedia]]


class Assessor:
    def __init__(
        self,
        model: ScoringModel,
        policies: list[Policy],
        media: MediaAnalyser | None = None,
        orders: OrderSource | None = None,
        scorer: Scorer | None = None,
        languages: Mapping[str, Served] | None = None,
        routes: Mapping[str, Route] | None = None,
        make_scorer: Callable[[ScoringModel], Scorer] = Scorer,
        claims: ClaimBank | None = None,
    ) -> None:
        """`model`/`policies`/`scorer`: the English lane. `languages`: the
        other languages' lanes. `routes`: language -> model or human review
        (Settings.language_routes); unlisted languages go to a reviewer.
        `make_scorer`: builds each other lane's scorer (the service's cache
        and batching settings). `claims`: the fact-check bank English
        tweets are matched against (None: no claim matching)."""
        self.scorer = scorer or Scorer(model)
        self.lanes = {"en": Lane(Served(model, policies), self.scorer)}
        for lang, served in (languages or {}).items():
            self.lanes[lang] = Lane(served, make_scorer(served.model))
        self.routes = dict(routes or {**DEFAULT_ROUTES, **dict.fromkeys(self.lanes, Route.model)})
        self._routes = {lang.lower(): r for lang, r in self.routes.items()}  # tags are case-insensitive
        self.media = media
        self.orders = orders or OrderSource(frozenset())
        self.claims = claims

    @property
    def served(self) -> Served:
        """The English lane (batching, reload, retraining and the audit endpoints start here)."""
        return self.lanes["en"].served

    @property
    def model(self) -> ScoringModel:
        return self.served.model

    @property
    def policies(self) -> list[Policy]:
        return self.served.policies

    @property
    def all_policies(self) -> list[Policy]:
        """Every lane's policies, each once: what a reviewer's verdict may cite."""
        unique = {p.ref: p for lane in self.lanes.values() for p in lane.served.policies}
        return list(unique.values())

    @property
    def policy_versions(self) -> dict[str, str]:
        return self.served.policy_versions

    def swap(self, served: Served, language: str = "en") -> None:
        """Serve `served` for `language` from the next request on; its
        duplicate cache empties. Requests already running finish on the
        model they started with."""
        lane = self.lanes[language]
        lane.served = served
        lane.scorer.swap(served.model)

    def route(self, given: str | None, clean: str) -> Routed:
        """The tweet's language (the client's, checked for romanised Hindi,
        else detected) and the lane that scores it: the route for the exact
        tag, else for its base language; no route, or no lane: a reviewer."""
        lang, detected = resolve_language(given, clean, normalised=True)
        return Routed(lang, detected, self._lane(lang))

    def _lane(self, lang: str) -> str | None:
        """A region subtag follows its base language (en-GB → en); a script
        subtag never does (hi-Latn is not read by the Devanagari model)."""
        tag = lang.lower()
        base, _, rest = tag.partition("-")
        route = self._routes.get(tag)
        if route is None and not (rest and len(rest.split("-")[0]) == 4):  # 4 letters: a script
            route = self._routes.get(base)
        return base if route is Route.model and base in self.lanes else None

    def _score(self, lane: str, served: Served, clean: list[str], deadline: float | None) -> list[Scored]:
        """Scores from `served.model` only: a micro-batch that ran after a
        swap scored with the new model, so those texts are scored again."""
        scored = self.lanes[lane].scorer.score(clean, deadline, normalised=True)
        stale = [i for i, s in enumerate(scored) if s.scores.model_version != served.model.version]
        if stale:
            fresh = served.model.score([clean[i] for i in stale], normalised=True)
            for i, f in zip(stale, fresh, strict=True):
                scored[i] = Scored(f, False)
        return scored

    def assess(
        self,
        tweets: list[Tweet],
        *,
        spans: bool,
        now: datetime | None = None,
        media: Media | None = None,
        campaigns: dict[str, Campaign] | None = None,
        viewer_country: str | None = None,
        deadline: float | None = None,
    ) -> list[Assessment]:
        """`media[i]` holds tweet i's validated attachments (see
        `service.api.media_input`); without it, attachments are not analysed.
        `campaigns` maps tweet ids to the coordinated campaign they belong to.
        `deadline` (time.monotonic()): texts still queued past it are not scored
        (`batcher.DeadlineExpiredError`)."""
        now = now or datetime.now(UTC)
        lanes = {name: lane.served for name, lane in self.lanes.items()}  # one snapshot per request
        clean = [normalise(t.text) for t in tweets]  # once per tweet: cache key, model, language, patterns
        routed = [self.route(t.lang, c) for t, c in zip(tweets, clean, strict=True)]
        scored: list[Scored | None] = [None] * len(tweets)
        for name, served in lanes.items():
            rows = [i for i, r in enumerate(routed) if r.lane == name]
            if rows:
                for i, s in zip(
                    rows, self._score(name, served, [clean[i] for i in rows], deadline), strict=True
                ):
                    scored[i] = s
        media = media or [[] for _ in tweets]
        ctx = (campaigns or {}, viewer_country.upper() if viewer_country else None)
        return [
            self._one(lanes[r.lane] if r.lane else None, t, c, r, s, spans, now, m, ctx)
            for t, c, r, s, m in zip(tweets, clean, routed, scored, media, strict=True)
        ]

    def rank(
        self,
        tweets: list[Tweet],
        *,
        spans: bool,
        now: datetime | None = None,
        media: Media | None = None,
        campaigns: dict[str, Campaign] | None = None,
        viewer_country: str | None = None,
        deadline: float | None = None,
    ) -> list[Assessment]:
        """Highest priority first; ties keep the order they came in."""
        assessed = self.assess(
            tweets,
            spans=spans,
            now=now,
            media=media,
            campaigns=campaigns,
            viewer_country=viewer_country,
            deadline=deadline,
        )
        ordered = sorted(assessed, key=lambda a: -a.priority)
        return [a.model_copy(update={"rank": i + 1}) for i, a in enumerate(ordered)]

    def _one(
        self,
        served: Served | None,
        tweet: Tweet,
        clean: str,
        routed: Routed,
        scored: Scored | None,
        spans: bool,
        now: datetime,
        media: list[PreparedMedia],
        ctx: tuple[dict[str, Campaign], str | None],
    ) -> Assessment:
        """One tweet, in four steps: the evidence beside the text scores, the
        policies' recommendations (and legal orders'), the review priority,
        and the explanation. `served` is the tweet's lane, None when it goes
        to a reviewer (then `scored` is None too)."""
        campaigns, viewer = ctx
        probs = scored.scores.probs if scored else {}
        found = gather(
            self.media, self.claims, served, tweet, clean, routed, probs, now, media, campaigns.get(tweet.id)
        )
        recs, hits = self._recommend(served, tweet, routed.lang, found)
        acting = [r for r in recs if r.action is not Action.no_action]
        strongest = max(acting, key=lambda r: (r.severity, r.confidence), default=None)
        velocity = engagement_per_hour(tweet.public_metrics.engagement, tweet.created_at, now)
        r = reach(tweet.author.followers_count, tweet.public_metrics.engagement, velocity)
        p = priority(strongest.severity, strongest.confidence, r) if strongest else priority(0.0, 0.0, r)
        withheld = sorted({h.order.country for h in hits if not h.exempt})
        return Assessment(
            tweet_id=tweet.id,
            lang=routed.lang,
            lang_detected=routed.detected,
            supported_language=served is not None,
            route=f"model:{routed.lane}" if routed.lane else HUMAN_REVIEW,
            scores=probs,
            priority=round(p.value, 4),
            priority_band=p.band,
            priority_factors=PriorityFactors(
                severity=p.severity,
                confidence=round(p.confidence, 4),
                reach=round(p.reach, 4),
                followers=tweet.author.followers_count,
                engagement=tweet.public_metrics.engagement,
                engagement_per_hour=None if velocity is None else round(velocity, 2),
                formula=FORMULA,
            ),
            recommendations=[_out(rec, found.matches) for rec in recs],
            explanation=self._explain(served, tweet, spans, acting, strongest, found.signals),
            media=found.reports,
            media_verdict=found.verdict,
            coordination=found.campaign.describe() if found.campaign else None,
            legal_deadline=min((h.order.deadline for h in hits), default=None),
            visibility=Visibility(
                withheld_in=withheld,
                viewer_country=viewer,
                withheld_for_viewer=None if viewer is None else viewer in withheld,
            ),
            model_version=served.model.version if served else None,
            policy_versions=served.policy_versions if served else {},
            cache_hit=scored.cache_hit if scored else False,
            fact_checks=[claim_evidence.out(m) for m in found.matches],
        )

    def _recommend(
        self, served: Served | None, tweet: Tweet, lang: str, found: Found
    ) -> tuple[list[Recommendation], list[OrderHit]]:
        """The lane's policies (or a reviewer, for a language without a model),
        plus every legal order the tweet meets."""
        if served is None:
            recs = [_needs_review(lang)]
        else:
            recs = [
                r for d in evaluate(served.policies, found.signals, found.evidence) for r in d.recommendations
            ]
        hits = self.orders.index.match(tweet, self.orders.exempt_types)
        return recs + [h.recommendation for h in hits], hits

    def _explain(
        self,
        served: Served | None,
        tweet: Tweet,
        spans: bool,
        acting: list[Recommendation],
        strongest: Recommendation | None,
        signals: dict[str, float],
    ) -> Explanation:
        """Why, in the policies' words, and (when asked) the words of the text
        that drove the strongest recommendation's text head."""
        text_drivers: list[str] = []
        if served and strongest:  # drivers in the model's own names (the Hindi model's fake.fake)
            card = served.model.card
            heads = {h.name for h in card.heads} | {"risk"}
            own = [card.signal_map.get(d, d) for d in strongest.drivers]
            text_drivers = [d for d in own if d.split(".")[0] in heads]
        top_signal = text_drivers[0] if text_drivers else None  # spans explain text heads only
        top_head = top_signal.removeprefix("risk.").split(".")[0] if top_signal else None
        found = None
        if spans and top_signal and served:
            spans_found = occlusion_spans(served.model, tweet.text, top_signal, signals[top_signal])
            found = [Span(**asdict(s)) for s in spans_found]
        reasons = [
            f"{rec.policy} [{rec.cell}] → {rec.action.value}: " + "; ".join(rec.reasons) for rec in acting
        ]
        return Explanation(
            reasons=reasons or ["no policy cell recommends an action"], top_head=top_head, spans=found
        )


def _needs_review(lang: str) -> Recommendation:
    """A language no served model reads never gets a confident no_action."""
    reason = f"no model reads language {lang!r}: routed to human review, unscored"
    return Recommendation(
        action=Action.needs_human_review,
        label_text=None,
        policy=DECISIONS.language_support.policy,
        cell=f"unsupported:{lang}",
        severity=DECISIONS.language_support.severity,
        confidence=1.0,
        reasons=(reason,),
        levels={"language": lang},
        drivers=(),
        statement_of_reasons=None,
    )


def _out(rec: Recommendation, matches: Sequence[ClaimMatch] = ()) -> RecommendationOut:
    """`matches`: the tweet's fact-check matches; a recommendation cites
    those its reasons quote."""
    scope = rec.statement_of_reasons.territorial_scope if rec.statement_of_reasons else None
    said = " ".join(rec.reasons)
    cited = [claim_evidence.out(m) for m in matches if f"fact-check #{m.fact_check.id} " in said]
    return RecommendationOut(
        country=scope if scope and scope != "global" else None,
        action=rec.action,
        label_text=rec.label_text,
        policy=rec.policy,
        cell=rec.cell,
        severity=rec.severity,
        confidence=rec.confidence,
        reasons=list(rec.reasons),
        statement_of_reasons=rec.statement_of_reasons,
        citations=cited,
    )
