"""Operating points and the traffic report, on the shipped model and real
validation tweets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from service.inference import TextModel, load_card
from service.inference.card import resolve_current
from service.pipeline.assess import Assessor
from service.policy.schema import load_policies
from service.policy.signals import known_signals, thresholds
from tests.conftest import REPO
from training import operating, traffic
from training.corpus import build_corpus
from training.operating import Target
from training.train import english

POLICIES = REPO / "service" / "policy" / "policies"


def test_the_chosen_threshold_reaches_the_target_precision_on_the_mix() -> None:
    rng = np.random.default_rng(0)
    # Positives score high, everyday negatives low, in-domain negatives in between.
    values = np.concatenate([rng.beta(6, 2, 500), rng.beta(1, 8, 4000), rng.beta(2, 3, 1000)])
    pos = np.arange(len(values)) < 500
    everyday = (np.arange(len(values)) >= 500) & (np.arange(len(values)) < 4500)
    neg_dom = np.arange(len(values)) >= 4500
    target = Target("x", ("y",), prevalence=0.05, precision=0.8)
    point = operating._point(values, pos, everyday, neg_dom, target)
    assert point.met and point.precision >= 0.8
    # Recomputed independently at the chosen threshold.
    t = point.threshold
    tpr, fpr = (
        (values[pos] >= t).mean(),
        operating.EVERYDAY_SHARE * (values[everyday] >= t).mean()
        + (1 - operating.EVERYDAY_SHARE) * (values[neg_dom] >= t).mean(),
    )
    assert 0.05 * tpr / (0.05 * tpr + 0.95 * fpr) == pytest.approx(point.precision, abs=1e-3)
    # One grid step lower no longer meets the target (the lowest such threshold was chosen).
    lower = t - 0.01
    tpr2 = (values[pos] >= lower).mean()
    fpr2 = (
        operating.EVERYDAY_SHARE * (values[everyday] >= lower).mean()
        + (1 - operating.EVERYDAY_SHARE) * (values[neg_dom] >= lower).mean()
    )
    assert 0.05 * tpr2 / (0.05 * tpr2 + 0.95 * fpr2) < 0.8 or lower < operating.GRID[0]


def test_an_unreachable_target_is_reported_not_hidden() -> None:
    values = np.linspace(0, 1, 200)
    pos = np.arange(200) % 2 == 0  # no threshold separates them
    point = operating._point(values, pos, ~pos, np.zeros(200, bool), Target("x", ("y",), 0.05, 0.9))
    assert not point.met and point.precision < 0.9


def test_the_shipped_card_has_an_operating_point_for_every_thresholded_policy_signal() -> None:
    card = load_card(resolve_current(REPO / "models"), verify_files=False)
    assert set(card.operating_points) >= set(operating.TARGETS)
    policies = load_policies(POLICIES, known_signals(card), thresholds(card))
    resolved = {c.signal: c.min for p in policies for d in p.dimensions for lv in d.levels for c in lv.all}
    for signal, point in card.operating_points.items():
        if signal in resolved:
            assert resolved[signal] == round(point.threshold, 4)


@pytest.fixture(scope="module")
def report(corpus_dir: Path) -> dict[str, object]:
    validation = english(build_corpus(corpus_dir).split("validation"))
    slices = {name: exs[:40] for name, exs in traffic.slice_examples(validation).items()}
    model = TextModel(resolve_current(REPO / "models"))
    assessor = Assessor(model, load_policies(POLICIES, known_signals(model.card), thresholds(model.card)))
    chosen = {e.id: e for exs in slices.values() for e in exs}
    outcomes = traffic.run(assessor, list(chosen.values()))
    return {"slices": slices, "outcomes": outcomes, "report": traffic.report(slices, outcomes)}


def test_the_traffic_report_counts_what_the_service_did(report: dict[str, object]) -> None:
    slices, outcomes, rep = report["slices"], report["outcomes"], report["report"]
    assert isinstance(slices, dict) and isinstance(outcomes, dict) and isinstance(rep, dict)
    for name, row in rep["slices"].items():
        outs = [outcomes[e.id] for e in slices[name]]
        assert row["n"] == len(outs)
        assert row["acted"] == round(sum(o.acted for o in outs) / len(outs), 4)
        for key, share in row["by_action"].items():
            policy, action = key.split(":")
            assert share == round(sum((policy, action) in o.actions for o in outs) / len(outs), 4)
    assert set(rep["targets"]) >= {"TweetEval emoji", "CONSTRAINT fake", "OLID NOT"}
    for p in rep["mix"]["precision"].values():
        assert 0 < p["fires_on"] <= 1
        assert p["precision"] is None or 0 <= p["precision"] <= 1
    assert "| slice | kind |" in traffic.markdown({**rep, "model_version": "v", "policy_versions": {}})


def test_everyday_tweets_are_rarely_acted_on_and_fake_news_often(report: dict[str, object]) -> None:
    rep = report["report"]
    assert isinstance(rep, dict)
    rows = rep["slices"]
    everyday = [rows[f"TweetEval {t}"]["acted"] for t in ("emoji", "emotion", "irony", "sentiment")]
    assert max(everyday) < rows["CONSTRAINT fake"]["acted"]
    assert np.mean(everyday) <= 0.10
