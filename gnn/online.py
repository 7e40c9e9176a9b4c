"""Online k-hop inference: score an account from its sampled neighbourhood in the live graph.

``LiveGraph`` keeps the transaction table of the last full export and appends every event the
scorer sees, with per-node row lists. ``subgraph`` cuts the two-hop neighbourhood of a few
accounts out of it: the accounts, their partners and entities (device, IP, identity, merchant)
with their latest ``row_cap`` rows, and through those rows the accounts one entity away, at most
``fanout`` per busy entity (the most recent, as a neighbour sampler would), through at most
``entity_cap`` devices and ``entity_cap`` IPs per account (the ones it used last: an account on
a hundred shared IPs would bring thousands of sharers). The piece goes through the same feature
code as the full export (``gnn.arrays``), so a model sees the features it was trained on;
``piece`` stops before torch (what RingBoost reads), ``subgraph`` gives ``HeteroData``.

Node features come from the full export unless a node changed since: a node with new rows, or
one the export never saw, gets features computed from its rows in the piece. A node with more
than ``row_cap`` rows keeps its exported features (one more transaction hardly moves a busy
merchant), and so does a node outside the targets' first hop. A changed device or IP beyond
``entity_cap`` gets features from all its rows, computed apart; the piece holds only the
targets' rows of it, so the targets' ``ip_sharers``-type counts miss its other users (on the
simulator and generator seed 6, 2 of 2,713 and 3 of 6,196 online scores moved, by at most 0.29).

Shapes: ``subgraph`` gives a ``HeteroData`` like ``build_hetero``'s and the ``[T]`` positions
of the targets in its ``account`` nodes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from torch_geometric.data import HeteroData

from core.events import AccountEvent, TransactionEvent
from gnn.arrays import NODE_TYPES, GraphArrays, graph_arrays, to_hetero
from gnn.export import TxTable, account_labels
from gnn.features import entity_features, sorted_unique
from gnn.piece_index import GrowingColumns, among, distinct, localise, pick

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
        self,
        table: TxTable,
        data: HeteroData,
        fanout: int = 25,
        row_cap: int = 200,
        entity_cap: int = 25,
    ) -> None:
        self.table = table
        self.fanout, self.row_cap, self.entity_cap = fanout, row_cap, entity_cap
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
        self.columns = GrowingColumns(table.cols)
        self.opened = table.opened_ms()  # grows with the accounts (capacity doubles)
        self._samples: dict[tuple[str, int], tuple[int, list[int]]] = {}
        self._entity_x: dict[tuple[str, int], tuple[int, np.ndarray]] = {}
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
        self.columns.extend(self.table.cols)
        self._register_keys(rows)
        self._note_opened(rows)
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

    def _note_opened(self, rows: list[list[Any]]) -> None:
        index, n = self.table.ids["account"], len(self.table.ids["account"])
        if n > len(self.opened):
            grown = np.full(max(n, 2 * len(self.opened)), np.nan)
            grown[: len(self.opened)] = self.opened
            self.opened = grown
        for r in rows:
            if r[0] == "a" and r[2] is not None:
                self.opened[index[r[1]]] = r[2]

    def _latest(self, node_type: str, node: int, cap: int) -> list[int]:
        rows = self.rows[node_type].get(node, [])
        return rows[-cap:]

    def subgraph(self, account_ids: Sequence[str]) -> tuple[HeteroData, list[int]]:
        """The two-hop piece around the known ``account_ids`` and their positions in it."""
        piece, positions = self.piece(account_ids)
        ids = {t: pick(self.keys[t], piece.order[t]) for t in NODE_TYPES}
        y = account_labels(piece.tx, piece.arrays.n["account"], {})
        return to_hetero(piece.arrays, ids, y), positions

    def piece(self, account_ids: Sequence[str]) -> tuple[Piece, list[int]]:
        """``subgraph``'s piece before torch: what RingBoost reads (``gnn.arrays``)."""
        index = self.table.ids["account"]
        targets = list(dict.fromkeys(index[a] for a in account_ids if a in index))
        cols = self.columns.view()
        own = self._rows_of("account", targets, self.row_cap)
        full = {
            "account": distinct(cols["src"][own], cols["dst_acc"][own], targets),
            **{t: distinct(cols[t][own]) for t in ("merchant", "device", "ip")},
        }
        full["identity"] = np.array(
            sorted({i for a in targets for i in self.identities.get(a, ())}), dtype=np.int64
        )
        picked: list[Any] = [own]
        apart: dict[str, list[int]] = {}  # not expanded, changed: features computed apart
        for node_type in ("device", "ip"):
            grown = self._expanded(node_type, own, targets, full[node_type])
            picked += [self._sample_accounts(node_type, e) for e in grown.tolist()]
            rest = full[node_type][~among(full[node_type], grown.tolist())].tolist()
            changed = self.changed[node_type]
            apart[node_type] = [e for e in rest if e in changed and self._quiet(node_type, e)]
            full[node_type] = grown
        partners = full["account"][~among(full["account"], targets)]  # transfer partners
        picked.append(self._rows_of("account", partners.tolist(), None))
        rows = sorted_unique(np.concatenate(picked).astype(np.int64))
        tx, opened, ident, order = self._columns(
            rows, full["identity"], np.asarray(targets, dtype=np.int64)
        )
        n = {t: len(order[t]) for t in NODE_TYPES}
        known = {}
        for t in NODE_TYPES:  # exported features, except for the nodes that changed
            keep = self._kept(t, order[t], full[t])
            x = np.zeros((n[t], self.x[t].shape[1]), dtype=self.x[t].dtype)
            x[keep] = self.x[t][order[t][keep]]
            known[t] = (x, ~keep)
            if apart.get(t):
                at = np.searchsorted(order[t], apart[t])
                x[at] = self._entity_features(t, apart[t])
                known[t][1][at] = False
        arrays = graph_arrays(tx, n, opened, ident, self.now_ms, known)
        return Piece(arrays, tx, order), list(range(len(targets)))

    def _rows_of(self, node_type: str, nodes: Sequence[int], cap: int | None) -> np.ndarray:
        """The latest ``cap`` rows of each node; with ``cap`` None, all rows of the nodes that
        have at most ``row_cap`` (a node with more keeps its exported features)."""
        by_node, out = self.rows[node_type], []
        for node in nodes:
            rows = by_node.get(node, [])
            if cap is not None:
                out.append(rows[-cap:])
            elif len(rows) <= self.row_cap:
                out.append(rows)
        return np.fromiter(chain.from_iterable(out), dtype=np.int64)

    def _entity_features(self, node_type: str, entities: list[int]) -> np.ndarray:
        """``[len(entities), F]`` features of device or IP ``entities`` from all their rows,
        summed in table order as the export sums them (cached per entity until it has new
        rows): the piece holds only the targets' rows of them."""
        by_node, missed = self.rows[node_type], []
        for e in entities:
            hit = self._entity_x.get((node_type, e))
            if hit is None or hit[0] != len(by_node[e]):
                missed.append(e)
        if missed:
            lists = [by_node[e] for e in missed]
            rows = np.fromiter(chain.from_iterable(lists), dtype=np.int64)
            cols = self.columns.view()
            tx = {k: cols[k][rows] for k in ("ts", "amount", "src")}
            tx[node_type] = np.repeat(np.arange(len(lists)), [len(r) for r in lists])
            x = entity_features(node_type, tx, _NO_PAIRS, len(lists))
            for e, row in zip(missed, x, strict=True):
                self._entity_x[node_type, e] = (len(by_node[e]), row)
        return np.stack([self._entity_x[node_type, e][1] for e in entities])

    def _sample_accounts(self, node_type: str, entity: int) -> list[int]:
        """All the entity's rows if it has at most ``row_cap`` (its features are then exact),
        else one row from each of its ``fanout`` most recent distinct senders."""
        rows = self.rows[node_type].get(entity, [])
        if len(rows) <= self.row_cap:
            return rows
        cached = self._samples.get((node_type, entity))
        if cached is not None and cached[0] == len(rows):  # no new rows since: same sample
            return cached[1]
        src, out, seen = self.table.cols["src"], [], set()
        for i in reversed(rows[-self.row_cap :]):
            if src[i] not in seen:
                seen.add(src[i])
                out.append(i)
                if len(seen) >= self.fanout:
                    break
        self._samples[node_type, entity] = (len(rows), out)
        return out

    def _columns(
        self, rows: np.ndarray, identities: np.ndarray, targets: np.ndarray
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """The piece of ``rows`` in local node numbers, the targets first: its transaction
        columns, opening instants, (account, identity) pairs, and per node type the global
        node of each local one."""
        cols = self.columns.view()
        holders = [
            (a, identity)
            for identity in identities.tolist()
            for a in sorted(self.holders[identity])[: self.fanout]
        ]
        pairs = np.asarray(holders, dtype=np.int64).reshape(-1, 2)
        picked = {name: cols[name][rows] for name, _ in _ROW_NODES}
        order: dict[str, np.ndarray] = {}
        tx = {name: cols[name][rows] for name in ("ts", "kind", "amount", "label")}
        order["account"], loc = localise(
            np.concatenate([picked["src"], picked["dst_acc"], pairs[:, 0]]), targets
        )
        n = len(rows)
        tx["src"], tx["dst_acc"], acc_pairs = loc[:n], loc[n : 2 * n], loc[2 * n :]
        for name, node_type in _ROW_NODES[2:]:
            order[node_type], tx[name] = localise(picked[name], _NONE)
        order["identity"], id_pairs = localise(pairs[:, 1], _NONE)
        ident = np.stack([acc_pairs, id_pairs], axis=1)
        return tx, self.opened[order["account"]], ident, order

    def _kept(self, node_type: str, nodes: np.ndarray, first_hop: np.ndarray) -> np.ndarray:
        """Which ``nodes`` keep their exported features: all the export saw, except those of
        the first hop that changed since and whose rows the piece holds (recomputed)."""
        keep = nodes < self.exported[node_type]
        changed = self.changed[node_type]
        redo = [n for n in first_hop.tolist() if n in changed and self._quiet(node_type, n)]
        if redo:
            keep &= ~among(nodes, redo)
        return keep

    def _quiet(self, node_type: str, node: int) -> bool:
        """At most ``row_cap`` rows: the node's features can be computed from them."""
        return len(self.rows[node_type].get(node, ())) <= self.row_cap

    def _expanded(
        self, node_type: str, own: np.ndarray, targets: list[int], entities: np.ndarray
    ) -> np.ndarray:
        """The first-hop devices or IPs whose sharers join the piece: of each target, the
        ``entity_cap`` it used last (all when it used no more), as a neighbour sampler's
        first hop would; sorted."""
        if len(entities) <= self.entity_cap:
            return entities
        cols = self.columns.view()
        ent, src = cols[node_type][own], cols["src"][own]
        owner = np.where(np.isin(src, targets), src, cols["dst_acc"][own])
        ok = ent >= 0
        ent, owner, row = ent[ok], owner[ok], own[ok]
        order = np.lexsort((-row, ent, owner))  # the latest row of each (target, entity)
        ent, owner, row = ent[order], owner[order], row[order]
        first = np.r_[True, (owner[1:] != owner[:-1]) | (ent[1:] != ent[:-1])]
        ent, owner, row = ent[first], owner[first], row[first]
        order = np.lexsort((-row, owner))  # each target's entities, the latest used first
        ent, owner = ent[order], owner[order]
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        rank = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
        return sorted_unique(ent[rank < self.entity_cap])


@dataclass
class Piece:
    """A k-hop piece as arrays: features and edges, its transaction columns (local node
    numbers) and, per node type, the global node of each local one."""

    arrays: GraphArrays
    tx: dict[str, np.ndarray]
    order: dict[str, np.ndarray]


_NONE = np.zeros(0, dtype=np.int64)
_NO_PAIRS = np.zeros((0, 2), dtype=np.int64)
