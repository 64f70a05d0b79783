"""Retrieval figures on the development pairs: MAP@k and recall@k, the
CheckThat! 2A measures (one relevant fact-check per tweet)."""

from __future__ import annotations

from collections.abc import Sequence

from training.claims.data import Pair


def claim_text(vclaim: dict[str, str]) -> str:
    """What a fact-check is matched on: its title, summary and claim."""
    return " ".join(x for k in ("title", "subtitle", "vclaim") if (x := vclaim.get(k)))


def mean_average_precision(ranked: Sequence[Sequence[str]], gold: Sequence[Pair], k: int = 5) -> float:
    """With one relevant item per query, AP@k is 1/rank when it is in the top k."""
    total = 0.0
    for ids, pair in zip(ranked, gold, strict=True):
        top = list(ids)[:k]
        total += 1 / (top.index(pair.claim_id) + 1) if pair.claim_id in top else 0.0
    return round(total / max(1, len(gold)), 4)


def recall_at(ranked: Sequence[Sequence[str]], gold: Sequence[Pair], k: int = 5) -> float:
    hits = sum(pair.claim_id in list(ids)[:k] for ids, pair in zip(ranked, gold, strict=True))
    return round(hits / max(1, len(gold)), 4)
