"""Priority is monotone in every factor (property tests) and saturates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from service.policy.priority import FLOOR, engagement_per_hour, priority, reach

unit = st.floats(0, 1)
counts = st.integers(0, 10**9)
velocity = st.floats(0, 1e7, allow_nan=False)


@given(unit, unit, unit, unit)
def test_monotone_in_severity_and_confidence(s1: float, s2: float, c: float, r: float) -> None:
    lo, hi = sorted((s1, s2))
    assert priority(lo, c, r).value <= priority(hi, c, r).value
    assert priority(c, lo, r).value <= priority(c, hi, r).value


@given(counts, counts, counts, velocity)
def test_reach_monotone_in_followers_and_engagement(f1: int, f2: int, e: int, v: float) -> None:
    lo, hi = sorted((f1, f2))
    assert reach(lo, e, v) <= reach(hi, e, v)
    assert reach(e, lo, v) <= reach(e, hi, v)


@given(counts, counts, velocity, velocity)
def test_reach_monotone_in_velocity_and_bounded(f: int, e: int, v1: float, v2: float) -> None:
    lo, hi = sorted((v1, v2))
    assert FLOOR <= reach(f, e, lo) <= reach(f, e, hi) <= 1.0


@given(unit, unit, unit)
def test_priority_in_unit_interval_with_a_band(s: float, c: float, r: float) -> None:
    p = priority(s, c, r)
    assert 0 <= p.value <= 1
    assert p.band in ("P0", "P1", "P2", "P3")


def test_bands_follow_priority() -> None:
    assert priority(1, 1, 1).band == "P0"
    assert priority(0, 1, 1).band == "P3"


def test_velocity_counts_the_first_hour_as_one() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert engagement_per_hour(600, now - timedelta(minutes=5), now) == 600
    assert engagement_per_hour(600, now - timedelta(hours=6), now) == 100
    assert engagement_per_hour(600, None, now) is None


def test_reach_saturates_at_the_civic_thresholds() -> None:
    half = reach(100_000, 0, 0)
    assert abs(half - (FLOOR + (1 - FLOOR) * 0.5)) < 1e-9
    assert reach(10**9, 10**9, 1e9) > 0.999
