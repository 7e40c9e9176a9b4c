"""Node features computed from the transaction table: no labels, only what the graph shows.

Shapes: ``tx`` columns are ``[T]`` arrays (``src``, ``dst_acc``, ``merchant``, ``device``,
``ip`` are node indices or -1); ``ident`` is ``[I, 2]`` (account, identity) pairs. Outputs are
``[N_type, F]`` float32 matrices with F = len(ACCOUNT_FEATURES) or len(ENTITY_FEATURES).
"""

from __future__ import annotations

import numpy as np

DAY_MS = 86_400_000
ACCOUNT_FEATURES = (
    "out_count",
    "out_total",
    "in_count",
    "in_total",
    "out_partners",
    "in_partners",
    "payments",
    "merchants",
    "devices",
    "ips",
    "mean_amount",
    "max_amount",
    "age_days",
    "opened_days",
    "device_sharers",
    "ip_sharers",
    "identity_sharers",
    "identities",
    "withdrawals",
    "deposits",
    "refunds",
    "pass_through",
    "small_payment_share",
    "tx_per_day",
    "active_days",
)
ENTITY_FEATURES = ("accounts", "transactions", "total", "active_days")


def _count(idx: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    ok = idx >= 0
    w = None if weights is None else weights[ok]
    return np.bincount(idx[ok], weights=w, minlength=n).astype(np.float64)[:n]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a 1-D integer array by one sort: numpy 2's hashing ``unique`` is
    several times slower on the small arrays of online pieces and on whole exports alike."""
    keys = np.sort(values)
    if len(keys) < 2:
        return keys
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))]


def unique_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``[P, 2]`` distinct ``(a, b)`` pairs with both sides >= 0, sorted by ``a`` then ``b``.

    One 1-D sort over ``a * (max b + 1) + b``: several times faster than
    ``np.unique(..., axis=0)``, which sorts structured rows.
    """
    ok = (a >= 0) & (b >= 0)
    if not ok.any():
        return np.zeros((0, 2), dtype=np.int64)
    a, b = a[ok].astype(np.int64), b[ok].astype(np.int64)
    width = int(b.max()) + 1
    keys = sorted_unique(a * width + b)
    out = np.empty((len(keys), 2), dtype=np.int64)
    np.floor_divide(keys, width, out=out[:, 0])
    np.remainder(keys, width, out=out[:, 1])
    return out


class TxPairs:
    """The distinct node pairs of a table, each set sorted once and shared.

    The features count distinct partners, devices, IPs, merchants and identities per account
    (and distinct accounts per entity: the same pairs read from the other side), and the graph
    edges are the same pairs again; sorting each set once instead of per use keeps the small
    pieces of online scoring cheap. ``get`` names a set: ``transfer``, ``device``, ``ip``,
    ``merchant`` (sender, merchant), ``identity``, ``paid`` (payments only) and ``refunded``
    (merchant, refunded account).
    """

    def __init__(self, tx: dict[str, np.ndarray], ident: np.ndarray) -> None:
        self.tx, self.ident = tx, ident
        self._sets: dict[str, np.ndarray] = {}

    def get(self, name: str) -> np.ndarray:
        pairs = self._sets.get(name)
        if pairs is None:
            pairs = self._sets[name] = unique_pairs(*self._columns(name))
        return pairs

    def _columns(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        tx = self.tx
        if name == "identity":
            return self.ident[:, 0], self.ident[:, 1]
        if name == "transfer":
            return tx["src"], tx["dst_acc"]
        if name == "paid":
            return np.where(tx["kind"] == 1, tx["src"], -1), tx["merchant"]
        if name == "refunded":
            return np.where(tx["kind"] == 4, tx["merchant"], -1), tx["src"]
        return tx["src"], tx[name]


def _sharers(pairs: np.ndarray, n: int, n_b: int) -> np.ndarray:
    """Per account, how many other accounts share one of its entities (with repeats), from
    the distinct (account, entity) ``pairs``."""
    degree = _count(pairs[:, 1], n_b)
    return _count(pairs[:, 0], n, degree[pairs[:, 1]] - 1)


def _minmax(idx: np.ndarray, ts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.full(n, np.inf), np.full(n, -np.inf)
    ok = idx >= 0
    np.minimum.at(lo, idx[ok], ts[ok])
    np.maximum.at(hi, idx[ok], ts[ok])
    return lo, hi


def account_features(
    tx: dict[str, np.ndarray],
    n: dict[str, int],
    opened: np.ndarray,
    ident: np.ndarray,
    now_ms: int,
    pairs: TxPairs | None = None,
    shared: TxPairs | None = None,
) -> np.ndarray:
    """``[N_account, len(ACCOUNT_FEATURES)]`` features (log-scaled counts and totals);
    ``opened`` is each account's opening instant in epoch ms, NaN where unknown.

    ``shared`` counts the sharers of devices, IPs and identities (``pairs`` by default): the
    whole graph's pairs when ``tx`` holds only some accounts' rows (``gnn.arrays``)."""
    pairs = pairs or TxPairs(tx, ident)
    shared = shared or pairs
    transfer = pairs.get("transfer")
    na, src, dst, amt, kind = n["account"], tx["src"], tx["dst_acc"], tx["amount"], tx["kind"]
    out_count, out_total = _count(src, na), _count(src, na, amt)
    in_count, in_total = _count(dst, na), _count(dst, na, amt)
    max_amt = np.zeros(na)
    if len(src):
        np.maximum.at(max_amt, src, amt)
    both = np.concatenate([src, dst])
    ts2 = np.concatenate([tx["ts"], tx["ts"]]).astype(np.float64)
    first, last = _minmax(both, ts2, na)
    seen = np.isfinite(first)
    age = np.where(seen, (now_ms - first) / DAY_MS, 0.0)
    span = np.where(seen, (last - first) / DAY_MS, 0.0)
    known = ~np.isnan(opened)
    opened_days = np.where(known, (now_ms - np.where(known, opened, 0.0)) / DAY_MS, -1.0)
    payments = kind == 1
    small = _count(np.where(payments & (amt < 5), src, -1), na)
    cols = [
        out_count,
        out_total,
        in_count,
        in_total,
        _count(transfer[:, 0], na),
        _count(transfer[:, 1], na),
        _count(np.where(payments, src, -1), na),
        _count(pairs.get("merchant")[:, 0], na),
        _count(pairs.get("device")[:, 0], na),
        _count(pairs.get("ip")[:, 0], na),
        out_total / np.maximum(out_count, 1),
        max_amt,
        age,
        opened_days,
        _sharers(shared.get("device"), na, n["device"]),
        _sharers(shared.get("ip"), na, n["ip"]),
        _sharers(shared.get("identity"), na, n["identity"]),
        _count(ident[:, 0], na),
        _count(np.where(kind == 2, src, -1), na),
        _count(np.where(kind == 3, src, -1), na),
        _count(np.where(kind == 4, src, -1), na),
        np.log1p(out_total) - np.log1p(in_total),
        small / np.maximum(out_count, 1),
        (out_count + in_count) / np.maximum(span, 1.0),
        span,
    ]
    x = np.stack(cols, axis=1)
    logged = [
        i
        for i, name in enumerate(ACCOUNT_FEATURES)
        if name not in ("pass_through", "small_payment_share", "opened_days")
    ]
    x[:, logged] = np.log1p(np.maximum(x[:, logged], 0))
    return x.astype(np.float32)


def entity_features(
    node_type: str,
    tx: dict[str, np.ndarray],
    ident: np.ndarray,
    n: int,
    pairs: TxPairs | None = None,
) -> np.ndarray:
    """``[N_type, len(ENTITY_FEATURES)]``: distinct accounts, tx count, total, active days."""
    pairs = pairs or TxPairs(tx, ident)
    if node_type == "identity":
        accounts = _count(ident[:, 1], n)
        x = np.stack([accounts, np.zeros(n), np.zeros(n), np.zeros(n)], axis=1)
        return np.log1p(x).astype(np.float32)
    idx = tx[node_type]
    first, last = _minmax(idx, tx["ts"].astype(np.float64), n)
    span = np.where(np.isfinite(first), (last - first) / DAY_MS, 0.0)
    x = np.stack(
        [_count(pairs.get(node_type)[:, 1], n), _count(idx, n), _count(idx, n, tx["amount"]), span],
        axis=1,
    )
    return np.log1p(np.maximum(x, 0)).astype(np.float32)
