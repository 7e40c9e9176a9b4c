"""Online k-hop inference: score an account from its sampled neighbourhood in the live graph.

``LiveGraph`` keeps the transaction table of the last full export and appends every event the
scorer sees, with per-node row lists. ``subgraph`` cuts the two-hop neighbourhood of a few
accounts out of it: the accounts, their partners and entities (device, IP, identity, merchant)
with their latest ``row_cap`` rows, and through those rows the accounts one entity away, at most
``fanout`` per busy entity (the most recent, as a neighbour sampler would). The piece goes through
the same ``build_hetero`` as the full export, so a model sees the features it was trained on.

Node features come from the full export unless a node changed since: a node with new rows, or
one the export never saw, gets features computed from its rows in the piece. A node with more
than ``row_cap`` rows keeps its exported features (one more transaction hardly moves a busy
merchant), and so does a node outside the targets' first hop.

Shapes: ``subgraph`` gives a ``HeteroData`` like ``build_hetero``'s and the ``[T]`` positions
of the targets in its ``account`` nodes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch_geometric.data import HeteroData

from core.events import AccountEvent, TransactionEvent
from gnn.export import NODE_TYPES, TxTable, build_hetero

logger = logging.getLogger(__name__)

_ROW_NODES = (
    ("src", "account"),
    ("dst_acc", "account"),
    ("merchant", "merchant"),
    ("device", "device"),
    ("ip", "ip"),
)


def tx_row(e: TransactionEvent) -> list[Any]:
    """The edge-log row of a transaction event (``graph.batch`` writes the same)."""
    return [
        "t",
        e.tx_id,
        e.ts,
        e.kind,
        e.amount,
        e.account_id,
        e.receiver,
        e.device_id,
        e.ip,
        e.card_id,
        e.country,
        e.label,
    ]


def account_row(e: AccountEvent) -> list[Any]:
    return ["a", e.account_id, e.opened_at, e.phone, e.email, e.address]


class LiveGraph:
    """The export's transaction table kept current from events, cut into k-hop pieces."""

    def __init__(
        self, table: TxTable, data: HeteroData, fanout: int = 25, row_cap: int = 200
    ) -> None:
        self.table = table
        self.fanout, self.row_cap = fanout, row_cap
        self.keys: dict[str, list[str]] = {t: list(table.ids[t]) for t in NODE_TYPES}
        self.x = {t: data[t].x.numpy() for t in NODE_TYPES}
        self.exported = {t: len(self.x[t]) for t in NODE_TYPES}
        self.rows: dict[str, defaultdict[int, list[int]]] = {
            t: defaultdict(list) for t in NODE_TYPES
        }
        self.identities: defaultdict[int, set[int]] = defaultdict(set)
        self.holders: defaultdict[int, set[int]] = defaultdict(set)
        self.changed: dict[str, set[int]] = {t: set() for t in NODE_TYPES}
        self.now_ms = int(max(table.cols["ts"], default=0))
        self._index_rows(0)
        self._index_identities(0)

    def _index_rows(self, start: int) -> None:
        cols = self.table.cols
        for i in range(start, len(cols["ts"])):
            for col, node_type in _ROW_NODES:
                node = cols[col][i]
                if node >= 0:
                    self.rows[node_type][node].append(i)
                    if start:
                        self.changed[node_type].add(node)

    def _index_identities(self, start: int) -> None:
        for account, identity in self.table.identity[start:]:
            self.identities[account].add(identity)
            self.holders[identity].add(account)
            if start:
                self.changed["account"].add(account)
                self.changed["identity"].add(identity)

    def observe(self, rows: Iterable[list[Any]]) -> set[str]:
        """Append edge-log rows; returns the ids of the accounts whose neighbourhood changed:
        the senders and receivers, and the latest ``fanout`` users of each device and IP used."""
        rows = list(rows)
        if not rows:
            return set()
        n_rows, n_ident = len(self.table.cols["ts"]), len(self.table.identity)
        before = len(self.table.ids["account"])
        self.table.add_rows(rows, None)
        self._register_keys(rows)
        self.changed["account"].update(range(before, len(self.table.ids["account"])))
        self._index_rows(n_rows)
        self._index_identities(n_ident)
        self.now_ms = max(self.now_ms, int(max(self.table.cols["ts"][n_rows:], default=0)))
        touched = {r[1] if r[0] == "a" else r[5] for r in rows}
        touched.update(r[6] for r in rows if r[0] == "t" and r[3] == "transfer" and r[6])
        # accounts sharing a device or IP the batch used: their neighbourhood changed too
        cols, keys = self.table.cols, self.keys["account"]
        for node_type in ("device", "ip"):
            for e in {cols[node_type][i] for i in range(n_rows, len(cols["ts"]))} - {-1}:
                touched.update(
                    keys[cols["src"][i]] for i in self._latest(node_type, e, self.fanout)
                )
        return touched

    def _register_keys(self, rows: list[list[Any]]) -> None:
        """Extend ``keys`` (index -> id per node type) with the ids ``rows`` introduced."""
        for r in rows:
            if r[0] == "a":
                named = [("account", r[1])] + [("identity", h) for h in r[3:6] if h]
            else:
                other = "account" if r[3] == "transfer" else "merchant"
                named = [("account", r[5]), (other, r[6]), ("device", r[7]), ("ip", r[8])]
            for node_type, key in named:
                idx = self.table.ids[node_type].get(key) if key is not None else None
                keys = self.keys[node_type]
                if idx is not None and idx >= len(keys):
                    keys.extend([""] * (idx + 1 - len(keys)))
                    keys[idx] = key

    def _latest(self, node_type: str, node: int, cap: int) -> list[int]:
        rows = self.rows[node_type].get(node, [])
        return rows[-cap:]

    def subgraph(self, account_ids: Sequence[str]) -> tuple[HeteroData, list[int]]:
        """The two-hop piece around the known ``account_ids`` and their positions in it."""
        index, cols = self.table.ids["account"], self.table.cols
        targets = [index[a] for a in account_ids if a in index]
        picked: set[int] = set()
        full: dict[str, set[int]] = {t: set() for t in NODE_TYPES}
        full["account"].update(targets)
        for a in targets:
            rows = self._latest("account", a, self.row_cap)
            picked.update(rows)
            for i in rows:
                for col, node_type in _ROW_NODES:
                    node = cols[col][i]
                    if node >= 0:
                        full[node_type].add(node)
            full["identity"].update(self.identities.get(a, ()))
        for node_type in ("device", "ip"):
            for e in full[node_type]:
                picked.update(self._sample_accounts(node_type, e))
        for a in full["account"] - set(targets):  # transfer partners: exact when small
            rows = self.rows["account"].get(a, [])
            if len(rows) <= self.row_cap:
                picked.update(rows)
        piece, local = self._piece(sorted(picked), full["identity"], targets)
        data = build_hetero(piece, now_ms=self.now_ms)
        self._fill_features(data, piece, full)
        return data, [local[a] for a in targets]

    def _sample_accounts(self, node_type: str, entity: int) -> list[int]:
        """All the entity's rows if it has at most ``row_cap`` (its features are then exact),
        else one row from each of its ``fanout`` most recent distinct senders."""
        rows = self.rows[node_type].get(entity, [])
        if len(rows) <= self.row_cap:
            return rows
        src, out, seen = self.table.cols["src"], [], set()
        for i in reversed(rows[-self.row_cap :]):
            if src[i] not in seen:
                seen.add(src[i])
                out.append(i)
                if len(seen) >= self.fanout:
                    break
        return out

    def _piece(
        self, rows: list[int], identities: set[int], targets: list[int]
    ) -> tuple[TxTable, dict[int, int]]:
        """A TxTable of ``rows`` (global ids kept in ``global_of``) with the targets first."""
        cols, piece = self.table.cols, TxTable()
        acc = piece.ids["account"]
        for a in targets:
            acc.add(self.keys["account"][a])
        for i in rows:
            for col in ("ts", "kind", "amount", "label"):
                piece.cols[col].append(cols[col][i])
            for col, node_type in _ROW_NODES:
                node = cols[col][i]
                piece.cols[col].append(
                    piece.ids[node_type].add(self.keys[node_type][node]) if node >= 0 else -1
                )
        for identity in identities:
            for a in sorted(self.holders[identity])[: self.fanout]:
                piece.identity.append(
                    (
                        acc.add(self.keys["account"][a]),
                        piece.ids["identity"].add(self.keys["identity"][identity]),
                    )
                )
        for key, a in acc.items():
            opened = self.table.opened.get(self.table.ids["account"][key])
            if opened is not None:
                piece.opened[a] = opened
        return piece, {a: acc[self.keys["account"][a]] for a in targets}

    def _fill_features(self, data: HeteroData, piece: TxTable, full: dict[str, set[int]]) -> None:
        """Exported features for nodes that did not change or whose piece is partial."""
        for t in NODE_TYPES:
            x = data[t].x.numpy().copy()
            global_index = self.table.ids[t]
            for key, local in piece.ids[t].items():
                g = global_index[key]
                fresh = g in full[t] and len(self.rows[t].get(g, ())) <= self.row_cap
                stale_ok = g < self.exported[t]
                if stale_ok and not (fresh and g in self.changed[t]):
                    x[local] = self.x[t][g]
            data[t].x = torch.from_numpy(x)
