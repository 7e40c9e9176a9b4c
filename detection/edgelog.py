"""Columnar copy of the edge log that ingest appends to (``ringscope:{graph}:log``).

Each run reads only the entries after the last one it consumed (XRANGE), appends them to numpy
columns, and saves the state under ``data_dir/detection/<graph>/`` so heavy analytics never
touch the live graph. If the log was recreated (graph deleted), the state starts afresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import redis

logger = logging.getLogger(__name__)

KIND_CODES = {"transfer": 0, "payment": 1, "withdrawal": 2, "deposit": 3, "refund": 4}
TRANSFER, PAYMENT, WITHDRAWAL, DEPOSIT, REFUND = range(5)
_TX_COLUMNS = {"ts": np.int64, "kind": np.int8, "amount": np.float64, "src": np.int32,
               "dst": np.int32, "device": np.int32, "ip": np.int32}  # fmt: skip
_READ_COUNT = 2000


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


def _append_rows(state: EdgeLogState, rows: list[list[Any]], buf: dict[str, list[Any]]) -> None:
    acc, mer, ids = state.accounts, state.merchants, state.idents
    for r in rows:
        if r[0] == "t":
            kind = KIND_CODES.get(r[3], WITHDRAWAL)
            buf["ts"].append(r[2])
            buf["kind"].append(kind)
            buf["amount"].append(r[4])
            buf["src"].append(acc.get(r[5]))
            if kind == TRANSFER:
                buf["dst"].append(acc.get(r[6]))
            elif kind in (PAYMENT, REFUND):
                buf["dst"].append(mer.get(r[6]))
            else:
                buf["dst"].append(-1)
            buf["device"].append(ids.get("d:" + r[7]) if r[7] else -1)
            buf["ip"].append(ids.get("i:" + r[8]) if r[8] else -1)
        elif r[0] == "a":
            a = acc.get(r[1])
            if r[2] is not None:
                state.opened[a] = int(r[2])
            state.identity.extend((a, ids.get(h)) for h in r[3:6] if h)


def _log_first_id(client: redis.Redis, key: str) -> str | None:
    first = client.xrange(key, "-", "+", count=1)
    if not first:
        return None
    raw = first[0][0]
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def refresh(state: EdgeLogState, client: redis.Redis, key: str) -> int:
    """Read log entries after ``state.last_id`` into the state; returns how many rows were new."""
    first = _log_first_id(client, key)
    if state.first_id is not None and first != state.first_id:
        logger.info("edge log %s was recreated; rebuilding detection state", key)
        fresh = EdgeLogState()
        state.__dict__.update(fresh.__dict__)
    state.first_id = first
    buf: dict[str, list[Any]] = {k: [] for k in _TX_COLUMNS}
    start, added = "(" + state.last_id, 0
    while True:
        entries = client.xrange(key, start, "+", count=_READ_COUNT)
        if not entries:
            break
        for _entry_id, fields in entries:
            rows = orjson.loads(fields.get(b"rows") or fields.get("rows"))
            _append_rows(state, rows, buf)
            added += len(rows)
        last = entries[-1][0]
        state.last_id = last.decode() if isinstance(last, bytes) else str(last)
        start = "(" + state.last_id
    if buf["ts"]:
        for k, t in _TX_COLUMNS.items():
            state.cols[k] = np.concatenate([state.cols[k], np.asarray(buf[k], dtype=t)])
    return added


def save_state(state: EdgeLogState, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "columns.tmp.npz", **state.cols)
    meta = {
        "last_id": state.last_id, "first_id": state.first_id,
        "accounts": state.accounts.names, "merchants": state.merchants.names,
        "idents": state.idents.names, "opened": list(state.opened.items()),
        "identity": state.identity, "n_tx": state.n_tx,
    }  # fmt: skip
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
        last_id=meta["last_id"], first_id=meta["first_id"],
        accounts=Interner(meta["accounts"]), merchants=Interner(meta["merchants"]),
        idents=Interner(meta["idents"]), cols=cols,
        opened={int(a): int(ms) for a, ms in meta["opened"]},
        identity=[(int(a), int(i)) for a, i in meta["identity"]],
    )  # fmt: skip
