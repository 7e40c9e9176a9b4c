"""The S-FFSD benchmark's model choice: a time-validation slice, and a stack fitted on it."""

from __future__ import annotations

import numpy as np

from benchmarks.gnn_sffsd import apply_stack, stack, time_validation


def test_time_validation_is_the_latest_training_rows() -> None:
    time = np.arange(100.0)
    train = time < 80
    val = time_validation(train, time, 0.25)
    assert val.sum() == 20 and time[val].min() == 60 and not (val & ~train).any()


def test_stack_weights_follow_the_better_score() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    good = np.clip(0.5 + 0.3 * (y - 0.5) + rng.normal(0, 0.15, len(y)), 0.01, 0.99)
    noise = rng.uniform(0.01, 0.99, len(y))
    w = stack(good, noise, y, np.ones(len(y), bool))
    assert w[0] > 5 * abs(w[1])
    p = apply_stack(w, good, noise)
    assert ((p > 0) & (p < 1)).all()
