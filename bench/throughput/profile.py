"""Where a request's time goes, in-process: cProfile over the Assessor."""

from __future__ import annotations

import cProfile
import pstats
import time
from pathlib import Path

PARTS = {  # label: (file name ending, function name)
    "ONNX Runtime session.run": ("onnxruntime_inference_collection.py", "run"),
    "tokenise + normalise (windows)": ("model.py", "windows"),
    "per-tweet work after scoring (_one)": ("assess.py", "_one"),
    "… of which language detection": ("language.py", "detect_language"),
    "… of which policy engine": ("engine.py", "evaluate"),
}


def profile_assess(texts: list[str], batch: int) -> dict[str, float]:
    """Seconds per tweet spent in each part, scoring `texts` in batches of `batch`."""
    from service.inference import TextModel
    from service.inference.card import resolve_current
    from service.inference.scorer import Scorer
    from service.pipeline.assess import Assessor
    from service.policy.schema import load_policies
    from service.policy.signals import known_signals, thresholds
    from service.schemas.tweet import Tweet
    from service.settings import load_settings

    settings = load_settings()
    model = TextModel(resolve_current(Path("models")))
    policies = load_policies(settings.policies_dir, known_signals(model.card), thresholds(model.card))
    assessor = Assessor(model, policies, scorer=Scorer(model, cache_size=0))
    tweets = [Tweet(id=str(i), text=t) for i, t in enumerate(texts)]
    assessor.assess(tweets[:batch], spans=False)  # warm-up
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for i in range(0, len(tweets), batch):
        assessor.assess(tweets[i : i + batch], spans=False)
    profiler.disable()
    total = time.perf_counter() - started
    stats = pstats.Stats(profiler).get_stats_profile()
    out = {"total": total / len(tweets)}
    for label, (file_end, func) in PARTS.items():
        hits = [
            f for name, f in stats.func_profiles.items() if f.file_name.endswith(file_end) and name == func
        ]
        out[label] = sum(f.cumtime for f in hits) / len(tweets)
    return out
