"""Features of a transaction graph in the GTAN style, for a gradient-boosted classifier.

Transactions are nodes; a transaction is linked to the transactions that share its party,
merchant, location or type. Two families of features come from that graph:

- structure and history (no labels): per key, how many transactions, amounts relative to the
  key's usual amount, time since the previous and until the next transaction of the same key;
- neighbour labels (label propagation, one hop): per key, the fraud rate and counts among the
  *visible* labelled transactions, and the labels of the nearest visible labelled transactions
  of the same key before and after. ``visible`` is a mask of rows whose labels may be read, so
  callers keep test labels out; training rows get out-of-fold values (each fold sees only the
  labels of the other folds), so the model never learns from its own label.

Shapes: ``keys`` is ``[N, K]`` integer codes, ``time`` ``[N]`` increasing order, ``amount``
``[N]``, ``labels`` ``[N]`` in {0, 1, 2 (unknown)}; outputs are ``[N, F]`` float32 matrices.
"""

from __future__ import annotations

import numpy as np

PRIOR_WEIGHT = 2.0


def group_stats(codes: np.ndarray, values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-row (count, sum) of ``values`` over rows of the same code where ``mask`` holds."""
    size = int(codes.max()) + 1
    count = np.bincount(codes, weights=mask.astype(np.float64), minlength=size)
    total = np.bincount(codes, weights=np.where(mask, values, 0.0), minlength=size)
    return count[codes], total[codes]


def _nearest_visible(
    codes: np.ndarray, order_time: np.ndarray, visible: np.ndarray, labels: np.ndarray
) -> np.ndarray:
    """Label and time gap of the previous/next visible labelled row with the same code.

    Returns ``[N, 4]``: previous label (-1 when none), gap to it, next label, gap to it.
    """
    n = len(codes)
    order = np.lexsort((order_time, codes))
    c, t, v, y = codes[order], order_time[order], visible[order], labels[order]
    out = np.full((n, 4), -1.0)
    out[:, 1] = out[:, 3] = 1e6
    for direction, col in ((1, 0), (-1, 2)):
        idx = np.arange(n) if direction == 1 else np.arange(n)[::-1]
        cc, tt, vv, yy = c[idx], t[idx], v[idx], y[idx]
        # position of the last visible row strictly before each row, within the same code
        pos = np.where(vv, np.arange(n), -1)
        last = np.maximum.accumulate(np.concatenate([[-1], pos[:-1]]))
        ok = (last >= 0) & (cc[np.maximum(last, 0)] == cc)
        lab = np.where(ok, yy[np.maximum(last, 0)], -1.0)
        gap = np.where(ok, np.abs(tt - tt[np.maximum(last, 0)]), 1e6)
        res = np.empty((n, 2))
        res[idx] = np.stack([lab, gap], axis=1)
        out[order, col] = res[:, 0]
        out[order, col + 1] = res[:, 1]
    return out


def structure_features(
    keys: np.ndarray, time: np.ndarray, amount: np.ndarray, causal: bool = False
) -> np.ndarray:
    """Label-free features per row; ``causal`` counts only earlier rows (no future peeking)."""
    log_amt = np.log1p(amount)
    cols = [amount, log_amt]
    for k in range(keys.shape[1]):
        codes = keys[:, k]
        if causal:
            count, mean = _running_stats(codes, time, log_amt)
        else:
            count, total = group_stats(codes, log_amt, np.ones(len(codes), bool))
            mean = total / np.maximum(count, 1)
        cols += [count, log_amt - mean]
        nearest = _nearest_visible(codes, time, np.ones(len(codes), bool), np.zeros(len(codes)))
        cols.append(nearest[:, 1])
        if not causal:
            cols.append(nearest[:, 3])
    return np.stack(cols, axis=1).astype(np.float32)


def _running_stats(
    codes: np.ndarray, time: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Count and mean of earlier rows of the same code (this row included in neither)."""
    order = np.lexsort((time, codes))
    c, v = codes[order], values[order]
    start = np.r_[True, c[1:] != c[:-1]]
    group_start = np.maximum.accumulate(np.where(start, np.arange(len(c)), 0))
    csum = np.cumsum(v) - v
    count = np.arange(len(c)) - group_start
    sums = csum - csum[group_start]
    out_count = np.empty(len(c))
    out_mean = np.empty(len(c))
    out_count[order] = count
    out_mean[order] = np.where(count > 0, sums / np.maximum(count, 1), v)
    return out_count, out_mean


def label_features(
    keys: np.ndarray, time: np.ndarray, labels: np.ndarray, visible: np.ndarray, prior: float
) -> np.ndarray:
    """Neighbour-label features per row from the labels of ``visible`` rows only."""
    is_fraud = (labels == 1).astype(np.float64)
    cols = []
    for k in range(keys.shape[1]):
        codes = keys[:, k]
        count, frauds = group_stats(codes, is_fraud, visible)
        cols += [count, frauds, (frauds + PRIOR_WEIGHT * prior) / (count + PRIOR_WEIGHT)]
        cols.append(_nearest_visible(codes, time, visible, is_fraud))
    flat = [c if c.ndim == 2 else c[:, None] for c in cols]
    return np.concatenate(flat, axis=1).astype(np.float32)


def fold_assignment(n: int, folds: int = 5, seed: int = 0) -> np.ndarray:
    """``[N]`` fold of each row, shared by the label features and the GNN's label trick."""
    return np.random.default_rng(seed).integers(0, folds, size=n)


def fold_label_features(
    keys: np.ndarray,
    time: np.ndarray,
    labels: np.ndarray,
    train: np.ndarray,
    folds: int = 5,
    seed: int = 0,
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Label features from every training label, and per fold from the other folds' labels.

    Returns the ``[N, F]`` matrix from all visible labels, one ``[N, F]`` matrix per fold, and
    the ``[N]`` fold of each row.
    """
    labelled = train & (labels < 2)
    prior = float((labels[labelled] == 1).mean()) if labelled.any() else 0.0
    fold = fold_assignment(len(labels), folds, seed)
    full = label_features(keys, time, labels, labelled, prior)
    per_fold = [
        label_features(keys, time, labels, labelled & (fold != f), prior) for f in range(folds)
    ]
    return full, per_fold, fold


def out_of_fold_label_features(
    keys: np.ndarray,
    time: np.ndarray,
    labels: np.ndarray,
    train: np.ndarray,
    folds: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """Label features where each training row sees only other folds' labels; others see all."""
    full, per_fold, fold = fold_label_features(keys, time, labels, train, folds, seed)
    return merge_out_of_fold(full, per_fold, fold, train)


def merge_out_of_fold(
    full: np.ndarray, per_fold: list[np.ndarray], fold: np.ndarray, train: np.ndarray
) -> np.ndarray:
    """Rows of ``train`` from their own fold's matrix, every other row from ``full``."""
    out = full.copy()
    for f, x in enumerate(per_fold):
        rows = train & (fold == f)
        out[rows] = x[rows]
    return out
