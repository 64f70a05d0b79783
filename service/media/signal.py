"""The one interface every media signal implements, and its result.

A signal has a stable `name`, a `version` that changes whenever its scoring
changes, and a `role`: a *decisive* signal (bank match, provenance
declaration, out-of-context finding) may satisfy test 1 of the
manipulated-media policy on its own; an *advisory* one (the forensic
heuristics) is evidence for a reviewer and never labels anything by itself.

`judge` returns `None` as its score when it cannot tell (no EXIF to read, no
double compression to measure): abstaining is different from scoring 0.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from service.media.decode import DecodedImage


class Role(StrEnum):
    decisive = "decisive"
    advisory = "advisory"


@dataclass(frozen=True)
class Judgement:
    score: float | None  # in [0, 1]; None = abstained
    reasons: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SignalResult:
    signal: str
    version: str
    role: Role
    score: float | None
    reasons: tuple[str, ...]
    evidence: dict[str, Any]
    elapsed_ms: float
    error: str | None = None

    @property
    def abstained(self) -> bool:
        return self.score is None


@dataclass
class MediaContext:
    """What a signal may know beyond the pixels: the tweet around the image,
    and the results of the signals that ran before it (in registry order)."""

    text: str
    posted_at: datetime
    results: dict[str, SignalResult] = field(default_factory=dict)


class MediaSignal(ABC):
    name: ClassVar[str]
    version: ClassVar[str]
    role: ClassVar[Role]

    @abstractmethod
    def judge(self, image: DecodedImage, ctx: MediaContext) -> Judgement:
        """Score one image; raise nothing a caller must handle."""

    def analyse(self, image: DecodedImage, ctx: MediaContext) -> SignalResult:
        """Time `judge`, and turn a bug in one signal into an abstention
        with the error named, so the other signals still report."""
        start = time.perf_counter()
        try:
            j = self.judge(image, ctx)
            error = None
            if j.score is not None and not 0.0 <= j.score <= 1.0:  # NaN fails this too
                raise ValueError(f"{self.name} scored {j.score}, outside [0, 1]")
        except Exception as exc:  # one signal's failure must not fail the image
            j, error = Judgement(None, ("signal failed; abstaining",)), f"{type(exc).__name__}: {exc}"
        return SignalResult(
            signal=self.name,
            version=self.version,
            role=self.role,
            score=None if j.score is None else round(float(j.score), 4),
            reasons=j.reasons,
            evidence=j.evidence,
            elapsed_ms=round((time.perf_counter() - start) * 1000, 2),
            error=error,
        )
