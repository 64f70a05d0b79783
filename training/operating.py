"""Operating points: where each thresholded signal fires, chosen for precision
on realistic traffic rather than for F1 on a balanced validation set.

For a signal (a head's label, or `risk.<head>`) with a stated prevalence π and
a target precision, the precision at threshold t on the mix is

    π·TPR(t) / (π·TPR(t) + (1 − π)·(0.89·FPR_everyday(t) + 0.11·FPR_in_domain(t)))

TPR comes from validation examples an annotator labelled positive; FPR from
everyday TweetEval tweets (assumed negative: ordinary traffic) and from
in-domain validation examples an annotator labelled negative (credible COVID
posts, non-offensive tweets, ...). The chosen threshold is the lowest at
which precision reaches the target and stays there for every higher
threshold, so recall is as high as the target allows. Where no threshold
reaches the target, the most precise one is used and the card says "met":
false.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from service.inference.card import ModelCard, OperatingPoint
from training.corpus import Example

# Of the negatives: ordinary tweets; the rest in-domain. The traffic report's
# mix (training/traffic.py) is 80% everyday and 10% in-domain benign tweets,
# so everyday tweets are 8/9 of its negatives.
EVERYDAY_SHARE: Final = 0.89
EVERYDAY_SOURCES: Final = frozenset(
    {"tweeteval_emoji", "tweeteval_emotion", "tweeteval_irony", "tweeteval_sentiment"}
)
GRID: Final = np.round(np.arange(0.05, 0.995, 0.01), 2)


@dataclass(frozen=True, slots=True)
class Target:
    head: str
    positive: tuple[str, ...]
    prevalence: float
    precision: float
    # A signal the policies always require beside this one (veracity is read
    # only where the claim head fires): the point is chosen on what passes
    # that gate at its own operating point, as the action would fire.
    given: str | None = None
    # Labels that count as negatives; by default every label not positive.
    # A "disputed" claim labelled misleading is the wrong cell, not a false
    # alarm on a credible tweet, so veracity signals count only credible.
    negative: tuple[str, ...] | None = None


# signal -> what counts as positive, its prevalence in the mix, and the
# precision its action needs. Claim detection only gates other signals;
# labels, reduced visibility and spam (queued for review, or reduced with
# behaviour) aim at 0.8, harm (which only raises severity) at 0.5.
# Order matters: a gate is chosen before the signals it gates.
TARGETS: Final[dict[str, Target]] = {
    "claim.claim": Target("claim", ("claim",), 0.20, 0.80),
    "veracity.misleading": Target(
        "veracity", ("misleading",), 0.05, 0.80, given="claim.claim", negative=("credible",)
    ),
    "risk.veracity": Target(
        "veracity",
        ("unverified", "disputed", "misleading"),
        0.08,
        0.80,
        given="claim.claim",
        negative=("credible",),
    ),
    "harm.harmful": Target("harm", ("harmful",), 0.02, 0.50),
    "risk.abuse": Target("abuse", ("offensive", "hate_or_threat"), 0.05, 0.80),
    "abuse.hate_or_threat": Target("abuse", ("hate_or_threat",), 0.02, 0.60),
    "spam.spam": Target("spam", ("spam",), 0.03, 0.80),
}


def signal_values(card: ModelCard, probs: list[np.ndarray], signal: str) -> np.ndarray:
    """`probs[j]` is head j's calibrated [examples, labels] matrix."""
    kind, _, label = signal.partition(".")
    head = label if kind == "risk" else kind
    j = [h.name for h in card.heads].index(head)
    spec = card.heads[j]
    if kind == "risk":
        return 1.0 - probs[j][:, spec.labels.index(spec.negative_label)]
    return probs[j][:, spec.labels.index(label)]


def choose(card: ModelCard, examples: list[Example], probs: list[np.ndarray]) -> dict[str, OperatingPoint]:
    everyday = np.array([bool(EVERYDAY_SOURCES & set(e.sources)) for e in examples])
    out: dict[str, OperatingPoint] = {}
    for signal, target in TARGETS.items():
        values = signal_values(card, probs, signal)
        if target.given is not None:
            gate = signal_values(card, probs, target.given) >= out[target.given].threshold
            values = np.where(gate, values, 0.0)
        strong = np.array([e.labels[target.head] is not None and target.head not in e.weak for e in examples])
        pos = strong & np.array([e.labels[target.head] in target.positive for e in examples]) & ~everyday
        neg_dom = strong & ~pos & ~everyday
        if target.negative is not None:
            neg_dom &= np.array([e.labels[target.head] in target.negative for e in examples])
        if not pos.any() or not everyday.any():
            # Nothing to measure on (a tiny validation sample): fire at 0.5,
            # and say the target was not met.
            out[signal] = OperatingPoint(
                threshold=0.5, positive=target.positive, prevalence=target.prevalence,
                target_precision=target.precision, precision=0.0, recall=0.0, met=False,
            )  # fmt: skip
            continue
        out[signal] = _point(values, pos, everyday, neg_dom, target)
    return out


def _point(
    values: np.ndarray, pos: np.ndarray, everyday: np.ndarray, neg_dom: np.ndarray, target: Target
) -> OperatingPoint:
    tpr = np.array([(values[pos] >= t).mean() for t in GRID])
    fpr_e = np.array([(values[everyday] >= t).mean() for t in GRID])
    fpr_d = np.array([(values[neg_dom] >= t).mean() if neg_dom.any() else 0.0 for t in GRID])
    fpr = EVERYDAY_SHARE * fpr_e + (1 - EVERYDAY_SHARE) * fpr_d
    pi = target.prevalence
    fired = pi * tpr + (1 - pi) * fpr
    precision = np.where(fired > 0, pi * tpr / np.maximum(fired, 1e-12), 1.0)
    # Lowest threshold from which precision stays at or above the target.
    ok = precision >= target.precision
    stays = np.flip(np.logical_and.accumulate(np.flip(ok | (tpr == 0))))
    candidates = np.flatnonzero(stays & ok & (tpr > 0))
    met = bool(candidates.size)
    i = int(candidates[0]) if met else int(np.argmax(np.where(tpr > 0, precision, -1)))
    return OperatingPoint(
        threshold=float(GRID[i]),
        positive=target.positive,
        prevalence=target.prevalence,
        target_precision=target.precision,
        precision=round(float(precision[i]), 4),
        recall=round(float(tpr[i]), 4),
        met=met,
    )
