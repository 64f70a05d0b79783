"""`harmlabel claims build`: the claim matcher's ranker and threshold, and the
retrieval figures of every stage.

Fitted on the CheckThat! 2A *training* pairs (999 tweets) and TweetEval's
*train* tweets; measured on the *development* pairs (200) and TweetEval's
*validation* tweets, which nothing here was fitted on.

1. embed the 14,231 fact-checks, the tweets and the everyday tweets;
2. retrieve candidates for each (dense top 20 ∪ BM25 top 20);
3. fit a logistic ranker on the training pairs' candidates (gold = 1);
4. choose the threshold: the lowest probability at which at most
   MAX_EVERYDAY of the everyday training tweets would match anything;
5. report MAP@1/5 and recall@5 for lexical, dense, fused (reciprocal rank)
   and ranked retrieval, and the match rates, on the held-out sets.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from service.claims.embedder import Embedder
from service.claims.index import Candidate, ClaimIndex, Entry
from service.claims.matcher import RANKER_FILE
from service.claims.rerank import Ranker, features
from service.inference.card import sha256_file
from training.claims.data import Pair, everyday, pairs, vclaims
from training.claims.evaluate import claim_text, mean_average_precision, recall_at

MAX_EVERYDAY = 0.005  # everyday training tweets allowed to match; the target is ≤ 1% on held-out ones
EVERYDAY_FIT = 6000  # everyday training tweets sampled for the threshold
K = 20
RRF_K = 60


def build(folder: Path, corpus_dir: Path, everyday_val: int | None = None) -> dict[str, Any]:
    embedder = Embedder(folder)
    bank = vclaims(corpus_dir)
    ids = [v["vclaim_id"] for v in bank]
    vectors = embedder.embed([claim_text(v) for v in bank])
    index = ClaimIndex([Entry(i, claim_text(v)) for i, v in enumerate(bank)], vectors)

    def candidates(texts: list[str]) -> list[list[Candidate]]:
        vecs = embedder.embed(texts)
        return [index.candidates(v, t, K) for v, t in zip(vecs, texts, strict=True)]

    train, dev = pairs(corpus_dir, "train"), pairs(corpus_dir, "dev")
    train_c, dev_c = candidates([p.tweet for p in train]), candidates([p.tweet for p in dev])
    rng = random.Random(13)
    daily_train = rng.sample(everyday(corpus_dir, "train"), EVERYDAY_FIT)
    daily_val = everyday(corpus_dir, "val")
    if everyday_val:
        daily_val = rng.sample(daily_val, min(everyday_val, len(daily_val)))
    daily_train_c, daily_val_c = candidates(daily_train), candidates(daily_val)

    ranker = fit(train_c, train, ids)
    top_daily = np.asarray([_top(ranker, c) for c in daily_train_c])
    threshold = float(np.quantile(top_daily, 1 - MAX_EVERYDAY)) + 1e-6
    ranker = Ranker(ranker.weights, ranker.bias, ranker.mean, ranker.scale, round(threshold, 6))
    ranker.save(folder / RANKER_FILE)

    report = {
        "fitted_on": {"train_pairs": len(train), "everyday_train": len(daily_train)},
        "threshold": ranker.threshold,
        "dev": stages(dev_c, dev, ids, ranker),
        "train": stages(train_c, train, ids, ranker),
        "everyday_val": {
            "tweets": len(daily_val),
            "matched": round(float(np.mean([_top(ranker, c) >= ranker.threshold for c in daily_val_c])), 4),
        },
    }
    card_path = folder / "card.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["files"][RANKER_FILE] = sha256_file(folder / RANKER_FILE)
    card["retrieval"] = report
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return report


def fit(cands: list[list[Candidate]], gold: list[Pair], ids: list[str]) -> Ranker:
    x = np.concatenate([features(c) for c in cands])
    y = np.concatenate([[ids[c.entry] == p.claim_id for c in cs] for cs, p in zip(cands, gold, strict=True)])
    mean, scale = x.mean(0), x.std(0) + 1e-6
    model = LogisticRegression(C=1.0, max_iter=2000).fit((x - mean) / scale, y)
    return Ranker(
        tuple(float(w) for w in model.coef_[0]),
        float(model.intercept_[0]),
        tuple(float(m) for m in mean),
        tuple(float(s) for s in scale),
        0.5,
    )


def _top(ranker: Ranker, cands: list[Candidate]) -> float:
    return float(ranker.probabilities(cands).max()) if cands else 0.0


def stages(cands: list[list[Candidate]], gold: list[Pair], ids: list[str], ranker: Ranker) -> dict[str, Any]:
    """Each stage's ranking of the same candidates, and the thresholded match."""
    orders: dict[str, Callable[[list[Candidate]], list[Candidate]]] = {
        "lexical (BM25)": lambda cs: sorted(cs, key=lambda c: (c.lexical_rank, -c.bm25)),
        "dense (MiniLM int8)": lambda cs: sorted(cs, key=lambda c: -c.cosine),
        "fused (reciprocal rank)": lambda cs: sorted(
            cs, key=lambda c: -(1 / (RRF_K + c.dense_rank) + 1 / (RRF_K + c.lexical_rank))
        ),
        "ranked (logistic)": lambda cs: [cs[i] for i in np.argsort(-ranker.probabilities(cs))],
    }
    out: dict[str, Any] = {"pairs": len(gold)}
    for name, order in orders.items():
        ranked = [[ids[c.entry] for c in order(cs)] for cs in cands]
        out[name] = {
            "map1": mean_average_precision(ranked, gold, 1),
            "map5": mean_average_precision(ranked, gold, 5),
            "recall5": recall_at(ranked, gold, 5),
        }
    right = wrong = 0
    for cs, p in zip(cands, gold, strict=True):
        probs = ranker.probabilities(cs) if cs else np.zeros(0)
        if len(probs) and probs.max() >= ranker.threshold:
            right += ids[cs[int(probs.argmax())].entry] == p.claim_id
            wrong += ids[cs[int(probs.argmax())].entry] != p.claim_id
    out["matched_right"] = round(right / max(1, len(gold)), 4)
    out["matched_wrong"] = round(wrong / max(1, len(gold)), 4)
    return out
