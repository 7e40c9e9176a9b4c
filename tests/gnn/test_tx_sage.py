"""TxSAGE on a tiny planted transaction graph: fraud is a property of a party, not of a row."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from gnn.tx_sage import TxSageClassifier, label_inputs, tx_edges
from gnn.txgraph import fold_assignment


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """A 600-node graph gains nothing from threads, and they stall on a busy CI machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def planted(n: int = 600, parties: int = 60, seed: int = 7) -> dict[str, np.ndarray]:
    """Rows of random parties and places; every row of the first 8 parties is fraud.

    The seed differs from ``fold_assignment``'s, whose draws would otherwise put all the fraud
    parties in one fold.
    """
    rng = np.random.default_rng(seed)
    party = rng.integers(0, parties, n)
    keys = np.stack([party, rng.integers(0, 20, n), rng.integers(0, 5, n)], axis=1)
    return {
        "keys": keys,
        "time": np.arange(n, dtype=np.float64),
        "x": rng.normal(size=(n, 4)).astype(np.float32),
        "labels": (party < 8).astype(np.int64),
        "train": rng.random(n) < 0.5,
    }


def test_tx_edges_link_the_next_rows_sharing_a_key() -> None:
    keys = np.array([[0], [1], [0], [0], [1]])
    edge_index, edge_type = tx_edges(keys, np.arange(5.0), per_key=2, causal=True)
    pairs = set(map(tuple, edge_index.T.tolist()))
    assert pairs == {(0, 2), (2, 3), (0, 3), (1, 4)}
    assert (edge_type == 0).all()
    both, types = tx_edges(keys, np.arange(5.0), per_key=1, causal=False)
    assert set(map(tuple, both.T.tolist())) == {(0, 2), (2, 0), (2, 3), (3, 2), (1, 4), (4, 1)}
    assert set(types.tolist()) == {0, 1}


def test_tx_sage_learns_a_planted_party_pattern_without_seeing_test_labels() -> None:
    d = planted()
    y, train = d["labels"], d["train"]
    folds = fold_assignment(len(y), 5, seed=0)
    fold_x = [
        np.concatenate([d["x"], label_inputs(y, train & (folds != f))], axis=1) for f in range(5)
    ]
    all_x = np.concatenate([d["x"], label_inputs(y, train)], axis=1)
    edge_index, edge_type = tx_edges(d["keys"], d["time"], per_key=2)
    clf = TxSageClassifier(hidden=16, epochs=80, seed=0, device="cpu")
    losses: list[float] = []
    clf.fit(fold_x, folds, train, y, edge_index, edge_type, lambda _, loss: losses.append(loss))
    prob, emb = clf.transform(fold_x, all_x, folds, train, edge_index, edge_type)
    assert emb.shape == (len(y), 16)
    assert losses[-1] < losses[0]
    test = ~train
    # Row features are noise: only neighbours' training labels reveal the fraud parties.
    assert roc_auc_score(y[test], prob[test]) > 0.9
    assert roc_auc_score(y[train], prob[train]) > 0.85  # out of fold, own label hidden


def test_same_seed_same_scores() -> None:
    d = planted()
    y, train = d["labels"], d["train"]
    folds = fold_assignment(len(y), 5, seed=0)
    fold_x = [
        np.concatenate([d["x"], label_inputs(y, train & (folds != f))], axis=1) for f in range(5)
    ]
    all_x = np.concatenate([d["x"], label_inputs(y, train)], axis=1)
    edge_index, edge_type = tx_edges(d["keys"], d["time"], per_key=2)
    runs = []
    for _ in range(2):
        clf = TxSageClassifier(hidden=16, epochs=10, seed=3, device="cpu")
        clf.fit(fold_x, folds, train, y, edge_index, edge_type)
        runs.append(clf.transform(fold_x, all_x, folds, train, edge_index, edge_type)[0])
    np.testing.assert_array_equal(runs[0], runs[1])
