"""The Hindi route end to end: the shipped Hindi model, its card and
features, its policies, through the API with real Hindi posts from the
CONSTRAINT validation split."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sklearn.metrics import f1_score

from service.api.app import create_app
from service.inference.card import resolve_current
from service.inference.ngram import NgramModel
from service.inference.probe import load_checked
from service.policy.schema import PolicyError
from service.settings import load_settings
from tests.conftest import cli, queue_client
from training.hindi import data, linear
from training.registry import link_served

REPO = Path(__file__).resolve().parent.parent
HINDI = resolve_current(REPO / "models", "hi")


@pytest.fixture(scope="module")
def validation(corpus_dir: Path) -> data.Split:
    return data.load(corpus_dir, "validation")


@pytest.fixture(scope="module")
def model() -> NgramModel:
    loaded = load_checked(HINDI)
    assert isinstance(loaded, NgramModel)
    return loaded


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = load_settings(state_dir=tmp_path_factory.mktemp("state"), max_batch=64)
    with queue_client(settings) as c:
        yield c


def test_featurizer_matches_scikit_learn_on_real_posts(corpus_dir: Path) -> None:
    """The serving-side n-grams (no scikit-learn) give scikit-learn's TF-IDF rows."""
    train = data.load(corpus_dir, "train", 400).texts
    vecs = linear.vectorizers((("char_wb", 1, 4), ("word", 1, 2)), min_df=2)
    expected = linear.fit_features(train, vecs)
    feats = linear.featurizer(vecs)
    ids, values = feats.encode(train)
    got = np.zeros(expected.shape)
    for row in range(len(train)):
        np.add.at(got[row], ids[row], values[row])
    assert np.abs(got - expected.toarray()).max() < 1e-5


def test_card_describes_the_model(model: NgramModel) -> None:
    card = model.card
    assert card.kind == "ngram" and card.language == "hi"
    assert [h.name for h in card.heads] == list(data.HEADS)
    assert all(h.threshold is not None and h.temperature > 0 for h in card.heads)
    extra = card.model_extra or {}
    assert "license" in extra["data"]["sources"]["constraint_hindi"]
    targets = card.metrics["validation"]["targets"]
    assert set(targets) == {"hostile_weighted_f1", "fake_f1", "hate_f1", "offensive_f1", "defamation_f1"}
    assert all("published" in t for t in targets.values())
    assert (HINDI / "card.md").is_file()


def test_shipped_model_meets_its_targets_on_validation(model: NgramModel, validation: data.Split) -> None:
    """Scored here, through the served path, at the card's thresholds."""
    probs, _ = model.probabilities(validation.texts, normalised=True)
    fired = {h.name: probs[j][:, 1] >= (h.threshold or 0.5) for j, h in enumerate(model.card.heads)}
    hostile = f1_score(validation.head("hostile"), fired["hostile"], average="weighted")
    assert hostile >= 0.90
    for head, target in {"fake": 0.75, "hate": 0.50, "offensive": 0.50, "defamation": 0.40}.items():
        assert f1_score(validation.head(head), fired[head]) >= target, head


def _assess_all(client: TestClient, texts: list[str]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for start in range(0, len(texts), 64):
        tweets = [{"id": str(start + i), "text": t} for i, t in enumerate(texts[start : start + 64])]
        resp = client.post("/v1/rank", json={"tweets": tweets, "spans": False})
        assert resp.status_code == 200, resp.text
        out += sorted(resp.json()["assessments"], key=lambda a: int(str(a["tweet_id"])))
    return out


def _acting(a: dict[str, object]) -> set[str]:
    recs = a["recommendations"]
    assert isinstance(recs, list)
    return {r["action"] for r in recs if r["action"] != "no_action"}


def test_real_hindi_posts_through_the_api(
    client: TestClient, model: NgramModel, validation: data.Split
) -> None:
    """200 validation posts: routed to the Hindi model, scored by it alone,
    and the policies follow its scores: no confident no_action above the
    review floor, defamation only ever to legal review."""
    texts = validation.raw[:200]
    assessed = _assess_all(client, texts)
    hindi = [a for a in assessed if a["route"] == "model:hi"]
    assert len(hindi) >= 0.97 * len(texts)
    floor = model.card.operating_points["risk.hostile"].threshold
    defamation = model.card.operating_points["defamation.defamation"].threshold
    for a in hindi:
        scores = a["scores"]
        assert isinstance(scores, dict) and set(scores) == set(data.HEADS), "only the Hindi model scored it"
        assert a["model_version"] == model.version and a["supported_language"] is True
        hostile = scores["hostile"]["hostile"]
        if not _acting(a):
            assert hostile < floor, "a confident no_action only below the review floor"
        recs = a["recommendations"]
        assert isinstance(recs, list)
        legal = [r for r in recs if r["policy"].startswith("defamation@") and r["action"] != "no_action"]
        assert bool(legal) == (scores["defamation"]["defamation"] >= defamation)
        assert all(r["action"] == "legal_review" for r in legal)
    y = validation.head("hostile")[: len(texts)]
    acted = np.array([bool(_acting(a)) for a in assessed])
    assert acted[y == 1].mean() >= 0.9, "hostile posts reach a reviewer"
    assert acted[y == 0].mean() <= 0.25, "most non-hostile posts get no action"


def test_fake_post_gets_the_misleading_label_and_hate_is_escalated(
    client: TestClient, model: NgramModel, validation: data.Split
) -> None:
    """The validation posts the model is surest are fake (or hate) get the
    misinformation label (or removal review), citing their policy cell."""
    probs, _ = model.probabilities(validation.texts, normalised=True)
    for head, policy, action in (
        ("fake", "misleading_information", "label"),
        ("hate", "violent_speech_and_abuse", "escalate_for_removal_review"),
    ):
        j = data.HEADS.index(head)
        top = [i for i in np.argsort(-probs[j][:, 1])[:5] if validation.head(head)[i] == 1]
        assert top, f"no true {head} post among the five the model is surest of"
        for a in _assess_all(client, [validation.raw[i] for i in top]):
            recs = a["recommendations"]
            assert isinstance(recs, list)
            cited = [r for r in recs if r["policy"].startswith(policy + "@") and r["action"] == action]
            assert cited and cited[0]["reasons"], (head, recs)


def test_hinglish_never_reaches_the_english_model(client: TestClient) -> None:
    """The issue's example: no English veracity score, no misinformation label."""
    text = "Modi sarkar kisano ka narsanhar karne ki yojana bana rahi hai #ModiPlanningFarmerGenocide"
    for lang in (None, "en"):
        a = client.post("/v1/assess", json={"id": "h", "text": text, "lang": lang}).json()
        assert a["lang"] == "hi-Latn" and a["route"] == "human_review"
        assert a["scores"] == {} and a["model_version"] is None
        assert [r["action"] for r in a["recommendations"]] == ["needs_human_review"]


def test_model_endpoint_lists_languages_and_routes(client: TestClient, model: NgramModel) -> None:
    body = client.get("/v1/model").json()
    assert body["routes"]["hi"] == "model" and body["routes"]["hi-Latn"] == "human_review"
    assert body["routes"]["*"] == "human_review"
    assert body["languages"]["hi"]["version"] == model.version
    assert body["languages"]["hi"]["signal_map"]["veracity.misleading"] == "fake.fake"
    assert "defamation" in body["languages"]["hi"]["policies"]
    assert "defamation" not in body["languages"]["en"]["policies"], "English has no defamation head"


def test_unknown_signal_in_a_hindi_policy_fails_at_start_up(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    for f in (REPO / "service" / "policy" / "policies").glob("*.yaml"):
        (policies / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    bad = (
        (policies / "defamation.yaml")
        .read_text(encoding="utf-8")
        .replace("defamation.defamation", "defamation.libel")
    )
    (policies / "defamation.yaml").write_text(bad, encoding="utf-8")
    settings = load_settings(state_dir=tmp_path / "state", policies_dir=policies)
    with pytest.raises(PolicyError, match=r"defamation\.libel"):
        create_app(settings)


@pytest.mark.slow
def test_train_export_evaluate_from_the_cli(corpus_dir: Path, tmp_path: Path) -> None:
    """The tiny Hindi config through the three commands a user runs: the
    export proves parity with scikit-learn, --set-current moves CURRENT-hi
    only, and the folder loads and evaluates."""
    models = tmp_path / "models"
    models.mkdir()
    link_served(models, "en", REPO / "models")
    env = {"HARMLABEL_MODELS_DIR": str(models), "HARMLABEL_STATE_DIR": str(tmp_path / "state")}
    run = tmp_path / "run"
    cli("train", "--config", "hindi-tiny", "--out", str(run), "--data-dir", str(corpus_dir), env=env)
    out = cli("export", "--config", "hindi-tiny", "--run", str(run), "--version", "tiny-hi", "--set-current",
              "--data-dir", str(corpus_dir), env=env)  # fmt: skip
    assert "parity" in out
    assert (models / "CURRENT-hi").read_text().strip() == "tiny-hi"
    assert (models / "CURRENT").read_text().strip() == (REPO / "models" / "CURRENT").read_text().strip()
    model = load_checked(models / "tiny-hi")
    assert model.card.language == "hi" and model.card.signal_map["veracity.misleading"] == "fake.fake"
    report = cli("evaluate", "--model", str(models / "tiny-hi"), "--data-dir", str(corpus_dir), env=env)
    assert "hostile_weighted_f1" in report and "confident no_action" in report
    card = load_checked(models / "tiny-hi").card
    assert card.metrics["validation"]["decisions"]["routes"]["model:hi"] > 700


def test_a_script_subtag_never_falls_back_to_its_base_language(tmp_path: Path) -> None:
    """Routes that list only "hi" still keep romanised Hindi from the
    Devanagari model; "en-GB" follows "en"."""
    settings = load_settings(state_dir=tmp_path / "state", language_routes={"en": "model", "hi": "model"})
    with queue_client(settings) as c:
        text = "ye log desh ko barbaad kar rahe hain, inko jail me daalo"
        a = c.post("/v1/assess", json={"id": "1", "text": text}).json()
        assert a["lang"] == "hi-Latn" and a["route"] == "human_review" and a["scores"] == {}
        b = c.post(
            "/v1/assess", json={"id": "2", "text": "Lovely weather in London today", "lang": "en-GB"}
        ).json()
        assert b["route"] == "model:en"
        ready = c.get("/readyz").json()
        assert set(ready["models"]) == {"en", "hi"}


def test_hindi_fake_posts_get_no_covid_label_text(
    client: TestClient, model: NgramModel, validation: data.Split
) -> None:
    """The COVID-19 label texts are for English traffic."""
    probs, _ = model.probabilities(validation.texts, normalised=True)
    top = int(np.argmax(probs[data.HEADS.index("fake")][:, 1]))
    a = client.post("/v1/assess", json={"id": "f", "text": validation.raw[top]}).json()
    labels = [r for r in a["recommendations"] if r["policy"].startswith("misleading_information@")]
    assert labels and labels[0]["action"] == "label" and labels[0]["label_text"] is None
