"""Every policy: valid data, complete tables, every cell reachable, outputs valid."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.api.app import create_app
from service.inference import load_card
from service.inference.card import resolve_current
from service.pipeline.assess import _out
from service.policy.engine import evaluate
from service.policy.schema import Action, Policy, PolicyError, load_policies, load_policy
from service.policy.signals import compute_signals, known_signals, thresholds
from service.schemas.assessment import RecommendationOut
from service.settings import Settings
from tests.conftest import REPO

POLICY_DIR = REPO / "service" / "policy" / "policies"
CARD = load_card(resolve_current(REPO / "models"), verify_files=False)
HINDI_CARD = load_card(resolve_current(REPO / "models", "hi"), verify_files=False)
SIGNALS = known_signals(CARD)
THRESHOLDS = thresholds(CARD)


def test_every_policy_round_trips_through_the_validator() -> None:
    """Against both served models' signals (the Hindi-only policies read the Hindi heads)."""
    namespace = known_signals(CARD, HINDI_CARD)
    for path in sorted(POLICY_DIR.glob("*.yaml")):
        policy = load_policy(
            path,
            namespace | {f"action.{a.value}" for a in Action},
            thresholds(HINDI_CARD, namespace) | thresholds(CARD),
        )
        again = Policy.model_validate(yaml.safe_load(yaml.safe_dump(policy.model_dump(mode="json"))))
        assert again == policy, path.name


def _one_hot(labels: tuple[str, ...], hot: str, p: float = 0.999) -> dict[str, float]:
    rest = (1 - p) / (len(labels) - 1)
    return {lab: (p if lab == hot else rest) for lab in labels}


_EXTRA = (
    "media.altered",
    "media.forensic",
    "behaviour.coordination",
    "account.new",
    "pattern.dangerous_remedy",
    "pattern.incitement",
    "factcheck.refuted",
    "factcheck.checked",
    "factcheck.supported",
)


def _grid() -> list[tuple[dict[str, dict[str, float]], dict[str, float]]]:
    """Head probabilities from one-hot-ish corners, with no media finding, a
    decisive one, a forensic hint alone, a coordinated campaign, a new
    account, each phrase-list match and each kind of fact-check match."""
    per_head = []
    for spec in CARD.heads:
        options = [_one_hot(spec.labels, lab) for lab in spec.labels]
        options.append({lab: 1 / len(spec.labels) for lab in spec.labels})
        per_head.append(options)
    grid = []
    for combo in itertools.product(*per_head):
        probs = {spec.name: c for spec, c in zip(CARD.heads, combo, strict=True)}
        grid += [(probs, {}), *((probs, {name: 1.0}) for name in _EXTRA)]
    return grid


def test_every_cell_is_reachable_and_every_output_validates() -> None:
    policies = load_policies(POLICY_DIR, SIGNALS, THRESHOLDS)
    reached: set[tuple[str, str]] = set()
    for probs, media in _grid():
        signals = compute_signals(CARD, probs, media)
        for decision in evaluate(policies, signals):
            reached.add((decision.policy.id, decision.cell))
            for rec in decision.recommendations:
                out = RecommendationOut.model_validate(_out(rec).model_dump())
                assert 0 <= out.confidence <= 1
                if out.action != "no_action":
                    sor = out.statement_of_reasons
                    assert sor is not None
                    assert sor.automated_detection is True
                    assert sor.decision == "suggested — pending human review"
                    assert sor.redress and sor.ground and sor.facts_and_circumstances
    every = {(p.id, r.cell) for p in policies for r in p.rules}
    assert every - reached == set()


def test_the_service_never_removes_content() -> None:
    for policy in load_policies(POLICY_DIR, SIGNALS, THRESHOLDS):
        for rule in policy.rules:
            assert all(a.value not in ("remove", "delete", "suspend") for a in rule.actions)


def _write(tmp: Path, name: str, text: str) -> Path:
    folder = tmp / "policies"
    if not folder.exists():
        shutil.copytree(POLICY_DIR, folder)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


_NONE_RULE = "  - cell: none\n    when: {abuse: none}\n    actions: [no_action]\n    severity: 0.0\n"
_BROKEN = {
    "unknown signal": ("spam.yaml", "spam.spam", "spam.eggs", "unknown signals"),
    "unknown action": ("spam.yaml", "[reduce_visibility, exclude_from_trends]", "[shadowban]", "shadowban"),
    "incomplete table": ("violent_speech.yaml", _NONE_RULE, "", "no rule for abuse=none"),
    "unknown level": ("spam.yaml", "{spam: spam, behav", "{spam: spammy, behav", "spammy"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(_BROKEN))
def test_a_broken_policy_refuses_start_up(case: str, tmp_path: Path, settings: Settings) -> None:
    name, old, new, message = _BROKEN[case]
    text = (POLICY_DIR / name).read_text(encoding="utf-8")
    assert old in text
    folder = _write(tmp_path, name, text.replace(old, new))
    with pytest.raises(PolicyError, match=message):
        create_app(settings.model_copy(update={"policies_dir": folder}))


def test_model_thresholds_are_resolved_from_the_card() -> None:
    [violent] = [
        p for p in load_policies(POLICY_DIR, SIGNALS, THRESHOLDS) if p.id == "violent_speech_and_abuse"
    ]
    insult = next(lv for lv in violent.dimensions[0].levels if lv.level == "targeted_insult")
    assert insult.all[0].signal == "risk.abuse"
    assert insult.all[0].min == round(THRESHOLDS["risk.abuse"], 4)
    with pytest.raises(PolicyError, match="no model threshold"):
        load_policies(POLICY_DIR, SIGNALS, {})


def test_serve_refuses_to_start_on_a_broken_policy(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    text = (POLICY_DIR / "spam.yaml").read_text(encoding="utf-8").replace("spam.spam", "spam.eggs")
    folder = _write(tmp_path, "spam.yaml", text)
    env = {**os.environ, "HARMLABEL_POLICIES_DIR": str(folder)}
    out = subprocess.run(
        [sys.executable, "-m", "harmlabel", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2
    assert "spam.yaml" in out.stderr and "unknown signals" in out.stderr


@pytest.mark.parametrize(
    ("edit", "complaint"),
    [
        (lambda t: t["trends"].update(severe_at=1.5), "less than or equal to 1"),
        (lambda t: t["trends"].update(label_grade_actions=["label", "shadowban"]), "shadowban"),
        (lambda t: t["legal_orders"].update(withold_severity=0.7), "withold_severity"),
        (lambda t: t.pop("language_support"), "language_support"),
    ],
    ids=["share out of range", "unknown action", "misspelt key", "missing table"],
)
def test_decision_tables_are_validated_at_start_up(
    tmp_path: Path, edit: Callable[[dict[str, Any]], Any], complaint: str
) -> None:
    """service/policy/tables.yaml as loaded, broken one way at a time."""
    from service.policy.tables import TABLES, load_tables

    tables = yaml.safe_load(TABLES.read_text(encoding="utf-8"))
    load_tables(TABLES)  # the shipped file loads
    edit(tables)
    broken = tmp_path / "tables.yaml"
    broken.write_text(yaml.safe_dump(tables), encoding="utf-8")
    with pytest.raises(PolicyError, match=complaint):
        load_tables(broken)
