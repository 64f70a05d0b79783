"""Everything that assesses and stores tweets, built once from Settings.

The HTTP app and the stream worker build the same runtime, so a tweet sent
through `POST /v1/cases` and one taken off the stream meet the same models,
policies, media signals, legal orders and fact-check bank. Everything that
can be wrong with the configuration, a model folder or a policy fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.inference.ngram import ScoringModel
from service.inference.scorer import Scorer
from service.legal.orders import OrderSource
from service.media.analyser import MediaAnalyser
from service.media.bank_index import BankIndexHolder
from service.media.decode import DecodeLimits
from service.media.registry import build_signals, check_registry
from service.media.reliability import load_reliability
from service.pipeline.assess import Assessor
from service.pipeline.banks import MediaBanks
from service.pipeline.claims import ClaimBank, load_claim_bank
from service.pipeline.follow import Follower
from service.pipeline.lanes import load_lanes
from service.pipeline.orders import LegalOrders
from service.settings import Settings
from service.store.db import Database, migrate
from service.text import language

Observer = Callable[[int, int], None]


@dataclass
class Runtime:
    db: Database
    banks: BankIndexHolder
    follower: Follower
    claims: ClaimBank | None
    assessor: Assessor
    media_banks: MediaBanks
    legal_orders: LegalOrders


def build_runtime(
    settings: Settings, on_batch: Observer | None = None, on_cache: Observer | None = None
) -> Runtime:
    """Load every lane's model and policies, migrate the database, build the
    shared indexes at their current versions, and wire the assessor."""
    lanes = load_lanes(settings)  # every routed language's model and policies, or fail here
    english = lanes.pop("en")
    language.preload()
    reliability = load_reliability()
    banks = BankIndexHolder()
    signals = build_signals(settings, banks)
    check_registry(signals, reliability)
    db = Database(settings.resolved_database_url)
    migrate(db.engine)
    orders = OrderSource(frozenset(settings.legal_exempt_account_types))
    claims = load_claim_bank(settings, db)
    follower = Follower(db, banks, orders, claims)
    follower.start()  # builds the media and order indexes; kicks the fact-check bank's first build

    def make_scorer(lane_model: ScoringModel) -> Scorer:
        return Scorer(
            lane_model,
            cache_size=settings.score_cache_size,
            max_batch=settings.max_microbatch,
            window_s=settings.batch_window_ms / 1000,
            on_batch=on_batch,
            on_cache=on_cache,
        )

    assessor = Assessor(
        english.model,
        english.policies,
        MediaAnalyser(signals, reliability),
        orders,
        make_scorer(english.model),
        languages=lanes,
        routes=settings.language_routes,
        make_scorer=make_scorer,
        claims=claims,
    )
    return Runtime(
        db,
        banks,
        follower,
        claims,
        assessor,
        MediaBanks(db, follower.sync, DecodeLimits.from_settings(settings)),
        LegalOrders(db, follower.sync, settings),
    )
