"""One real retraining round on the served model, with simulated reviewers.

Validation tweets with a veracity label go through the real service as
cases (in-process, on a scratch copy of the registry and a scratch SQLite
store). A simulated reviewer decides each case the way the corpus labels it:
the misleading-information cell that fits its veracity (and harm, where the
corpus knows it) is accepted when the model suggested it and named as the
`correct_cell` of an override otherwise. Then `training.retrain.retrain`
runs exactly as `harmlabel retrain` does, and the figures go to
`docs/retraining.md`. The repository's own `models/CURRENT` is never touched.
"""

from __future__ import annotations

import os
import platform
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from training.corpus import Example
from training.registry import link_served


def target_cell(e: Example) -> str:
    veracity, harm = e.labels["veracity"], e.labels["harm"]
    if veracity == "misleading":
        return "misleading×severe" if harm == "harmful" else "misleading×moderate"
    if veracity == "disputed":
        return "disputed×severe" if harm == "harmful" else "disputed×moderate"
    return "unverified×any" if veracity == "unverified" else "none×any"


def _decide(
    client: TestClient, key: dict[str, str], case_id: int, e: Example, actions: dict[str, list[str]]
) -> bool:
    """Post the simulated reviewer's decision; True if it overrode the model."""
    case = client.get(f"/v1/cases/{case_id}", headers=key).json()
    [rec] = [
        r for r in case["assessment"]["recommendations"] if r["policy"].startswith("misleading_information@")
    ]
    want = target_cell(e)
    verdict: dict[str, Any] = {"policy": rec["policy"], "cell": rec["cell"], "action": rec["action"]}
    overridden: bool = rec["cell"] != want
    verdict |= {"verdict": "override", "correct_cell": want} if overridden else {"verdict": "accept"}
    body = {
        "verdicts": [verdict],
        "final_actions": actions[want],
        "reason_code": "model_error" if overridden else "policy_applies",
    }
    r = client.post(f"/v1/cases/{case_id}/decisions", json=body, headers=key)
    if r.status_code != 201:
        raise RuntimeError(f"decision refused: {r.text}")
    return overridden


def run(out_md: Path, models_dir: Path, corpus_dir: Path, cases: int = 600, seed: int = 0) -> None:
    from service.api.app import create_app
    from service.inference.card import resolve_current
    from service.settings import load_settings
    from service.store.keys import Role, create_key
    from training.corpus import build_corpus
    from training.retrain import RetrainOptions, retrain
    from training.train import english

    started = time.monotonic()
    served = resolve_current(models_dir)
    pool = [e for e in english(build_corpus(corpus_dir).split("validation")) if e.labels["veracity"]]
    chosen = random.Random(seed).sample(pool, min(cases, len(pool)))
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        (scratch / "models").mkdir()
        (scratch / "models" / served.name).symlink_to(served.resolve())
        (scratch / "models" / "CURRENT").write_text(served.name + "\n")
        link_served(scratch / "models", "hi", models_dir)
        settings = load_settings(
            state_dir=scratch / "state",
            models_dir=scratch / "models",
            model_watch_seconds=0,
            rate_limits={},  # simulated reviewers decide thousands of cases at machine speed
        )
        with TestClient(create_app(settings)) as client:
            db = client.app.state.db  # type: ignore[attr-defined]
            queue = {"X-API-Key": create_key(db, Role.queue, "bench")[0]}
            reviewer = {"X-API-Key": create_key(db, Role.reviewer, "simulated")[0]}
            policy = next(p for p in client.app.state.assessor.policies if p.id == "misleading_information")  # type: ignore[attr-defined]
            actions = {r.cell: [a.value for a in r.actions] for r in policy.rules}
            overrides = 0
            for start in range(0, len(chosen), 100):
                chunk = chosen[start : start + 100]
                tweets = [{"id": f"sim-{start + i}", "text": e.raw_text} for i, e in enumerate(chunk)]
                submitted = client.post("/v1/cases", json={"tweets": tweets}, headers=queue).json()["cases"]
                for c, e in zip(submitted, chunk, strict=True):
                    overrides += _decide(client, reviewer, c["case_id"], e, actions)
            simulated = time.monotonic()
            result = retrain(settings.models_dir, corpus_dir, db, RetrainOptions(seed=seed), actor="bench")
        _write(
            out_md,
            served.name,
            len(chosen),
            overrides,
            result,
            simulated - started,
            time.monotonic() - started,
        )


def _write(
    out: Path, parent: str, cases: int, overrides: int, result: Any, simulate_s: float, wall_s: float
) -> None:
    gate = result.gate
    verdict = "passed" if gate.passed else "refused: " + "; ".join(gate.reasons)
    lines = [
        "# Retraining round with simulated reviewers",
        "",
        f"Command: `harmlabel bench retrain`. Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} "
        f"cores, Python {platform.python_version()}, in {wall_s / 60:.1f} min (of which submitting and "
        f"deciding the cases {simulate_s:.0f} s).",
        "",
        f"Parent model `{parent}`. {cases} validation tweets with a veracity label became cases; a simulated "
        "reviewer decided each by its corpus labels (the misleading-information cell that fits its veracity "
        f"and harm), overriding the model on {overrides} of them and accepting the rest. The gate's "
        "validation side leaves out every decided text.",
        "",
        f"Candidate `{result.candidate.name}`: gate **{verdict}** (not promoted in the repository; the round "
        "ran on a scratch copy of the registry).",
        "",
        "| size | |",
        "|---|---:|",
        *[
            f"| {k} | {v} |"
            for k, v in result.counts.items()
            if not k.startswith("feedback_") or "=" not in k
        ],
        "",
        "| stage | seconds |",
        "|---|---:|",
        *[f"| {k} | {v} |" for k, v in result.seconds.items()],
        "",
        gate.table(),
        "",
    ]
    out.write_text("\n".join(lines), encoding="utf-8")
