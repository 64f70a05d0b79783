"""Operating points and the traffic report for a model folder.

Both run the shipped int8 artifact (`TextModel`), and the traffic report runs
the service's whole decision path with the policies the service would load,
so the figures are those a moderation team would see.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from service.inference import TextModel
from service.inference.card import CARD_FILE
from service.pipeline.assess import Assessor
from service.policy.schema import load_policies
from service.policy.signals import known_signals, thresholds
from training import operating, traffic
from training.corpus import Example, build_corpus
from training.train import english

DEFAULT_POLICIES = Path(__file__).resolve().parents[1] / "service" / "policy" / "policies"


def validation(corpus_dir: Path) -> list[Example]:
    return english(build_corpus(corpus_dir).split("validation"))


def calibrated_probs(model: TextModel, examples: list[Example]) -> list[np.ndarray]:
    probs, _ = model.probabilities([e.raw_text for e in examples])
    return probs


def set_operating_points(folder: Path, examples: list[Example]) -> dict[str, Any]:
    """Choose operating points on the validation mix and write them into the
    folder's card (the card is not among the checksummed files)."""
    model = TextModel(folder)
    points = operating.choose(model.card, examples, calibrated_probs(model, examples))
    path = folder / CARD_FILE
    card = json.loads(path.read_text(encoding="utf-8"))
    card["operating_points"] = {k: v.model_dump() for k, v in points.items()}
    card["operating_points_method"] = {
        "mix": "validation; negatives 89% everyday TweetEval tweets, 11% in-domain (the traffic mix)",
        "rule": "lowest threshold from which precision on the mix stays at or above the target",
        "module": "training/operating.py",
    }
    path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card["operating_points"]  # type: ignore[no-any-return]


def traffic_report(
    folder: Path,
    examples: list[Example],
    policies_dir: Path = DEFAULT_POLICIES,
    max_per_slice: int | None = None,
) -> dict[str, Any]:
    """`max_per_slice` keeps the first N examples of each slice (quick runs)."""
    model = TextModel(folder)
    policies = load_policies(policies_dir, known_signals(model.card), thresholds(model.card))
    assessor = Assessor(model, policies)
    slices = {name: exs[:max_per_slice] for name, exs in traffic.slice_examples(examples).items()}
    chosen = {e.id: e for exs in slices.values() for e in exs}
    outcomes = traffic.run(assessor, list(chosen.values()))
    out = traffic.report(slices, outcomes)
    out["model_version"] = model.version
    out["policy_versions"] = {p.id: p.version for p in policies}
    return out
