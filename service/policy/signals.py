"""The signals policies may read, and how they are computed from model scores.

`head.label` is a calibrated probability, `risk.head` is 1 - P(negative
label), `media.altered` (decisive media evidence for test 1) and
`media.forensic` (the strongest advisory forensic hint, 0.5 at its 5%
false-alarm threshold) come from media analysis, `behaviour.coordination` and
`account.new` describe the account's behaviour, `pattern.*` are phrase-list
matches (service/text/patterns.py), and stage-2 policies also see
`action.<name>`.
"""

from __future__ import annotations

from service.inference import ModelCard
from service.text.patterns import SIGNALS as PATTERN_SIGNALS

# Signals that come from outside the text model: media, behaviour, phrase lists.
EXTRA_SIGNALS = ("media.altered", "media.forensic", "behaviour.coordination", "account.new", *PATTERN_SIGNALS)


def known_signals(card: ModelCard) -> set[str]:
    names = {f"{h.name}.{label}" for h in card.heads for label in h.labels}
    names |= {f"risk.{h.name}" for h in card.heads}
    return names | set(EXTRA_SIGNALS)


def thresholds(card: ModelCard) -> dict[str, float]:
    """What `model_threshold` means for each signal. A card's operating point
    (chosen for precision on a realistic traffic mix) wins; otherwise
    `risk.<head>`, and for a two-label head its positive label (the same
    quantity), use the head's F1 threshold."""
    out: dict[str, float] = {}
    for h in card.heads:
        if h.threshold is None:
            continue
        out[f"risk.{h.name}"] = h.threshold
        if len(h.labels) == 2:
            positive = next(lab for lab in h.labels if lab != h.negative_label)
            out[f"{h.name}.{positive}"] = h.threshold
    out.update({signal: point.threshold for signal, point in card.operating_points.items()})
    return out


def compute_signals(
    card: ModelCard, probs: dict[str, dict[str, float]], media: dict[str, float] | None = None
) -> dict[str, float]:
    signals: dict[str, float] = {}
    for spec in card.heads:
        for label, p in probs[spec.name].items():
            signals[f"{spec.name}.{label}"] = p
        signals[f"risk.{spec.name}"] = 1.0 - probs[spec.name][spec.negative_label]
    for name in EXTRA_SIGNALS:
        signals[name] = (media or {}).get(name, 0.0)
    return signals
