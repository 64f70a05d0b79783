"""The decision-level parity gate: may this quantized artifact replace the
model it was made from?

Argmax agreement per head measures the wrong thing. A near-tie between
"disputed" and "misleading" can flip without changing any action a user sees,
while a real loss of F1 can hide inside 99% agreement. So the gate runs both
models through the service's own decision path (`Assessor`: language routing,
model, phrase lists, policies, with the reference card's operating points on
both sides) on the validation tweets, and compares what a moderation team
would see:

- the set of recommended (policy, action, cell) is identical for at least
  `min_identical` of tweets on the traffic mix (the validation slices
  weighted as `training.traffic.MIX`: 80% everyday tweets, 10% benign
  on-topic, 10% harmful), which is what a moderation team sees;
- in the unsafe direction, where the reference labels, warns or escalates
  under a policy and the candidate recommends nothing under it, the share on
  the mix is at most `max_unsafe`;
- each head's macro F1 on annotators' labels drops by at most `max_f1_drop`,
  with a paired-bootstrap 95% interval reported;
- per head, the mean over tweets of the largest absolute probability
  difference is at most `max_mean_abs_diff`.

The same two decision shares over every validation tweet unweighted (mostly
harmful or on-topic tweets, so far more of them sit near a threshold) are
reported beside them, and argmax agreement, p99 and maximum differences and
mean KL per head as diagnostics; none of these gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from service.inference import TextModel
from service.inference.scorer import Scorer
from service.pipeline.assess import Assessor
from service.policy.schema import load_policies
from service.policy.signals import known_signals, thresholds
from training import traffic
from training.corpus import Example
from training.metrics import labelled

DEFAULT_POLICIES = Path(__file__).resolve().parents[1] / "service" / "policy" / "policies"
STRONG = frozenset({"label", "warning_interstitial", "escalate_for_removal_review"})


@dataclass(frozen=True)
class GateLimits:
    min_identical: float = 0.99
    max_unsafe: float = 0.003
    max_f1_drop: float = 0.005
    max_mean_abs_diff: float = 0.02
    bootstrap: int = 1000


Decisions = traffic.Decisions


def run_model(
    model: TextModel, examples: list[Example], policies_dir: Path
) -> tuple[list[np.ndarray], Decisions]:
    """Per-head probabilities and the service's decisions for every example.
    The scorer's cache holds every text, so each is scored once."""
    policies = load_policies(policies_dir, known_signals(model.card), thresholds(model.card))
    scorer = Scorer(model, cache_size=len(examples) + 1)
    assessor = Assessor(model, policies, scorer=scorer)
    scored = scorer.score([e.raw_text for e in examples])
    probs = [
        np.array([[s.scores.probs[h.name][lab] for lab in h.labels] for s in scored], dtype=np.float64)
        for h in model.card.heads
    ]
    return probs, traffic.decisions(assessor, examples)


def _macro_f1(y: np.ndarray, pred: np.ndarray, n: int) -> np.ndarray:
    """Macro F1 of each row of `pred` ([resamples, examples]) against the
    matching row of `y`, as sklearn computes it (zero_division=0, over the
    labels present in y or pred)."""
    rows = np.arange(y.shape[0])[:, None]
    tp = np.zeros((y.shape[0], n))
    true = np.zeros_like(tp)
    guess = np.zeros_like(tp)
    np.add.at(true, (rows, y), 1)
    np.add.at(guess, (rows, pred), 1)
    np.add.at(tp, (rows, y), (y == pred).astype(float))
    denom = true + guess
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    present = denom > 0
    out: np.ndarray = f1.sum(1) / np.maximum(present.sum(1), 1)
    return out


def head_report(
    y: np.ndarray,
    ref: np.ndarray,
    cand: np.ndarray,
    idx: np.ndarray,
    limits: GateLimits,
    seed: int,
) -> dict[str, Any]:
    diff = np.abs(ref - cand).max(1)
    kl = (ref * (np.log(np.clip(ref, 1e-9, 1)) - np.log(np.clip(cand, 1e-9, 1)))).sum(1)
    out: dict[str, Any] = {
        "argmax_agreement": round(float((ref.argmax(1) == cand.argmax(1)).mean()), 4),
        "mean_abs_diff": round(float(diff.mean()), 5),
        "prob_diff_p99": round(float(np.quantile(diff, 0.99)), 4),
        "prob_diff_max": round(float(diff.max()), 4),
        "mean_kl": round(float(kl.mean()), 6),
        "labelled": len(y),
    }
    ok = out["mean_abs_diff"] <= limits.max_mean_abs_diff
    if len(y):
        n = ref.shape[1]
        pr, pc = ref[idx].argmax(1), cand[idx].argmax(1)
        f_ref, f_cand = (float(_macro_f1(y[None], p[None], n)[0]) for p in (pr, pc))
        rng = np.random.default_rng(seed)
        draws = rng.integers(0, len(y), size=(limits.bootstrap, len(y)))
        drops = _macro_f1(y[draws], pr[draws], n) - _macro_f1(y[draws], pc[draws], n)
        lo, hi = np.quantile(drops, [0.025, 0.975])
        out.update(
            macro_f1_reference=round(f_ref, 4),
            macro_f1_candidate=round(f_cand, 4),
            f1_drop=round(f_ref - f_cand, 4),
            f1_drop_ci95=[round(float(lo), 4), round(float(hi), 4)],
        )
        ok &= f_ref - f_cand <= limits.max_f1_drop
    out["passed"] = bool(ok)
    return out


def decision_report(
    examples: list[Example], ref: Decisions, cand: Decisions, limits: GateLimits
) -> dict[str, Any]:
    """Identical and unsafe shares, unweighted over every example and
    weighted as the traffic mix."""
    slices = traffic.slice_examples(examples)
    weights = traffic.mix_weights(slices)
    per_example: dict[str, float] = {}
    for name, share in weights.items():
        for e in slices[name]:
            per_example[e.id] = per_example.get(e.id, 0.0) + share
    ids = [e.id for e in examples]
    same = np.array([ref[i] == cand[i] for i in ids], dtype=float)
    unsafe = np.array([_unsafe(ref[i], cand[i]) for i in ids], dtype=float)
    w = np.array([per_example.get(i, 0.0) for i in ids])
    w = w / w.sum() if w.sum() else w
    out = {
        "identical": round(float(same.mean()), 5),
        "identical_mix": round(float((same * w).sum()), 5),
        "unsafe": round(float(unsafe.mean()), 5),
        "unsafe_mix": round(float((unsafe * w).sum()), 5),
        "changed_examples": int(len(ids) - same.sum()),
        "unsafe_examples": int(unsafe.sum()),
        "examples": len(ids),
    }
    passed = out["identical_mix"] >= limits.min_identical and out["unsafe_mix"] <= limits.max_unsafe
    out["passed"] = bool(passed)
    return out


def _unsafe(ref: frozenset[tuple[str, str, str]], cand: frozenset[tuple[str, str, str]]) -> bool:
    """The reference labels, warns or escalates under a policy under which the
    candidate recommends nothing at all."""
    strong = {p for p, a, _ in ref if a in STRONG}
    return bool(strong - {p for p, _, _ in cand})


def compare(
    reference: TextModel,
    candidate: TextModel,
    examples: list[Example],
    policies_dir: Path = DEFAULT_POLICIES,
    limits: GateLimits | None = None,
    seed: int = 0,
    reference_run: tuple[list[np.ndarray], Decisions] | None = None,
) -> dict[str, Any]:
    """The gate's report; `report["passed"]` is its verdict. Pass
    `reference_run` (from `run_model`) to score the reference only once when
    several candidates are tried."""
    limits = limits or GateLimits()
    ref_probs, ref_dec = reference_run or run_model(reference, examples, policies_dir)
    cand_probs, cand_dec = run_model(candidate, examples, policies_dir)
    heads = {}
    for j, spec in enumerate(reference.card.heads):
        idx, y = labelled(examples, spec.name, spec.labels)
        heads[spec.name] = head_report(y, ref_probs[j], cand_probs[j], idx, limits, seed + j)
    decisions = decision_report(examples, ref_dec, cand_dec, limits)
    return {
        "limits": dict(limits.__dict__),
        "reference": reference.version,
        "decisions": decisions,
        "heads": heads,
        "passed": decisions["passed"] and all(h["passed"] for h in heads.values()),
    }
