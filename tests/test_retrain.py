"""The feedback loop end to end, on the tiny model, for real: validation
tweets become cases, reviewers correct a consistent model mistake on a real
narrative (COVID-19 conspiracy and false-cure tweets about 5G, Bill Gates,
garlic, hydroxychloroquine, bleach…, all labelled misleading by the corpus,
most of which the tiny model calls credible), `harmlabel retrain` fine-tunes, the gate judges,
`models/CURRENT` moves, and the running service reloads by itself.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import Settings, load_settings
from service.store import model_events
from service.store.keys import Role, create_key
from tests.conftest import cli, link_hindi
from training.corpus import build_corpus
from training.feedback import held_out
from training.train import english

NARRATIVE = re.compile(
    r"\b5g\b|bill gates|garlic|hydroxychloroquine|\bhcq\b|microchip|fauci|bleach|vitamin|hoax|bioweapon", re.I
)
HOLDOUT = 0.25
# The tiny model's heads sit near chance, and on a validation sample of a few
# hundred tweets one flipped prediction in a small class moves macro F1 by a
# point or more (measured: the harm head moved 3 points on a correct round,
# a wrecked candidate lost 10-37); the full model's gate uses 1 point on ~10k.
# The traffic check samples 150 tweets per slice (the service default is 300).
GATE = ("--margin", "0.05", "--max-eval-examples", "1500", "--traffic-per-slice", "150")
# The wrecked candidate is refused on its validation drop; the traffic check has nothing to add.
RECKLESS = ("--margin", "0.05", "--max-eval-examples", "1500", "--traffic-per-slice", "0")


@pytest.fixture(scope="module")
def loop(
    tiny_model: Path, corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A service on a copy of the tiny model, with the narrative's tweets
    submitted as cases; the tests post decisions and retrain."""
    models = tmp_path_factory.mktemp("models")
    shutil.copytree(tiny_model, models / tiny_model.name)
    (models / "CURRENT").write_text(tiny_model.name + "\n")
    link_hindi(models)
    settings = load_settings(
        state_dir=tmp_path_factory.mktemp("state"), models_dir=models, model_watch_seconds=0.2
    )
    corpus = build_corpus(corpus_dir)
    narrative = [
        e for e in english(corpus.split("validation"))
        if NARRATIVE.search(e.raw_text) and e.labels["veracity"] == "misleading"
    ]  # fmt: skip
    with TestClient(create_app(settings)) as client:
        db = client.app.state.db  # type: ignore[attr-defined]
        keys = {r.value: {"X-API-Key": create_key(db, r, r.value)[0]} for r in Role}
        tweets = [{"id": f"v{i}", "text": e.raw_text} for i, e in enumerate(narrative)]
        r = client.post("/v1/cases", json={"tweets": tweets}, headers=keys["queue"])
        assert r.status_code == 200, r.text
        yield {
            "client": client,
            "keys": keys,
            "settings": settings,
            "cases": r.json()["cases"],
            "tweets": tweets,
        }


def _env(settings: Settings, corpus_dir: Path) -> dict[str, str]:
    return {
        "HARMLABEL_MODELS_DIR": str(settings.models_dir),
        "HARMLABEL_STATE_DIR": str(settings.state_dir),
        "HARMLABEL_CORPUS_DIR": str(corpus_dir),
    }


def _misleading(client: TestClient, key: dict[str, str], texts: list[str]) -> tuple[float, str]:
    """Share of texts whose veracity head says misleading, and the version that said it."""
    tweets = [{"id": f"h{i}", "text": t} for i, t in enumerate(texts)]
    body = client.post("/v1/rank", json={"tweets": tweets, "spans": False}, headers=key).json()
    votes = [max(a["scores"]["veracity"].items(), key=lambda kv: kv[1])[0] for a in body["assessments"]]
    return votes.count("misleading") / len(votes), body["model_version"]


def _decide_all(loop: dict[str, Any]) -> None:
    """Reviewers label every narrative case misleading×moderate ("Get the
    facts", as Twitter labelled 5G claims that called for no action): an
    accept where the model already said so, else an override naming the
    correct cell."""
    client, keys = loop["client"], loop["keys"]
    for case in loop["cases"]:
        full = client.get(f"/v1/cases/{case['case_id']}", headers=keys["reviewer"]).json()
        recs = [
            r
            for r in full["assessment"]["recommendations"]
            if r["policy"].startswith("misleading_information@")
        ]
        [rec] = recs
        verdict = {"policy": rec["policy"], "cell": rec["cell"], "action": rec["action"]}
        if rec["cell"] == "misleading×moderate":
            verdict["verdict"] = "accept"
        else:
            verdict |= {"verdict": "override", "correct_cell": "misleading×moderate"}
        body = {
            "verdicts": [verdict],
            "final_actions": ["label"],
            "reason_code": "model_error" if verdict["verdict"] == "override" else "policy_applies",
        }
        r = client.post(f"/v1/cases/{case['case_id']}/decisions", json=body, headers=keys["reviewer"])
        assert r.status_code == 201, r.text


@pytest.mark.slow
def test_a_regressing_candidate_is_refused(loop: dict[str, Any], corpus_dir: Path) -> None:
    """A reckless learning rate wrecks the encoder: the candidate is written
    and judged, but the gate refuses it and the served model stays."""
    _decide_all(loop)
    settings = loop["settings"]
    served = (settings.models_dir / "CURRENT").read_text().strip()
    out = cli("retrain", "--lr", "0.02", "--head-lr", "0.2", "--version", "tiny-wrecked", *RECKLESS,
              env=_env(settings, corpus_dir))  # fmt: skip
    assert "gate refused" in out and "not promoted" in out
    assert (settings.models_dir / "CURRENT").read_text().strip() == served
    card = json.loads((settings.models_dir / "tiny-wrecked" / "card.json").read_text())
    assert card["retraining"]["gate"]["passed"] is False
    reasons = card["retraining"]["gate"]["reasons"]
    assert any("significant drop" in reason for reason in reasons), reasons
    [event] = model_events.history(loop["client"].app.state.db, ("gate",))
    assert event.version == "tiny-wrecked" and event.passed is False
    assert "refused" in cli("models", "list", env=_env(settings, corpus_dir))


@pytest.mark.slow
def test_reviewer_corrections_are_learned_promoted_and_served(loop: dict[str, Any], corpus_dir: Path) -> None:
    client, keys, settings = loop["client"], loop["keys"], loop["settings"]
    if not model_events.history(client.app.state.db, ("gate",)):
        _decide_all(loop)  # when run alone
    held = [t["text"] for t in loop["tweets"] if held_out(t["text"], HOLDOUT)]
    assert len(held) >= 10, "too few held-out narrative cases to judge"
    before, base = _misleading(client, keys["queue"], held)
    print(f"held-out {len(held)}, misleading before {before:.2f}")
    assert before <= 0.5, f"the tiny model already gets {before:.0%} right: no mistake to correct"

    out = cli("retrain", "--version", "tiny-feedback", "--holdout", str(HOLDOUT), "--min-new", "10",
              "--epochs", "4", "--lr", "1e-4", "--head-lr", "3e-3", *GATE,  # the tiny recipe's own rates
              env=_env(settings, corpus_dir))  # fmt: skip
    assert "gate passed" in out, out
    assert (settings.models_dir / "CURRENT").read_text().strip() == "tiny-feedback"
    card = json.loads((settings.models_dir / "tiny-feedback" / "card.json").read_text())
    lineage = card["retraining"]
    assert lineage["parent"] == base and lineage["counts"]["feedback_train"] >= 10
    assert set(lineage["gate"]["validation"]) >= {"claim", "veracity", "abuse", "spam"}
    card_md = (settings.models_dir / "tiny-feedback" / "card.md").read_text()
    assert "| validation veracity macro F1 |" in card_md and "| feedback hold-out accuracy |" in card_md
    checks = {c["name"]: c for c in lineage["gate"]["checks"]}
    assert checks["feedback hold-out accuracy"]["p_value"] < 0.05
    assert any(name.startswith("traffic ") for name in checks), "the traffic limits were checked"

    deadline = time.monotonic() + 60  # the watcher polls CURRENT every 0.2 s
    while client.get("/readyz").json()["model_version"] != "tiny-feedback":
        assert time.monotonic() < deadline, "the service did not reload the promoted model"
        time.sleep(0.2)
    after, version = _misleading(client, keys["queue"], held)
    print(f"misleading after {after:.2f}", out)
    assert version == "tiny-feedback"
    assert after >= 0.75 and after > before, f"held-out narrative cases right: {before:.0%} → {after:.0%}"
    kinds = [(e.kind, e.version) for e in model_events.history(client.app.state.db)]
    assert ("promote", "tiny-feedback") in kinds


def test_the_shared_schedule_warms_up_then_decays_to_zero() -> None:
    import torch

    from training.schedule import warmup_then_decay

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = warmup_then_decay(opt, total_steps=10, warmup_steps=4)
    rates = []
    for _ in range(10):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert rates[:4] == [0.25, 0.5, 0.75, 1.0]
    after = rates[3:]
    assert all(a >= b for a, b in itertools.pairwise(after)) and after[-1] < after[0]
    assert opt.param_groups[0]["lr"] == 0.0  # step 10 of 10
