"""The S-FFSD benchmark's model choice: a time-validation slice, and a stack fitted on it."""

from __future__ import annotations

import numpy as np

from benchmarks.gnn_sffsd import apply_stack, gnn_scores, logit, stack, time_validation


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


def _tiny(n: int = 240, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 12, size=(n, 10))
    labels = rng.integers(0, 3, n)
    return {
        "time": np.arange(n, dtype=np.float64),
        "amount": rng.exponential(50.0, n),
        "labels": labels,
        "keys": keys,
    }


def test_the_head_ensemble_averages_its_members_logits() -> None:
    data = _tiny()
    train = data["time"] < 180
    run = {"causal": True, "epochs": 3, "device": "cpu"}
    _, p0, _ = gnn_scores(data, train, seed=4, heads=1, **run)
    _, p1, _ = gnn_scores(data, train, seed=1004, heads=1, **run)
    feats, both, emb = gnn_scores(data, train, seed=4, heads=2, **run)
    np.testing.assert_allclose(both, 1 / (1 + np.exp(-(logit(p0) + logit(p1)) / 2)), atol=1e-5)
    assert not np.allclose(p0, p1)
    assert feats.shape[0] == emb.shape[0] == len(both) == 240
