"""The gate's statistics on predictions with known answers."""

from __future__ import annotations

import numpy as np

from training.gate_stats import mcnemar_improvement, paired_macro_f1, supported_classes


def _labels(rng: np.random.Generator, n: int, rare: int) -> np.ndarray:
    """Three classes; class 2 has `rare` examples."""
    y = rng.integers(0, 2, n)
    y[:rare] = 2
    return y


def test_identical_predictions_pass_with_a_zero_interval() -> None:
    y = _labels(np.random.default_rng(0), 400, 30)
    check = paired_macro_f1("head", y, y.copy(), y.copy(), [0, 1, 2], margin=0.01, rounds=200)
    assert check.passed and check.delta == 0 and check.interval == (0.0, 0.0)


def test_a_real_regression_is_refused_and_a_rare_class_flip_does_not_gate() -> None:
    rng = np.random.default_rng(1)
    y = _labels(rng, 400, 3)  # class 2: 3 examples, under the support floor
    kept, counts = supported_classes(y, 3)
    assert kept == [0, 1] and counts[2] == 3
    current = y.copy()
    flipped = y.copy()
    flipped[:3] = 0  # every rare example wrong: macro F1 over all three classes would fall by a third
    assert paired_macro_f1("head", y, current, flipped, kept, margin=0.01, rounds=200).passed
    broken = y.copy()
    wrong = rng.choice(np.arange(3, 400), 80, replace=False)
    broken[wrong] = 1 - broken[wrong]  # 20% of the gated classes wrong
    check = paired_macro_f1("head", y, current, broken, kept, margin=0.01, rounds=200)
    assert not check.passed and check.interval is not None and check.interval[1] < 0


def test_a_small_wobble_inside_the_noise_passes() -> None:
    rng = np.random.default_rng(2)
    y = _labels(rng, 300, 40)
    current = y.copy()
    current[rng.choice(300, 30, replace=False)] = 0
    candidate = current.copy()
    candidate[rng.choice(300, 2, replace=False)] = 1  # two more flips
    assert paired_macro_f1("head", y, current, candidate, [0, 1, 2], margin=0.01, rounds=300).passed


def test_mcnemar_wants_significantly_more_fixes_than_breaks() -> None:
    before = np.array([False] * 20 + [True] * 20)
    fixed = before.copy()
    fixed[:15] = True
    check = mcnemar_improvement("hold-out", before, fixed)
    assert check.passed and check.p_value is not None and check.p_value < 0.05
    mixed = before.copy()
    mixed[:3] = True
    mixed[20:22] = False  # 3 fixed, 2 broken
    assert not mcnemar_improvement("hold-out", before, mixed).passed
    assert not mcnemar_improvement("hold-out", before, before.copy()).passed
