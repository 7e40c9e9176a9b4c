"""Metrics and splits for account-level fraud models."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, precision_recall_curve, roc_auc_score
from sklearn.model_selection import train_test_split
from torch_geometric.data import HeteroData


def recall_at_precision(y: np.ndarray, p: np.ndarray, precision: float) -> float:
    """The highest recall reachable at a threshold whose precision is at least ``precision``."""
    prec, rec, _ = precision_recall_curve(y, p)
    ok = prec >= precision
    return float(rec[ok].max()) if ok.any() else 0.0


def metrics(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """AUC, AP, macro-F1 at ``threshold``, recall at 90% and 50% precision, counts."""
    if len(np.unique(y)) < 2:
        return {"n": int(len(y)), "positives": int(y.sum())}
    return {
        "auc": round(float(roc_auc_score(y, p)), 4),
        "ap": round(float(average_precision_score(y, p)), 4),
        "f1_macro": round(float(f1_score(y, p >= threshold, average="macro")), 4),
        "recall_at_p90": round(recall_at_precision(y, p, 0.9), 4),
        "recall_at_p50": round(recall_at_precision(y, p, 0.5), 4),
        "n": int(len(y)),
        "positives": int(y.sum()),
    }


def random_split(
    data: HeteroData, test_size: float = 0.3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/test indices among labelled accounts."""
    y = data["account"].y.numpy()
    labelled = np.flatnonzero(y >= 0)
    strat = y[labelled] if min(np.bincount(y[labelled], minlength=2)) >= 2 else None
    train, test = train_test_split(labelled, test_size=test_size, stratify=strat, random_state=seed)
    return np.sort(train), np.sort(test)


def time_split(before: HeteroData, after: HeteroData) -> tuple[np.ndarray, np.ndarray]:
    """Train on accounts labelled before the cut-off; test on those first labelled after it.

    ``before`` is the export as of the cut-off, ``after`` the full one; indices are into
    ``before`` and ``after`` respectively.
    """
    known = {
        a
        for a, y in zip(before["account"].ids, before["account"].y.tolist(), strict=True)
        if y >= 0
    }
    train = np.flatnonzero(before["account"].y.numpy() >= 0)
    y_after = after["account"].y.numpy()
    test = np.array(
        [i for i, a in enumerate(after["account"].ids) if y_after[i] >= 0 and a not in known],
        dtype=np.int64,
    )
    return train, test
