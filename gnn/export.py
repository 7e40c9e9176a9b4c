"""The transaction graph as PyTorch Geometric ``HeteroData``, read from the edge log.

The edge log (``ringscope:{graph}:log``, docs/contracts.md) holds every applied transaction
once, in order, so reading it is faster than exporting the live graph and never blocks the
writer; investigators' verdicts come from the graph through short ``cypher/gnn_*`` queries.
``cutoff_ms`` keeps only what was known before that instant, so a model trained on an export
never sees the future of its test data.

Node types: ``account``, ``device``, ``merchant``, ``ip``, ``identity`` (hashed phone, email,
address). Edge types (plus reverses ``rev_*``): ``transferred``, ``paid``, ``refunded``,
``used``, ``from_ip``, ``has_identity``. ``data["account"].y`` is 1 fraud, 0 legit, -1 unknown.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import orjson
from torch_geometric.data import HeteroData

from core.ports import EdgeLogReader
from gnn.arrays import NODE_TYPES, graph_arrays, to_hetero
from graph.model_io import verdict_rows

logger = logging.getLogger(__name__)

KINDS = ("transfer", "payment", "withdrawal", "deposit", "refund")
_VERDICT_LABEL = {"confirmed_fraud": 1, "false_positive": 0}


class LogSource(Protocol):
    """What the export needs from a store: its edge log, graph and name (FalkorStore)."""

    graph_name: str
    graph: Any

    def edge_log(self) -> EdgeLogReader: ...


class _Index(dict[str, int]):
    def add(self, key: str | None) -> int:
        if key is None:
            return -1
        idx = self.get(key)
        if idx is None:
            idx = self[key] = len(self)
        return idx


@dataclass
class TxTable:
    """The log's transactions and account events as columns (one row per transaction)."""

    ids: dict[str, _Index] = field(default_factory=lambda: {t: _Index() for t in NODE_TYPES})
    cols: dict[str, Any] = field(  # lists as read; numpy arrays in an online piece
        default_factory=lambda: {
            k: []
            for k in ("ts", "kind", "amount", "src", "dst_acc", "merchant", "device", "ip", "label")
        }
    )
    opened: dict[int, int] = field(default_factory=dict)
    identity: list[tuple[int, int]] = field(default_factory=list)
    rows: int = 0
    last_entry: str | None = None  # the last edge-log entry read into the table

    def add_rows(self, rows: Iterable[list[Any]], cutoff_ms: int | None) -> None:
        acc, ids, c = self.ids["account"], self.ids, self.cols
        for r in rows:
            self.rows += 1
            if r[0] == "a":
                a = acc.add(r[1])
                if r[2] is not None:
                    self.opened[a] = r[2]
                self.identity += [(a, ids["identity"].add(h)) for h in r[3:6] if h]
                continue
            _, _tx, ts, kind, amount, sender, receiver, device, ip, _card, _country, label = r
            if cutoff_ms is not None and ts >= cutoff_ms:
                continue
            c["ts"].append(ts)
            c["kind"].append(KINDS.index(kind))
            c["amount"].append(amount)
            c["src"].append(acc.add(sender))
            transfer = kind == "transfer"
            c["dst_acc"].append(acc.add(receiver) if transfer else -1)
            c["merchant"].append(ids["merchant"].add(receiver) if not transfer else -1)
            c["device"].append(ids["device"].add(device))
            c["ip"].append(ids["ip"].add(ip))
            c["label"].append(1 if label == "fraud" else 0 if label == "legit" else -1)

    def opened_ms(self) -> np.ndarray:
        """``[N_account]`` opening instants (epoch ms), NaN where no account event gave one."""
        out = np.full(len(self.ids["account"]), np.nan)
        out[list(self.opened)] = list(self.opened.values())
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        out = {
            k: np.asarray(v, dtype=np.float64 if k == "amount" else np.int64)
            for k, v in self.cols.items()
        }
        if not len(out["ts"]):
            out = {k: np.zeros(0, dtype=v.dtype) for k, v in out.items()}
        return out


def log_entries(
    source: LogSource, after: str | None = None, chunk: int = 500
) -> Iterator[tuple[str, list[list[Any]]]]:
    """``(entry id, rows)`` of the edge log in order, from after the entry id ``after``."""
    log = source.edge_log()
    last = after or "0-0"
    while True:
        entries = log.read_after(last, chunk)
        yield from entries
        if len(entries) < chunk:
            break
        last = entries[-1][0]


def read_log(source: LogSource, cutoff_ms: int | None = None, chunk: int = 500) -> TxTable:
    """All edge-log entries, parsed into a TxTable (transactions at or after cutoff dropped)."""
    table, started = TxTable(), time.perf_counter()
    for entry_id, rows in log_entries(source, None, chunk):
        table.add_rows(rows, cutoff_ms)
        table.last_entry = entry_id
    seconds = time.perf_counter() - started
    logger.info(
        "read %d log rows in %.2fs (%.0f rows/s)",
        table.rows,
        seconds,
        table.rows / max(seconds, 1e-9),
    )
    return table


def read_verdicts(source: LogSource) -> dict[str, int]:
    """Account id -> 1 (confirmed fraud) / 0 (false positive); ring verdicts reach members."""
    out: dict[str, int] = {}
    for account_id, verdict, _at in verdict_rows(source.graph):  # account verdicts win
        if verdict in _VERDICT_LABEL:
            out[account_id] = _VERDICT_LABEL[verdict]
    return out


def account_labels(
    tx: dict[str, np.ndarray], n_accounts: int, verdicts: dict[int, int]
) -> np.ndarray:
    """1 if the account sent a fraud-labelled tx, 0 if legit-labelled ones only, else -1."""
    y = np.full(n_accounts, -1, dtype=np.int64)
    lab = tx["label"] >= 0
    y[tx["src"][lab & (tx["label"] == 0)]] = 0
    y[tx["src"][tx["label"] == 1]] = 1
    for idx, label in verdicts.items():
        y[idx] = label
    return y


def build_hetero(
    table: TxTable, verdicts: dict[str, int] | None = None, now_ms: int | None = None
) -> HeteroData:
    """HeteroData with graph features per node type and account labels ``y``."""
    tx = table.arrays()
    index = table.ids["account"]
    verdict_idx = {index[a]: v for a, v in (verdicts or {}).items() if a in index}
    return hetero_from_columns(
        tx,
        {t: list(table.ids[t]) for t in NODE_TYPES},
        table.opened_ms(),
        np.asarray(table.identity, dtype=np.int64).reshape(-1, 2),
        verdict_idx,
        now_ms,
    )


def hetero_from_columns(
    tx: dict[str, np.ndarray],
    ids: dict[str, list[str]],
    opened: np.ndarray,
    ident: np.ndarray,
    verdicts: dict[int, int],
    now_ms: int | None,
) -> HeteroData:
    """``build_hetero`` on columns already in numbers: ``tx`` as ``TxTable.arrays``, ``ids``
    the id of every node per type, ``opened`` ``[N_account]`` opening instants (NaN when
    unknown), ``ident`` ``[I, 2]`` (account, identity) pairs and
    ``verdicts`` account number -> label. ``gnn.online`` builds its pieces through here."""
    n = {t: len(ids[t]) for t in NODE_TYPES}
    now = now_ms if now_ms is not None else int(tx["ts"].max()) if len(tx["ts"]) else 0
    arrays = graph_arrays(tx, n, opened, ident, now)
    return to_hetero(arrays, ids, account_labels(tx, n["account"], verdicts))


def export_hetero(source: LogSource, cutoff_ms: int | None = None) -> HeteroData:
    """The whole graph (as of ``cutoff_ms``) with verdict labels, from a FalkorStore."""
    table = read_log(source, cutoff_ms)
    data = build_hetero(table, read_verdicts(source), now_ms=cutoff_ms)
    data.fingerprint = fingerprint(data)
    return data


def export_live(source: LogSource) -> tuple[HeteroData, TxTable]:
    """The whole graph like ``export_hetero``, and the table it came from (``gnn.online``)."""
    table = read_log(source)
    data = build_hetero(table, read_verdicts(source))
    data.fingerprint = fingerprint(data)
    return data, table


def fingerprint(data: HeteroData) -> str:
    """A short hash of the graph's size and labels: which data a model was trained on."""
    h = hashlib.sha256()
    for t in sorted(data.node_types):
        h.update(f"{t}:{data[t].num_nodes}".encode())
    for et in sorted(data.edge_types):
        h.update(f"{et}:{data[et].edge_index.size(1)}".encode())
    h.update(data["account"].y.numpy().tobytes())
    return h.hexdigest()[:16]


def rows_digest(data: HeteroData) -> str:
    """SHA-256 of the training data itself: node ids, labels, edges and features."""
    h = hashlib.sha256()
    for t in sorted(data.node_types):
        h.update(orjson.dumps(list(getattr(data[t], "ids", []))))
        h.update(data[t].x.numpy().tobytes())
    for et in sorted(data.edge_types):
        h.update("/".join(et).encode())
        h.update(data[et].edge_index.numpy().tobytes())
    h.update(data["account"].y.numpy().tobytes())
    return h.hexdigest()


def subgraph_accounts(data: HeteroData, account_ids: Sequence[str]) -> list[int]:
    """Indices of known accounts among ``account_ids`` (unknown ones are skipped)."""
    index = {a: i for i, a in enumerate(data["account"].ids)}
    return [index[a] for a in account_ids if a in index]
