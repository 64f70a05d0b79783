"""Queue priority = severity × calibrated confidence × reach.

Reach saturates: each of followers, engagement and engagement velocity maps to
[0, 1) as x / (x + half), where `half` is the value that counts as "half of
maximal reach". The halves come from the 2020 civic policy's high-visibility
thresholds: 100k followers, 25k likes+retweets+replies+quotes, and 1,000
engagements per hour. The three combine like independent chances,
1 - (1-a)(1-b)(1-c), and a floor keeps a harmful tweet from a tiny account
from ever reaching priority zero:

    reach = FLOOR + (1 - FLOOR) * (1 - (1-a)(1-b)(1-c))

Every piece is non-decreasing in its input, so priority is monotone in
severity, confidence, followers, engagement and velocity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

FLOOR = 0.25
HALF_FOLLOWERS = 100_000
HALF_ENGAGEMENT = 25_000
HALF_VELOCITY = 1_000.0  # engagements per hour
BANDS = ((0.5, "P0"), (0.3, "P1"), (0.1, "P2"), (0.0, "P3"))
FORMULA = (
    "priority = severity × confidence × reach; reach = 0.25 + 0.75 × (1 − (1−a)(1−b)(1−c)), "
    "a = followers/(followers+100k), b = engagement/(engagement+25k), c = velocity/(velocity+1000/h)"
)


def _saturate(x: float, half: float) -> float:
    return x / (x + half) if x > 0 else 0.0


def engagement_per_hour(engagement: int, created_at: datetime | None, now: datetime) -> float | None:
    if created_at is None:
        return None
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    hours = max((now - created_at).total_seconds() / 3600, 1.0)  # the first hour counts as one
    return engagement / hours


def reach(followers: int, engagement: int, velocity: float | None) -> float:
    a = _saturate(followers, HALF_FOLLOWERS)
    b = _saturate(engagement, HALF_ENGAGEMENT)
    c = _saturate(velocity or 0.0, HALF_VELOCITY)
    return FLOOR + (1 - FLOOR) * (1 - (1 - a) * (1 - b) * (1 - c))


@dataclass(frozen=True, slots=True)
class Priority:
    value: float
    band: str
    severity: float
    confidence: float
    reach: float


def priority(severity: float, confidence: float, reach_factor: float) -> Priority:
    value = min(1.0, max(0.0, severity * confidence * reach_factor))
    band = next(name for floor, name in BANDS if value >= floor)
    return Priority(value, band, severity, confidence, reach_factor)
