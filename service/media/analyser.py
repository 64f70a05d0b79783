"""Run every registered signal on every image and combine the results.

Combination is deliberately asymmetric. A decisive finding (bank match,
provenance declaration, out-of-context date) sets `media.altered` to its
score and satisfies test 1 alone. Forensic heuristics feed `media.forensic`,
scaled so that each signal's 5%-false-alarm threshold maps to 0.5, and add at
most `ADVISORY_CAP` to `media.altered`: below every policy threshold, so they
can send a tweet to a reviewer but never label it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from service.media.decode import DecodedImage
from service.media.reliability import Reliability
from service.media.signal import MediaContext, MediaSignal, Role, SignalResult
from service.schemas.media import MediaItem, MediaReport, MediaType, MediaVerdict, SignalOut

ADVISORY_CAP = 0.45
DECISIVE_AT = 0.5


@dataclass(frozen=True)
class PreparedMedia:
    """A media item after validation; `image` is None when there is nothing to analyse."""

    item: MediaItem
    image: DecodedImage | None


NO_MEDIA = MediaVerdict(altered=False, score=0.0, forensic=0.0, basis=[], advisory=[])


class MediaAnalyser:
    def __init__(self, signals: list[MediaSignal], reliability: dict[str, Reliability]) -> None:
        self.signals = signals
        self.reliability = reliability

    def analyse(
        self, text: str, posted_at: datetime, media: list[PreparedMedia]
    ) -> tuple[list[MediaReport], MediaVerdict]:
        reports = [self._one(i, m, text, posted_at) for i, m in enumerate(media)]
        if not reports:
            return reports, NO_MEDIA
        decisive = [
            s.score for r in reports for s in r.signals if s.role is Role.decisive and s.score is not None
        ]
        forensic = [self._suspicion(s) for r in reports for s in r.signals if s.role is Role.advisory]
        strongest = max(forensic, default=0.0)
        score = max(max(decisive, default=0.0), min(ADVISORY_CAP, strongest))
        return reports, MediaVerdict(
            altered=any(r.altered for r in reports),
            score=round(score, 4),
            forensic=round(strongest, 4),
            basis=[f"image {r.index + 1}: {f}" for r in reports for f in r.findings],
            advisory=[f"image {r.index + 1}: {a}" for r in reports for a in r.advisory],
        )

    def _one(self, index: int, m: PreparedMedia, text: str, posted_at: datetime) -> MediaReport:
        base = MediaReport(index=index, media_key=m.item.media_key, type=m.item.type, status="not_analysed")
        if m.item.type is MediaType.video:
            return base.model_copy(update={"status_reason": "video is accepted but not analysed"})
        if m.image is None:
            reason = "no image bytes were sent (harmlabel never fetches media URLs)"
            return base.model_copy(update={"status_reason": reason})
        ctx = MediaContext(text=text, posted_at=posted_at)
        for signal in self.signals:
            ctx.results[signal.name] = signal.analyse(m.image, ctx)
        outs = [self._out(r) for r in ctx.results.values()]
        findings = [
            reason
            for r in ctx.results.values()
            if r.role is Role.decisive and r.score is not None and r.score >= DECISIVE_AT
            for reason in r.reasons
        ]
        advisory = [
            f"{o.signal} {o.score:.2f}: {'; '.join(o.reasons)} [{o.reliability}]"
            for o in outs
            if o.above_threshold and o.score is not None
        ]
        return base.model_copy(
            update={
                "status": "analysed",
                "format": m.image.format,
                "width": m.image.width,
                "height": m.image.height,
                "sha256": hashlib.sha256(m.image.raw).hexdigest(),
                "altered": bool(findings),
                "findings": findings,
                "advisory": advisory,
                "signals": outs,
            }
        )

    def _out(self, r: SignalResult) -> SignalOut:
        rel = self.reliability.get(r.signal) if r.role is Role.advisory else None
        above = None if rel is None or r.score is None else r.score >= rel.threshold
        return SignalOut(
            signal=r.signal,
            version=r.version,
            role=r.role,
            score=r.score,
            abstained=r.abstained,
            reasons=list(r.reasons),
            evidence=r.evidence,
            elapsed_ms=r.elapsed_ms,
            error=r.error,
            reliability=rel.describe() if rel else None,
            above_threshold=above,
        )

    def _suspicion(self, s: SignalOut) -> float:
        rel = self.reliability.get(s.signal)
        if s.score is None or rel is None:
            return 0.0
        return min(1.0, 0.5 * s.score / max(rel.threshold, 1e-6))
