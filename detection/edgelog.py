"""Columnar copy of the edge log that ingest appends to (``ringscope:{graph}:log``).

Each run reads only the entries after the last one it consumed (XRANGE), appends them to numpy
columns, and saves the state under ``data_dir/detection/<graph>/`` so heavy analytics never
touch the live graph. If the log was recreated (graph deleted), the state starts afresh.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, cast

import numpy as np
import orjson

from core.ports import EdgeLogReader

logger = logging.getLogger(__name__)

KIND_CODES = {"transfer": 0, "payment": 1, "withdrawal": 2, "deposit": 3, "refund": 4}
TRANSFER, PAYMENT, WITHDRAWAL, DEPOSIT, REFUND = range(5)
_TX_COLUMNS = {
    "ts": np.int64,
    "kind": np.int8,
    "amount": np.float64,
    "src": np.int32,
    "dst": np.int32,
    "device": np.int32,
    "ip": np.int32,
}
# Log entries per XRANGE page. Ingest writes one entry per batch (up to 5,000 rows), and a big
# reply holds up the server's main thread, so every graph query waits behind it: keep pages small.
_READ_COUNT = 4


class Interner:
    """Strings to dense ints and back."""

    def __init__(self, names: list[str] | None = None) -> None:
        self.names: list[str] = list(names or [])
        self.index: dict[str, int] = {n: i for i, n in enumerate(self.names)}

    def get(self, name: str | None) -> int:
        if name is None:
            return -1
        i = self.index.get(name)
        if i is None:
            i = self.index[name] = len(self.names)
            self.names.append(name)
        return i

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class EdgeLogState:
    """Every transaction and account event seen so far, as columns.

    ``dst`` is an account index for transfers, a merchant index for payments and refunds, else -1;
    ``device``/``ip`` index ``idents`` (prefixed ``d:``/``i:``). Identity links pair an account
    with an identity hash (already prefixed ``p-``/``e-``/``a-``).
    """

    last_id: str = "0-0"
    first_id: str | None = None
    accounts: Interner = field(default_factory=Interner)
    merchants: Interner = field(default_factory=Interner)
    idents: Interner = field(default_factory=Interner)
    cols: dict[str, np.ndarray] = field(
        default_factory=lambda: {k: np.zeros(0, t) for k, t in _TX_COLUMNS.items()}
    )
    opened: dict[int, int] = field(default_factory=dict)  # account -> opened_at ms
    identity: list[tuple[int, int]] = field(default_factory=list)  # (account, ident)

    @property
    def n_tx(self) -> int:
        return int(self.cols["ts"].shape[0])

    def opened_at(self) -> np.ndarray:
        """Per account: opened_at if known, else first time seen in a transaction (ms)."""
        first = np.full(len(self.accounts), np.iinfo(np.int64).max, np.int64)
        c = self.cols
        np.minimum.at(first, c["src"], c["ts"])
        tr = c["kind"] == TRANSFER
        np.minimum.at(first, c["dst"][tr], c["ts"][tr])
        for acc, ms in self.opened.items():
            first[acc] = ms
        return first


def _intern(interner: Interner, names: Sequence[str | None]) -> np.ndarray:
    """Dense ids of ``names`` (None or empty: -1); new names are added in order of first use.
    Only distinct new names go through Python; the per-row lookup runs in C (``map``)."""
    index = interner.index
    fresh = [n for n in dict.fromkeys(names) if n and n not in index]
    index.update(
        zip(fresh, range(len(interner.names), len(interner.names) + len(fresh)), strict=True)
    )
    interner.names.extend(fresh)
    lookup = cast("dict[str | None, int]", index)  # None is simply never a key
    return np.fromiter(map(lookup.get, names, repeat(-1)), np.int32, len(names))


def _tx_columns(state: EdgeLogState, rows: list[list[Any]]) -> dict[str, np.ndarray]:
    """Transaction rows ``["t", tx_id, ts, kind, amount, src, dst, device, ip, ...]`` as columns."""
    _t, _id, ts, kind, amount, src, dst, dev, ip = list(zip(*rows, strict=False))[:9]
    codes = {k: KIND_CODES.get(k, WITHDRAWAL) for k in set(kind)}
    kinds = np.fromiter(map(codes.__getitem__, kind), np.int8, len(kind))
    dst_all = np.asarray(dst, dtype=object)
    dst_ids = np.full(len(rows), -1, np.int32)
    cols: dict[str, np.ndarray] = {
        "ts": np.asarray(ts, np.int64),
        "kind": kinds,
        "amount": np.asarray(amount, np.float64),
        "src": _intern(state.accounts, src),
        "dst": dst_ids,
    }
    tr, shop = kinds == TRANSFER, (kinds == PAYMENT) | (kinds == REFUND)
    dst_ids[tr] = _intern(state.accounts, dst_all[tr].tolist())
    dst_ids[shop] = _intern(state.merchants, dst_all[shop].tolist())
    cols["device"] = _intern(state.idents, ["d:" + d if d else None for d in dev])
    cols["ip"] = _intern(state.idents, ["i:" + i if i else None for i in ip])
    return cols


def _append_rows(
    state: EdgeLogState, rows: list[list[Any]], out: list[dict[str, np.ndarray]]
) -> None:
    tx = [r for r in rows if r[0] == "t"]
    if tx:
        out.append(_tx_columns(state, tx))
    for r in rows:
        if r[0] == "a":
            a = state.accounts.get(r[1])
            if r[2] is not None:
                state.opened[a] = int(r[2])
            state.identity.extend((a, state.idents.get(h)) for h in r[3:6] if h)


def refresh(state: EdgeLogState, log: EdgeLogReader) -> int:
    """Read log entries after ``state.last_id`` into the state; returns how many rows were new."""
    first = log.first_id()
    if state.first_id is not None and first != state.first_id:
        logger.info("edge log %s was recreated; rebuilding detection state", log.key)
        fresh = EdgeLogState()
        state.__dict__.update(fresh.__dict__)
    state.first_id = first
    chunks: list[dict[str, np.ndarray]] = []
    with _no_gc():
        added = _read_after(state, log, chunks)
    if chunks:
        for k, t in _TX_COLUMNS.items():
            parts = [state.cols[k], *(ch[k] for ch in chunks)]
            state.cols[k] = np.concatenate(parts).astype(t, copy=False)
    return added


@contextmanager
def _no_gc() -> Iterator[None]:
    """Parsing makes millions of short-lived lists that the cyclic collector would scan again
    and again (a third of the time on a 1M-row log); none of them form cycles."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _read_after(
    state: EdgeLogState, log: EdgeLogReader, chunks: list[dict[str, np.ndarray]]
) -> int:
    added = 0
    while True:
        entries = log.read_after(state.last_id, _READ_COUNT)
        if not entries:
            return added
        rows: list[list[Any]] = []
        for _entry_id, entry_rows in entries:
            rows.extend(entry_rows)
        _append_rows(state, rows, chunks)
        added += len(rows)
        state.last_id = entries[-1][0]


def save_state(state: EdgeLogState, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "columns.tmp.npz", allow_pickle=False, **state.cols)
    meta = {
        "last_id": state.last_id,
        "first_id": state.first_id,
        "accounts": state.accounts.names,
        "merchants": state.merchants.names,
        "idents": state.idents.names,
        "opened": list(state.opened.items()),
        "identity": state.identity,
        "n_tx": state.n_tx,
    }
    (folder / "meta.tmp.json").write_bytes(orjson.dumps(meta))
    (folder / "columns.tmp.npz").replace(folder / "columns.npz")
    (folder / "meta.tmp.json").replace(folder / "meta.json")


def load_state(folder: Path) -> EdgeLogState:
    """The saved state, or an empty one when none (or a damaged one) is there."""
    try:
        meta = orjson.loads((folder / "meta.json").read_bytes())
        with np.load(folder / "columns.npz") as npz:
            cols = {k: npz[k].astype(t, copy=False) for k, t in _TX_COLUMNS.items()}
    except (OSError, ValueError, KeyError, orjson.JSONDecodeError):
        return EdgeLogState()
    if meta.get("n_tx") != int(cols["ts"].shape[0]):
        logger.warning("detection state in %s is inconsistent; rebuilding it", folder)
        return EdgeLogState()
    return EdgeLogState(
        last_id=meta["last_id"],
        first_id=meta["first_id"],
        accounts=Interner(meta["accounts"]),
        merchants=Interner(meta["merchants"]),
        idents=Interner(meta["idents"]),
        cols=cols,
        opened={int(a): int(ms) for a, ms in meta["opened"]},
        identity=[(int(a), int(i)) for a, i in meta["identity"]],
    )
