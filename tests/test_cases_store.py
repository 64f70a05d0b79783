"""The queue store on SQLite and PostgreSQL: idempotent submission, aging,
leases, append-only decisions and idempotency keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.store import cases
from service.store.db import Database

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _assessment(priority: float, band: str = "P1") -> dict[str, Any]:
    rec = {"policy": "p@1", "cell": "c", "action": "label", "label_text": "L"}
    return {
        "priority": priority,
        "priority_band": band,
        "model_version": "m-1",
        "policy_versions": {"p": "1"},
        "recommendations": [rec],
    }


def _tweet(i: str, text: str = "same words", likes: int = 0) -> dict[str, Any]:
    return {"id": i, "text": text, "public_metrics": {"like_count": likes}}


def _fields() -> cases.DecisionFields:
    return cases.DecisionFields([{"verdict": "accept"}], ["L"], ["label"], "policy_applies")


def test_resubmission_updates_without_duplicating(database: Database) -> None:
    first, created = cases.submit(database, _tweet("1"), _assessment(0.2, "P2"), T0)
    again, created_again = cases.submit(
        database, _tweet("1", likes=900), _assessment(0.6, "P0"), T0 + timedelta(hours=1)
    )
    assert created and not created_again and again.id == first.id and again.submissions == 2
    assert again.tweet["public_metrics"]["like_count"] == 900 and again.priority == 0.6
    # The SLA only tightens: P0 from the original submission time.
    assert again.sla_deadline.replace(tzinfo=UTC) == T0 + timedelta(hours=cases.SLA_HOURS["P0"])
    assert len(cases.list_cases(database, "open", T0, 10)) == 1


def test_aging_lets_an_old_low_case_overtake_a_new_high_one(database: Database) -> None:
    cases.submit(database, _tweet("old"), _assessment(0.0, "P3"), T0)
    cases.submit(database, _tweet("new"), _assessment(0.3), T0 + timedelta(hours=10))
    order = [c.tweet_id for c in cases.list_cases(database, "open", T0 + timedelta(hours=10), 10)]
    assert order == ["new", "old"]  # 0.3 vs 0.0 + 0.1
    cases.submit(database, _tweet("newer"), _assessment(0.3), T0 + timedelta(hours=40))
    order = [c.tweet_id for c in cases.list_cases(database, "open", T0 + timedelta(hours=40), 10)]
    assert order == ["new", "old", "newer"]  # old: 0.0 + 0.4 > newer's 0.3


def test_claims_never_overlap_and_expire(database: Database) -> None:
    for i in range(5):
        cases.submit(database, _tweet(str(i)), _assessment(i / 10), T0)
    a = cases.claim(database, "ana", 3, timedelta(minutes=10), T0)
    b = cases.claim(database, "bo", 3, timedelta(minutes=10), T0)
    assert [c.tweet_id for c in a] == ["4", "3", "2"] and [c.tweet_id for c in b] == ["1", "0"]
    assert [c.id for c in cases.claim(database, "ana", 3, timedelta(minutes=10), T0)] == [c.id for c in a]
    later = T0 + timedelta(minutes=11)
    c = cases.claim(database, "cy", 5, timedelta(minutes=10), later)
    assert len(c) == 5  # every lease ran out
    cases.release(database, c[0].id, "cy")
    assert c[0].id in [x.id for x in cases.list_cases(database, "open", later, 10)]
    with pytest.raises(cases.CaseError):
        cases.release(database, c[1].id, "ana")


def test_decisions_are_append_only_in_the_database(database: Database) -> None:
    case, _ = cases.submit(database, _tweet("1"), _assessment(0.5), T0)
    [made], replayed = cases.decide(database, [(case.id, _fields())], "ana", T0, "k1")
    assert not replayed and made.model_version == "m-1" and made.policy_versions == {"p": "1"}
    for statement in ("UPDATE decisions SET note = 'x'", "DELETE FROM decisions"):
        with pytest.raises(DBAPIError), database.engine.begin() as conn:
            conn.execute(text(statement))
    _, history = cases.get_case(database, case.id)
    assert [d.id for d in history] == [made.id]


def test_idempotency_key_replays_instead_of_deciding_twice(database: Database) -> None:
    case, _ = cases.submit(database, _tweet("1"), _assessment(0.5), T0)
    first, _ = cases.decide(database, [(case.id, _fields())], "ana", T0, "ana:k")
    again, replayed = cases.decide(database, [(case.id, _fields())], "ana", T0, "ana:k")
    assert replayed and [d.id for d in again] == [d.id for d in first]
    other, _ = cases.submit(database, _tweet("2"), _assessment(0.5), T0)
    with pytest.raises(cases.CaseError) as err:
        cases.decide(database, [(other.id, _fields())], "ana", T0, "ana:k")
    assert err.value.field == "Idempotency-Key"
    assert len(cases.get_case(database, case.id)[1]) == 1


def test_a_case_claimed_by_someone_else_cannot_be_decided(database: Database) -> None:
    case, _ = cases.submit(database, _tweet("1"), _assessment(0.5), T0)
    cases.claim(database, "bo", 1, timedelta(minutes=5), T0)
    with pytest.raises(cases.CaseError) as err:
        cases.decide(database, [(case.id, _fields())], "ana", T0)
    assert err.value.status == 409
    made, _ = cases.decide(database, [(case.id, _fields())], "ana", T0 + timedelta(minutes=6))
    assert made and cases.get_case(database, case.id)[0].status == "decided"


def test_bulk_decision_is_all_or_nothing(database: Database) -> None:
    a, _ = cases.submit(database, _tweet("a"), _assessment(0.5), T0)
    b, _ = cases.submit(database, _tweet("b"), _assessment(0.5), T0)
    with pytest.raises(cases.CaseError):
        cases.decide(database, [(a.id, _fields()), (999_999, _fields())], "ana", T0, "bulk", "x")
    assert cases.get_case(database, a.id)[1] == []
    made, _ = cases.decide(database, [(a.id, _fields()), (b.id, _fields())], "ana", T0, "bulk", "x")
    assert {d.case_id for d in made} == {a.id, b.id} and {d.bulk_id for d in made} == {"x"}
