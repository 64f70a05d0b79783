"""Bank matching: is this a known fake resurfacing?

A match (distance at or below the threshold, PDQ quality ≥ 50 on both sides)
is decisive for test 1. The band above it yields *candidates*: shown to the
reviewer with the entry's note, never a label. A match against a negative
bank (known-authentic media) at least as close as the best positive match
suppresses it: fact-checkers bank the authentic original precisely so that
lookalikes of a famous real photo are not flagged.
"""

from __future__ import annotations

from typing import Any

from service.media.bank_index import BankIndexHolder, Match
from service.media.decode import DecodedImage
from service.media.pdq import MIN_QUALITY, view_hashes
from service.media.signal import Judgement, MediaContext, MediaSignal, Role

CANDIDATE_SCORE = 0.3  # below every policy threshold: a candidate is for eyes only


def _describe(m: Match) -> dict[str, Any]:
    e = m.entry
    return {
        "entry_id": e.id,
        "bank": e.bank,
        "negative": e.negative,
        "distance": m.distance,
        "view": m.view,
        "variant": m.variant,
        "note": e.note,
        "url": e.url,
        "original_date": e.original_date.isoformat() if e.original_date else None,
        "context": e.context,
        "added_by": e.added_by,
    }


def _cite(m: Match) -> str:
    e = m.entry
    parts = [f"matches bank {e.bank!r} entry {e.id} at distance {m.distance}/256 ({m.view})"]
    parts += [x for x in (e.note, e.url) if x]
    return " — ".join(parts)


class PdqMatch(MediaSignal):
    name = "pdq_match"
    version = "1"
    role = Role.decisive

    def __init__(
        self, banks: BankIndexHolder, match_distance: int = 31, candidate_distance: int = 48
    ) -> None:
        self.banks = banks
        self.match_distance = match_distance
        self.candidate_distance = max(candidate_distance, match_distance)

    def judge(self, image: DecodedImage, ctx: MediaContext) -> Judgement:
        views = [v for v in view_hashes(image.rgb) if v.quality >= MIN_QUALITY]
        hashes = {v.view: v.hashes[0].hex for v in views}
        if not views:
            return Judgement(None, (f"PDQ quality below {MIN_QUALITY}: too flat or small to match",))
        index = self.banks.index
        found = [
            m
            for m in index.search(views, self.candidate_distance)
            if m.entry.quality is None or m.entry.quality >= MIN_QUALITY
        ]
        hits = [m for m in found if m.distance <= self.match_distance]
        positive = [m for m in hits if not m.entry.negative]
        negative = [m for m in hits if m.entry.negative]
        candidates = [m for m in found if m.distance > self.match_distance and not m.entry.negative]
        evidence: dict[str, Any] = {
            "pdq": hashes,
            "bank_size": len(index),
            "matches": [_describe(m) for m in positive],
            "candidates": [_describe(m) for m in candidates[:5]],
            "authentic_matches": [_describe(m) for m in negative],
        }
        if positive and negative and negative[0].distance <= positive[0].distance:
            why = f"{_cite(negative[0])} (known-authentic); the closer positive match is suppressed"
            evidence["matches"] = []
            return Judgement(0.0, (why,), evidence)
        if positive:
            return Judgement(1.0, tuple(_cite(m) for m in positive[:3]), evidence)
        if candidates:
            reason = "candidate only: " + _cite(candidates[0])
            return Judgement(CANDIDATE_SCORE, (reason,), evidence)
        if negative:
            return Judgement(0.0, (f"{_cite(negative[0])} (known-authentic)",), evidence)
        return Judgement(0.0, (f"no match among {len(index)} banked hashes",), evidence)
