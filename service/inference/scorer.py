"""Scoring with a duplicate cache in front of the micro-batcher.

Moderation traffic repeats itself (retweets, copy-paste campaigns), so head
probabilities are cached by the hash of the *normalised* text and the model
version: a copy with a homoglyph or an extra space is still a hit. Only the
text's scores are cached; reach and policy are computed per tweet, because
identical texts from different authors can deserve different priorities.
A model swap empties the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from service.cache import LruCache
from service.inference.batcher import MicroBatcher
from service.inference.model import HeadScores
from service.inference.ngram import ScoringModel
from service.text import normalise


@dataclass(frozen=True, slots=True)
class Scored:
    scores: HeadScores
    cache_hit: bool


class Scorer:
    def __init__(
        self,
        model: ScoringModel,
        cache_size: int = 100_000,
        max_batch: int = 64,
        window_s: float = 0.002,
        on_batch: Callable[[int, int], None] | None = None,
        on_cache: Callable[[int, int], None] | None = None,
    ) -> None:
        self.model = model
        self.cache: LruCache[HeadScores] = LruCache(cache_size)
        self.batcher: MicroBatcher[HeadScores] = MicroBatcher(self._run, max_batch, window_s, on_batch)
        self._on_cache = on_cache or (lambda hits, misses: None)

    def _run(self, clean: list[str]) -> list[HeadScores]:
        return self.model.score(clean, normalised=True)

    def key(self, clean: str, version: str | None = None) -> str:
        """Cache key of an already normalised text."""
        version = version or self.model.version
        return hashlib.sha256(f"{version}\0{clean}".encode()).hexdigest()

    def swap(self, model: ScoringModel) -> None:
        """Serve a new model from the next batch on; its scores start uncached."""
        self.model = model
        self.cache.clear()

    def score(
        self, texts: list[str], deadline: float | None = None, normalised: bool = False
    ) -> list[Scored]:
        """`normalised`: the texts are already normalised (else done here, once)."""
        version = self.model.version  # one version for every key of this call
        texts = texts if normalised else [normalise(t) for t in texts]
        keys = [self.key(t, version) for t in texts]
        found = {k: s for k in set(keys) if (s := self.cache.get(k)) is not None}
        missing = list(dict.fromkeys(k for k in keys if k not in found))  # each distinct text once
        first_text = dict(zip(keys, texts, strict=True))
        fresh = dict(
            zip(missing, self.batcher.submit([first_text[k] for k in missing], deadline), strict=True)
        )
        for k, s in fresh.items():
            if s.model_version == version:  # a batch that ran after a swap is not cached under the old key
                self.cache.put(k, s)
        hits = sum(1 for k in keys if k in found)
        self._on_cache(hits, len(keys) - hits)
        return [Scored(found.get(k) or fresh[k], k in found) for k in keys]
