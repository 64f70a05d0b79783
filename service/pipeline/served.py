"""What a language lane serves: a model with the policies built on its
card, and the scorer in front of it. Swapped as a unit on a reload."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from service.inference.ngram import ScoringModel
from service.inference.scorer import Scorer
from service.policy.schema import Policy


@dataclass(frozen=True)
class Served:
    """A model and the policies built on its card's thresholds: they change
    together on a reload, so a request never mixes one model's scores with
    another's thresholds."""

    model: ScoringModel
    policies: list[Policy]

    @property
    def policy_versions(self) -> dict[str, str]:
        return {p.id: p.version for p in self.policies}

    @cached_property
    def needed(self) -> frozenset[str]:
        """Every signal these policies read (those the model lacks read 0.0)."""
        return frozenset().union(*(p.signals_used() for p in self.policies))


class Lane:
    """One language's model, policies and scorer; swapped as a unit."""

    def __init__(self, served: Served, scorer: Scorer) -> None:
        self.served = served
        self.scorer = scorer
