"""The shipped claim matcher on real pairs: held-out CheckThat! 2A
development tweets find their Snopes fact-check, everyday tweets match
nothing, the int8 embedder's card holds its parity, and the million-scale
FAISS index finds what the exact one finds."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from service.claims.claimreview import rating_of
from service.claims.embedder import resolve_embedder
from service.claims.index import ClaimIndex, DenseIndex, Entry
from service.claims.matcher import ClaimMatcher, FactCheckInfo
from tests.conftest import REPO
from training.claims.data import everyday, pairs, vclaims
from training.claims.evaluate import claim_text, mean_average_precision

DISTRACTORS = 2000


@pytest.fixture(scope="module")
def matcher() -> ClaimMatcher:
    folder = resolve_embedder(REPO / "models")
    assert folder is not None, "models/CLAIMS names no claim matcher"
    return ClaimMatcher(folder)


@pytest.fixture(scope="module")
def banked(matcher: ClaimMatcher, corpus_dir: Path) -> ClaimMatcher:
    """The development pairs' fact-checks among 2,000 others from the bank."""
    bank = vclaims(corpus_dir)
    gold = {p.claim_id for p in pairs(corpus_dir, "dev")}
    chosen = [v for v in bank if v["vclaim_id"] in gold]
    chosen += random.Random(0).sample([v for v in bank if v["vclaim_id"] not in gold], DISTRACTORS)
    facts = [
        FactCheckInfo(i, v["vclaim"], v.get("title"), v.get("subtitle"), "unrated", "Snopes", None, None)
        for i, v in enumerate(chosen)
    ]
    matcher.rebuild(facts, matcher.embedder.embed([f.text for f in facts]), 1)
    matcher.ids = [v["vclaim_id"] for v in chosen]  # type: ignore[attr-defined]
    return matcher


@pytest.mark.slow
def test_held_out_tweets_find_their_fact_check(banked: ClaimMatcher, corpus_dir: Path) -> None:
    """Development pairs: nothing in the matcher was fitted on them."""
    dev = pairs(corpus_dir, "dev")
    ids = banked.ids  # type: ignore[attr-defined]
    ranked = [[ids[m.fact_check.id] for m in banked.rank(p.tweet, 5)] for p in dev]
    score = mean_average_precision(ranked, dev, 5)
    print(f"MAP@5 on {len(dev)} development tweets against {len(banked)} fact-checks: {score}")
    assert score >= 0.9
    matched = [banked.match(p.tweet, 1) for p in dev]
    right = sum(bool(m) and ids[m[0].fact_check.id] == p.claim_id for m, p in zip(matched, dev, strict=True))
    assert right / len(dev) >= 0.6, "most repeated claims clear the threshold"


def test_everyday_tweets_match_nothing(banked: ClaimMatcher, corpus_dir: Path) -> None:
    tweets = random.Random(1).sample(everyday(corpus_dir, "val"), 500)
    hits = [t for t in tweets if banked.match(t)]
    print(f"{len(hits)} of {len(tweets)} everyday tweets matched: {hits[:3]}")
    assert len(hits) / len(tweets) <= 0.02


def test_the_int8_embedder_passed_parity_and_reports_retrieval(matcher: ClaimMatcher) -> None:
    card = json.loads((matcher.embedder.folder / "card.json").read_text())
    parity = card["parity"]
    assert parity["mean_cosine"] >= 0.98 and parity["map5_drop"] <= 0.01
    assert card["retrieval"]["dev"]["pairs"] == 200
    assert 0 < card["retrieval"]["threshold"] < 1


def test_an_empty_bank_matches_nothing(matcher: ClaimMatcher) -> None:
    empty = ClaimMatcher(matcher.embedder.folder)
    assert empty.match("5G spreads the virus") == [] and empty.rank("") == []


def test_the_faiss_index_finds_what_the_exact_one_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above EXACT_MAX the dense index is FAISS IVF; on noisy copies of bank
    vectors it must return the same nearest entry as brute force."""
    rng = np.random.default_rng(0)
    bank = rng.standard_normal((20_000, 384)).astype(np.float32)
    bank /= np.linalg.norm(bank, axis=1, keepdims=True)
    queries = bank[:200] + 0.05 * rng.standard_normal((200, 384)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = DenseIndex(bank)
    monkeypatch.setattr("service.claims.index.EXACT_MAX", 1000)
    ivf = DenseIndex(bank)
    assert ivf._faiss is not None and exact._faiss is None
    same = [exact.search(q, 1)[0][0] == ivf.search(q, 1)[0][0] for q in queries]
    assert np.mean(same) >= 0.95


def test_candidates_carry_both_scores(matcher: ClaimMatcher) -> None:
    entries = [Entry(0, "Bill Gates microchips in vaccines"), Entry(1, "Pancakes recipe with blueberries")]
    index = ClaimIndex(entries, matcher.embedder.embed([e.text for e in entries]))
    text = "they put microchips from Bill Gates in the vaccine"
    [first, *_] = sorted(index.candidates(matcher.embedder.embed([text])[0], text), key=lambda c: -c.cosine)
    assert first.entry == 0 and first.bm25 > 0 and first.dense_rank == 0 and first.lexical_rank == 0


@pytest.mark.parametrize(
    ("verdict", "rating"),
    [("False", "false"), ("Pants on Fire!", "false"), ("Missing context", "misleading"),
     ("Half True", "mixed"), ("Mostly True", "true"), ("Satire", "unrated"), (None, "unrated")],
)  # fmt: skip
def test_claim_review_verdicts_map_to_ratings(verdict: str | None, rating: str) -> None:
    assert rating_of(verdict) == rating


def test_training_pairs_and_texts_are_read(corpus_dir: Path) -> None:
    assert len(pairs(corpus_dir, "train")) == 999 and len(pairs(corpus_dir, "dev")) == 200
    assert claim_text({"title": "T", "subtitle": "", "vclaim": "C"}) == "T C"
