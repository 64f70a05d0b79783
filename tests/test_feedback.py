"""Reviewer decisions → training labels: the table against the real
policies, and collection from the real store on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.inference.card import resolve_current
from service.policy.schema import load_policies
from service.policy.signals import known_signals, thresholds
from service.settings import load_settings
from service.store import cases
from service.store.db import Database
from service.store.models import Decision
from training.feedback import NOT_TEXT, TABLE, collect, decision_labels, held_out, resolve, verdict_labels

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
MI = "misleading_information@2026.12-4"
VS = "violent_speech_and_abuse@2026.12-1"
SP = "spam_and_platform_manipulation@2026.12-1"


def _policies() -> list[Any]:
    from service.inference import load_card
    from service.inference.card import resolve_current

    card = load_card(resolve_current(load_settings().models_dir), verify_files=False)
    return load_policies(load_settings().policies_dir, known_signals(card), thresholds(card))


def test_every_policy_cell_has_a_meaning_or_is_declared_not_about_text() -> None:
    """A new or renamed cell fails here, not silently in retraining."""
    cells = {(p.id, r.cell) for p in _policies() for r in p.rules}
    missing = {c for c in cells if c[0] not in NOT_TEXT and c not in TABLE}
    assert not missing, f"cells without a feedback meaning: {sorted(missing)}"
    stale = set(TABLE) - cells
    assert not stale, f"TABLE names cells no policy has: {sorted(stale)}"


def _v(cell: str, verdict: str = "accept", policy: str = MI, **extra: str) -> dict[str, Any]:
    return {"policy": policy, "cell": cell, "action": "label", "verdict": verdict, **extra}


@pytest.mark.parametrize(
    ("verdict", "actions", "labels"),
    [
        (_v("misleading×severe"), ["escalate_for_removal_review"],
         {"claim": "claim", "veracity": "misleading", "harm": "harmful"}),
        (_v("misleading×severe", "override"), ["no_action"], {"veracity": "credible", "harm": "not_harmful"}),
        (_v("misleading×severe", "override"), [], {"veracity": "credible", "harm": "not_harmful"}),
        (_v("none×any", "override", correct_cell="disputed×moderate"), ["label"],
         {"claim": "claim", "veracity": "disputed"}),  # moderate says nothing of harm
        (_v("misleading×severe", "override", correct_cell="misleading×moderate"), ["label"],
         {"claim": "claim", "veracity": "misleading", "harm": "not_harmful"}),
        (_v("misleading×severe", "override"), ["label"], {}),  # the action changed; the content is unsaid
        (_v("targeted_insult", policy=VS), ["reduce_visibility"], {"abuse": "offensive"}),
        (_v("targeted_insult", "override", policy=VS), ["no_action"], {"abuse": "none"}),
        (_v("spam×text_only", "override", policy=SP), [], {"spam": "not_spam"}),
        (_v("coordinated", policy=SP), ["exclude_from_trends"],
         {"spam": "not_spam"}),
        (_v("altered×harm", policy="manipulated_media@2020.03-2"), ["label"], {}),
    ],
)  # fmt: skip
def test_the_table(verdict: dict[str, Any], actions: list[str], labels: dict[str, str]) -> None:
    assert verdict_labels(verdict, actions) == labels


def test_disagreement_is_a_majority_vote_and_a_tie_is_left_out() -> None:
    severe = {"claim": "claim", "veracity": "misleading", "harm": "harmful"}
    refuted = {"veracity": "credible", "harm": "not_harmful"}
    labels, contested = resolve([severe, refuted])
    assert labels == {"claim": "claim"} and contested == 2
    labels, contested = resolve([severe, refuted, severe])
    assert labels == severe and contested == 0


def test_holdout_is_by_normalised_text() -> None:
    text = "5G towers spread the virus!!"
    assert held_out(text, 0.5) == held_out("5G  towers spread the virus!!", 0.5)
    assert sum(held_out(f"tweet {i}", 0.2) for i in range(2000)) in range(320, 480)


def _case(db: Database, tweet_id: str, text: str, cell: str) -> int:
    rec = {"policy": MI, "cell": cell, "action": "label", "label_text": None}
    assessment = {"priority": 0.5, "priority_band": "P1", "model_version": "m", "policy_versions": {},
                  "recommendations": [rec]}  # fmt: skip
    case, _ = cases.submit(db, {"id": tweet_id, "text": text}, assessment, T0)
    return case.id


def _decide(db: Database, case_id: int, who: str, verdict: dict[str, Any], reason: str, at: datetime) -> None:
    actions = ["label"] if verdict["verdict"] == "accept" else ["no_action"]
    fields = cases.DecisionFields([verdict], [], actions, reason)
    cases.decide(db, [(case_id, fields)], who, at)


def test_collect_from_the_store(database: Database) -> None:
    agreed = _case(database, "1", "Garlic water cures COVID", "misleading×moderate")
    split = _case(database, "2", "Masks cause oxygen deprivation", "misleading×moderate")
    exempt = _case(database, "3", "The president says bleach works", "misleading×moderate")
    old = _case(database, "4", "An old decision", "misleading×moderate")
    _decide(database, old, "ana", _v("misleading×moderate"), "policy_applies", T0 - timedelta(days=3))
    _decide(database, agreed, "ana", _v("misleading×moderate"), "policy_applies", T0)
    _decide(database, agreed, "ben", _v("misleading×moderate"), "policy_applies", T0)
    _decide(database, split, "ana", _v("misleading×moderate"), "policy_applies", T0)
    _decide(database, split, "ben", _v("misleading×moderate", "override"), "model_error", T0)
    _decide(database, exempt, "ana", _v("misleading×moderate", "override"), "protected_speaker", T0)

    fb = collect(database, since=T0 - timedelta(days=1))
    by_text = {e.raw_text: e.labels for e in fb.examples}
    assert set(by_text) == {"Garlic water cures COVID", "Masks cause oxygen deprivation"}
    assert by_text["Garlic water cures COVID"]["veracity"] == "misleading"
    masks = by_text["Masks cause oxygen deprivation"]
    assert masks["veracity"] is None  # misleading vs credible: contested, left out
    assert masks["claim"] == "claim" and masks["harm"] is None  # moderate says nothing of harm
    assert fb.counts["decisions_left_out_by_reason"] == 1 and fb.counts["cases_without_labels"] == 1
    assert fb.counts["heads_contested"] == 1 and fb.counts["cases"] == 3
    assert len(collect(database).examples) == 3  # no `since`: the old decision too


def test_a_decision_that_contradicts_itself_drops_the_head() -> None:
    decision = Decision(
        reason_code="model_error",
        final_actions=["no_action"],
        verdicts=[
            _v("misleading×severe"),
            _v("targeted_insult", "override", policy=VS),
            _v("disputed×severe", "override", correct_cell="misleading×moderate"),
        ],
    )
    labels = decision_labels(decision)
    # harm: harmful (the accept) vs not_harmful (the downgraded severe cell)
    assert labels == {"claim": "claim", "veracity": "misleading", "abuse": "none"}


def test_a_reviewers_later_decision_supersedes_their_earlier_one(database: Database) -> None:
    """Ana accepted, then overrode: her later decision alone votes (no contest with herself)."""
    case = _case(database, "5", "5G towers spread the virus", "misleading×moderate")
    _decide(database, case, "ana", _v("misleading×moderate"), "policy_applies", T0)
    _decide(
        database, case, "ana", _v("misleading×moderate", "override"), "model_error", T0 + timedelta(hours=1)
    )
    [example] = collect(database, since=T0 - timedelta(days=1)).examples
    assert example.labels["veracity"] == "credible"


def test_a_retrain_learns_from_the_whole_lineage(tmp_path: Path) -> None:
    """Round 2's feedback starts where the base model was made, not at round 1."""
    import json

    from training.retrain import lineage_start

    shipped = json.loads((resolve_current(load_settings().models_dir) / "card.json").read_text())
    for version, parent, made in (("base", None, T0), ("r1", "base", T0 + timedelta(days=1)),
                                  ("r2", "r1", T0 + timedelta(days=2))):  # fmt: skip
        (tmp_path / version).mkdir()
        card = {**shipped, "version": version, "created_at": made.isoformat()}
        if parent:
            card["retraining"] = {"parent": parent}
        (tmp_path / version / "card.json").write_text(json.dumps(card))
    assert lineage_start(tmp_path, tmp_path / "r2") == T0
    assert lineage_start(tmp_path, tmp_path / "base") == T0
