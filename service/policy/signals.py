"""The signals policies may read, and how they are computed from model scores.

`head.label` is a calibrated probability, `risk.head` is 1 - P(negative
label), `media.altered` (decisive media evidence for test 1) and
`media.forensic` (the strongest advisory forensic hint, 0.5 at its 5%
false-alarm threshold) come from media analysis, `behaviour.coordination` and
`account.new` describe the account's behaviour, `pattern.*` are phrase-list
matches (service/text/patterns.py), and stage-2 policies also see
`action.<name>`.

Policies speak one vocabulary whatever the language. A model whose heads
differ (the Hindi model) maps its own signals onto it in its card's
`signal_map` (fake.fake → veracity.misleading), and the mapped signal takes
the source's threshold. A signal a policy reads that the serving model does
not give reads 0.0 with threshold 1.0: no evidence, so it never fires.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.claims.evidence import SIGNALS as CLAIM_SIGNALS
from service.inference import ModelCard
from service.text.patterns import SIGNALS as PATTERN_SIGNALS

# Signals that come from outside the text model: media, behaviour, phrase
# lists, and matches to banked fact-checks (`factcheck.*`, service/claims/evidence.py).
EXTRA_SIGNALS = (
    "media.altered",
    "media.forensic",
    "behaviour.coordination",
    "account.new",
    *PATTERN_SIGNALS,
    *CLAIM_SIGNALS,
)


def provided_signals(card: ModelCard) -> set[str]:
    """The signals this model gives: its heads' and those it maps."""
    return card.head_signals() | set(card.signal_map)


def known_signals(*cards: ModelCard) -> set[str]:
    """Every signal a policy may read when these models serve."""
    return set().union(*(provided_signals(c) for c in cards)) | set(EXTRA_SIGNALS)


def thresholds(card: ModelCard, namespace: Iterable[str] = ()) -> dict[str, float]:
    """What `model_threshold` means for each signal. A card's operating point
    (chosen for precision on a realistic traffic mix) wins; otherwise
    `risk.<head>`, and for a two-label head its positive label (the same
    quantity), use the head's F1 threshold. Another model's signals in
    `namespace` that this one does not give get 1.0."""
    out: dict[str, float] = {}
    for h in card.heads:
        if h.threshold is None:
            continue
        out[f"risk.{h.name}"] = h.threshold
        if len(h.labels) == 2:
            positive = next(lab for lab in h.labels if lab != h.negative_label)
            out[f"{h.name}.{positive}"] = h.threshold
    out.update({signal: point.threshold for signal, point in card.operating_points.items()})
    out.update({target: out[source] for target, source in card.signal_map.items() if source in out})
    lacking = set(namespace) - provided_signals(card) - set(EXTRA_SIGNALS) - set(out)
    return out | dict.fromkeys(lacking, 1.0)


def compute_signals(
    card: ModelCard,
    probs: dict[str, dict[str, float]],
    media: dict[str, float] | None = None,
    needed: Iterable[str] = (),
) -> dict[str, float]:
    """`needed`: the signals the policies read; those the model does not give are 0.0."""
    signals: dict[str, float] = dict.fromkeys(needed, 0.0)
    for spec in card.heads:
        for label, p in probs[spec.name].items():
            signals[f"{spec.name}.{label}"] = p
        signals[f"risk.{spec.name}"] = 1.0 - probs[spec.name][spec.negative_label]
    for target, source in card.signal_map.items():
        signals[target] = signals[source]
    for name in EXTRA_SIGNALS:
        signals[name] = (media or {}).get(name, 0.0)
    return signals
