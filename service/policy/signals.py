"""The signals policies may read, and how they are computed from model scores.

`head.label` is a calibrated probability, `risk.head` is 1 - P(negative
label), `media.altered` comes from media analysis (0 until it exists), and
stage-2 policies also see `action.<name>`.
"""

from __future__ import annotations

from service.inference import ModelCard

MEDIA_SIGNALS = ("media.altered",)


def known_signals(card: ModelCard) -> set[str]:
    names = {f"{h.name}.{label}" for h in card.heads for label in h.labels}
    names |= {f"risk.{h.name}" for h in card.heads}
    return names | set(MEDIA_SIGNALS)


def compute_signals(
    card: ModelCard, probs: dict[str, dict[str, float]], media: dict[str, float] | None = None
) -> dict[str, float]:
    signals: dict[str, float] = {}
    for spec in card.heads:
        for label, p in probs[spec.name].items():
            signals[f"{spec.name}.{label}"] = p
        signals[f"risk.{spec.name}"] = 1.0 - probs[spec.name][spec.negative_label]
    for name in MEDIA_SIGNALS:
        signals[name] = (media or {}).get(name, 0.0)
    return signals
