"""Build each language's lane: its model from the registry, and the
policies resolved against its card.

Every policy file is validated against the signals of every served model
together, so a typo fails at start-up whichever language the policy is for;
each lane then keeps the policies that apply to its language, with
`model_threshold` read from its own card.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from service.inference.card import ModelFolderError, resolve_current
from service.inference.ngram import ScoringModel
from service.inference.probe import load_checked
from service.pipeline.served import Served
from service.policy.schema import load_policies
from service.policy.signals import known_signals, thresholds
from service.settings import Settings


def load_lane_model(settings: Settings, language: str) -> ScoringModel:
    """The model `CURRENT` (or `CURRENT-<language>`) names, smoke-tested, and
    made for `language`: a pointer at another language's model is refused."""
    model = load_checked(
        resolve_current(settings.models_dir, language), settings.ort_threads, settings.inference_spinning
    )
    if model.card.language != language:
        raise ModelFolderError(
            f"{model.folder}: serves language {model.card.language!r}, but the {language!r} route names it"
        )
    return model


def serve(models: Mapping[str, ScoringModel], policies_dir: Path) -> dict[str, Served]:
    """Language -> Served, every policy validated against all models' signals."""
    namespace = known_signals(*(m.card for m in models.values()))
    return {
        lang: Served(model, load_policies(policies_dir, namespace, thresholds(model.card, namespace), lang))
        for lang, model in models.items()
    }


def load_lanes(settings: Settings) -> dict[str, Served]:
    """Every language Settings.language_routes sends to a model; any failure
    is a ModelFolderError or PolicyError naming the file."""
    models = {lang: load_lane_model(settings, lang) for lang in settings.model_languages}
    return serve(models, settings.policies_dir)
