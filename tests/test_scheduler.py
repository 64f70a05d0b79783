"""Retraining on a threshold of decisions runs as a child process, one at a
time, and not again until as many new decisions arrive."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.pipeline.scheduler import RetrainScheduler
from service.settings import load_settings
from service.store import cases
from service.store.db import Database
from tests.conftest import REPO, link_hindi

MI = "misleading_information@2026.12-4"


def _decisions(db: Database, n: int, start: int) -> None:
    now = datetime.now(UTC)
    for i in range(start, start + n):
        rec = {"policy": MI, "cell": "misleading×moderate", "action": "label", "label_text": None}
        assessment = {"priority": 0.5, "priority_band": "P1", "model_version": "m", "policy_versions": {},
                      "recommendations": [rec]}  # fmt: skip
        case, _ = cases.submit(db, {"id": str(i), "text": f"Garlic cures COVID, part {i}"}, assessment, now)
        verdict = {"policy": MI, "cell": "misleading×moderate", "action": "label", "verdict": "accept"}
        cases.decide(
            db, [(case.id, cases.DecisionFields([verdict], [], ["label"], "policy_applies"))], "ana", now
        )


@pytest.mark.slow
def test_threshold_starts_one_background_retrain(tmp_path: Path) -> None:
    models = tmp_path / "models"  # the child writes here, never into the repository's models/
    models.mkdir()
    shipped = (REPO / "models" / "CURRENT").read_text().strip()
    (models / shipped).symlink_to(REPO / "models" / shipped)
    (models / "CURRENT").write_text(shipped + "\n")
    link_hindi(models)
    settings = load_settings(
        state_dir=tmp_path / "state", models_dir=models, retrain_after_decisions=3, model_watch_seconds=0
    )
    with TestClient(create_app(settings)) as client:
        scheduler: RetrainScheduler = client.app.state.scheduler  # type: ignore[attr-defined]
        db = client.app.state.db  # type: ignore[attr-defined]
        _decisions(db, 2, 0)
        assert not scheduler.check(), "2 decisions are under the threshold of 3"
        _decisions(db, 1, 2)
        assert scheduler.pending() == 3 and scheduler.check()
        assert not scheduler.check(), "a second run never starts while one is running"
        assert scheduler.child is not None and scheduler.child.wait(timeout=300) == 0
        assert not scheduler.check(), "no new decisions since the last run"
        _decisions(db, 3, 3)
        assert scheduler.check()
        assert scheduler.child.wait(timeout=300) == 0
    log = (settings.state_dir / "retrain.log").read_text()
    # 6 labelled cases are too few to train on (the CLI's --min-new is 20): the child says so and exits 0.
    assert log.count("not retraining") == 2 and "labelled feedback examples" in log
