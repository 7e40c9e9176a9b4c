"""A batch of clean transaction lines planned column by column: ``plan_batch``'s result and the
``--bulk`` Transaction records, with a few dozen array operations instead of Python work per event.

Takes the table ``ingest.columnar.read_clean`` makes of a batch of transaction events (no account
events, no repeated tx_id, values as ``TransactionEvent`` holds them) and computes what
``graph.batch.plan_batch`` and ``bulkformat.node_record`` would from the events one by one: the
same transaction rows, the same nodes with the first ts of the batch, the same links, the same
money sums (added in row order, as the per-event plan adds them, so the floats are equal), the
same edge-log rows and the same record bytes. ``batch_plan`` serves the append path (a
``BatchPlan``), ``plan_columns`` the ``--bulk`` loaders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from graph.batch import TX_EVENT_COLUMNS, TX_PROPERTIES, BatchPlan, Pair
from graph.bulkips import IpRows

# a money edge's pairs in one batch: sources, targets, counts, totals, first ts, last ts
MoneyColumns = tuple[
    list[str],
    list[str],
    "np.ndarray[Any, Any]",  # int64
    "np.ndarray[Any, Any]",  # float64
    "np.ndarray[Any, Any]",  # int64
    "np.ndarray[Any, Any]",  # int64
]

_Ints = np.ndarray[Any, np.dtype[np.int64]]
_NO_SCORE = b"\x00" * (len(TX_PROPERTIES) - len(TX_EVENT_COLUMNS))  # risk_score .. reasons
_FLOATS = ("amount", "lat", "lon")


@dataclass
class ColumnPlan:
    """A batch planned column by column (a PreparedBatch of graph.bulkwriter.BulkWriter)."""

    tx_ids: list[str]
    raws: list[str] = field(repr=False)  # the lines, for the per-event path if need be
    tx_blob: bytes = field(default=b"", repr=False)
    log_json: bytes = field(default=b"", repr=False)  # the edge-log entry's rows
    nodes: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)
    money: dict[str, MoneyColumns] = field(default_factory=dict, repr=False)
    links: dict[str, dict[Pair, int]] = field(default_factory=dict, repr=False)
    ips: IpRows | None = field(default=None, repr=False)  # its addresses' links


def plan_columns(table: pa.Table, raws: list[str]) -> ColumnPlan:
    """The ``--bulk`` plan of a clean batch (see the module docstring)."""
    cols, ts = _columns(table)
    plan = ColumnPlan(tx_ids=cols["tx_id"].to_pylist(), raws=raws)
    plan.tx_blob = _records(cols)
    plan.log_json = _log_json(cols, ts, _escapes(table))
    plan.nodes, plan.money, plan.links = _graph_parts(cols, ts)
    plan.ips = IpRows(*_first_pairs(cols["account_id"], cols["ip"], ts))
    return plan


def batch_plan(table: pa.Table, raws: list[str]) -> BatchPlan:
    """``plan_batch`` of a clean batch's events, for the append path: the same transaction rows,
    nodes, links and sums; the edge log's rows come as their JSON (``log_json``), and the events
    are parsed from ``raws`` only if the plan has to be made again."""
    cols, ts = _columns(table)
    plan = BatchPlan(raws=raws, tx_ids=cols["tx_id"].to_pylist())
    plan.tx_records = _records(cols)  # the rows only as records: nothing reads them as lists
    plan.log_json = _log_json(cols, ts, _escapes(table))
    nodes, money, links = _graph_parts(cols, ts)
    plan.nodes.update(nodes, IP=_first_ts(cols["ip"], ts))
    plan.links.update(links, from_ip=_first_pair_ts(cols["account_id"], cols["ip"], ts))
    for name, (src, dst, *sums) in money.items():
        rows = zip(*(s.tolist() for s in sums), strict=True)
        plan.money[name] = dict(zip(zip(src, dst, strict=True), map(list, rows), strict=True))
    return plan


def _columns(table: pa.Table) -> tuple[dict[str, pa.Array], _Ints]:
    table = table.combine_chunks()
    cols = {name: table.column(name).chunk(0) for name in TX_EVENT_COLUMNS}
    return cols, cols["ts"].to_numpy()


def _escapes(table: pa.Table) -> bool:
    """Whether the batch's text had a backslash (read_clean's note): only then can a value hold
    a character JSON escapes."""
    return (table.schema.metadata or {}).get(b"backslash") != b"no"


def _graph_parts(
    cols: dict[str, pa.Array], ts: _Ints
) -> tuple[dict[str, dict[str, int]], dict[str, MoneyColumns], dict[str, dict[Pair, int]]]:
    """The batch's nodes (first ts), money sums per pair and links (first ts), as plan_batch,
    but for its addresses (IP nodes and FROM_IP links)."""
    kind = cols["kind"]
    acc, cp, merchant = cols["account_id"], cols["counterparty_id"], cols["merchant_id"]
    transfer = pc.equal(kind, "transfer")
    payment, refund = pc.equal(kind, "payment"), pc.equal(kind, "refund")
    shop = pc.or_(payment, refund)
    both = pa.chunked_array([acc, pc.if_else(transfer, cp, None)])
    nodes = {
        "Account": _first_ts(both.combine_chunks(), np.concatenate([ts, ts])),
        "Merchant": _first_ts(pc.if_else(shop, merchant, None), ts),
        "Device": _first_ts(cols["device_id"], ts),
    }
    amount = cols["amount"].to_numpy()
    money = {
        "transferred": _money(acc, cp, transfer, ts, amount),
        "paid": _money(acc, merchant, payment, ts, amount),
        "refunded": _money(merchant, acc, refund, ts, amount),
    }
    links = {"used": _first_pair_ts(acc, cols["device_id"], ts)}
    return nodes, money, links


def _records(cols: dict[str, pa.Array]) -> bytes:
    """Every row's ``node_record`` bytes, concatenated."""
    parts = _Parts()
    for name in TX_EVENT_COLUMNS:
        values = cols[name]
        if values.null_count == len(values):
            parts.add(b"\x00")
        elif name == "ts" or name in _FLOATS:
            code, dtype = (4, np.int64) if name == "ts" else (2, np.float64)
            if values.null_count:
                filled = _fixed(code, pc.fill_null(values, 0).to_numpy(), dtype)
                parts.add(pc.if_else(pc.is_valid(values), filled, pa.scalar(b"\x00")))
            else:
                parts.add(bytes([code]))
                parts.add(_binary(np.ascontiguousarray(values.to_numpy(), dtype), 8))
        elif values.null_count:
            text = pc.binary_join_element_wise(b"\x03", values.view(pa.binary()), b"\x00", b"")
            parts.add(pc.fill_null(text, b"\x00"))
        else:
            parts.add(b"\x03")
            parts.add(values.view(pa.binary()))
            parts.add(b"\x00")
    parts.add(_NO_SCORE)
    return _concatenated(parts.joined())


def node_records(
    ids: list[str], first_seen: Sequence[int] | _Ints, opened: list[int | None] | None
) -> bytes:
    """``node_record([id, first_seen])`` (``[id, first_seen, opened_at]`` with ``opened``) of
    each entity node, concatenated."""
    parts = _Parts()
    parts.add(b"\x03")
    parts.add(pa.array(ids, pa.string()).view(pa.binary()))
    parts.add(b"\x00\x04")
    parts.add(_binary(np.array(first_seen, np.int64), 8))
    if opened is not None:
        values = pa.array(opened, pa.int64())
        if values.null_count == len(values):
            parts.add(b"\x00")
        else:
            packed = _fixed(4, pc.fill_null(values, 0).to_numpy(), np.int64)
            parts.add(pc.if_else(pc.is_valid(values), packed, pa.scalar(b"\x00")))
    return _concatenated(parts.joined())


class _Parts:
    """The pieces of every row, columns and constants, to join in one call (adjacent constants
    merged)."""

    def __init__(self) -> None:
        self.pieces: list[Any] = []

    def add(self, piece: Any) -> None:
        last = self.pieces[-1] if self.pieces else None
        if isinstance(piece, bytes) and isinstance(last, bytes):
            self.pieces[-1] = last + piece
        elif isinstance(piece, str) and isinstance(last, str):
            self.pieces[-1] = last + piece
        else:
            self.pieces.append(piece)

    def joined(self) -> pa.Array:
        empty = b"" if any(isinstance(p, bytes) for p in self.pieces) else ""
        return pc.binary_join_element_wise(*self.pieces, empty)


def _fixed(code: int, values: Any, dtype: type) -> pa.Array:
    """A type byte and an 8-byte value per row, as binary."""
    packed = np.empty(len(values), np.dtype([("c", np.uint8), ("v", dtype)]))
    packed["c"] = code
    packed["v"] = values
    return _binary(packed, 9)


def _binary(packed: Any, width: int) -> pa.Array:
    """The rows of a packed numpy array as a binary array of ``width`` bytes each, no copy."""
    offsets = np.arange(0, width * len(packed) + 1, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.binary(), len(packed), [None, pa.py_buffer(offsets), pa.py_buffer(packed)]
    )


def _log_json(cols: dict[str, pa.Array], ts: _Ints, escapes: bool) -> bytes:
    """``orjson.dumps`` of the batch's edge-log rows (``BatchPlan.add_transactions``' rows),
    written by Arrow: strings hold no control characters (read_clean saw to it), so escaping
    is ``\\`` and ``"`` (and only where the batch's text has a backslash at all); numbers are
    orjson's own (a float64 array is written as its floats)."""
    receiver = pc.if_else(
        pc.equal(cols["kind"], "transfer"), cols["counterparty_id"], cols["merchant_id"]
    )
    amounts = orjson.dumps(cols["amount"].to_numpy(), option=orjson.OPT_SERIALIZE_NUMPY)
    parts = _Parts()
    parts.add('["t",')
    for i, values in enumerate(
        [
            cols["tx_id"],
            pc.cast(pa.array(ts), pa.string()),
            cols["kind"],
            pa.array(amounts[1:-1].split(b",")).view(pa.string()),
            cols["account_id"],
            receiver,
            *[cols[n] for n in ("device_id", "ip", "card_id", "country", "label")],
        ]
    ):
        if i:
            parts.add(",")
        if i in (1, 3):  # numbers
            parts.add(values)
        elif values.null_count == len(values):
            parts.add("null")
        else:
            if escapes:
                values = pc.replace_substring(
                    pc.replace_substring(values, "\\", "\\\\"), '"', '\\"'
                )
            if values.null_count:
                quoted = pc.binary_join_element_wise('"', values, '"', "")
                parts.add(pc.fill_null(quoted, "null"))
            else:
                parts.add('"')
                parts.add(values)
                parts.add('"')
    parts.add("],")
    return b"[" + _concatenated(parts.joined())[:-1] + b"]"


def _concatenated(values: pa.Array) -> bytes:
    """The values of a (non-null) string or binary array, back to back."""
    offsets = np.frombuffer(values.buffers()[1], np.int32, len(values) + 1, values.offset * 4)
    blob: bytes = values.buffers()[2][int(offsets[0]) : int(offsets[-1])].to_pybytes()
    return blob


def _groups(keys: pa.Array) -> tuple[_Ints, pa.Array, _Ints]:
    """Group codes of the non-null keys (in order of first appearance), the distinct keys,
    and the positions of the rows that have a key."""
    if keys.null_count:
        rows = np.flatnonzero(pc.is_valid(keys).to_numpy(zero_copy_only=False))
        keys = keys.take(pa.array(rows))
    else:
        rows = np.arange(len(keys))
    encoded = pc.dictionary_encode(keys)
    codes: _Ints = encoded.indices.to_numpy().astype(np.int64)
    return codes, encoded.dictionary, rows


def _first_ts(keys: pa.Array, ts: _Ints) -> dict[str, int]:
    codes, distinct, rows = _groups(keys)
    first = np.full(len(distinct), np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first, codes, ts[rows])
    return dict(zip(distinct.to_pylist(), first.tolist(), strict=True))


def _pair_groups(src: pa.Array, dst: pa.Array) -> tuple[_Ints, pa.Array, _Ints]:
    """Like ``_groups`` for (src, dst) pairs, but with the row where each pair first occurs (to
    read its ends from) in place of the distinct keys; ids hold no control characters, so a
    \x01 between them keeps pairs apart."""
    codes, distinct, rows = _groups(pc.binary_join_element_wise(src, dst, "\x01"))
    first = np.full(len(distinct), len(src), np.int64)
    np.minimum.at(first, codes, rows)
    return codes, pa.array(first), rows


def _first_pairs(src: pa.Array, dst: pa.Array, ts: _Ints) -> tuple[pa.Array, pa.Array, _Ints]:
    """The distinct (src, dst) pairs of the rows that have both, in order of first appearance,
    as two arrays, and each pair's first ts."""
    codes, at, rows = _pair_groups(src, dst)
    first = np.full(len(at), np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first, codes, ts[rows])
    return src.take(at), dst.take(at), first


def _first_pair_ts(src: pa.Array, dst: pa.Array, ts: _Ints) -> dict[Pair, int]:
    sources, targets, first = _first_pairs(src, dst, ts)
    pairs = zip(sources.to_pylist(), targets.to_pylist(), strict=True)
    return dict(zip(pairs, first.tolist(), strict=True))


def _money(src: pa.Array, dst: pa.Array, mask: pa.Array, ts: _Ints, amount: Any) -> MoneyColumns:
    """Sources, targets, counts, totals, first and last ts per pair of the rows in ``mask``;
    totals are added in row order (``bincount`` adds its weights one by one, as the per-event
    plan does)."""
    codes, at, rows = _pair_groups(pc.if_else(mask, src, None), dst)
    size = len(at)
    first = np.full(size, np.iinfo(np.int64).max, np.int64)
    last = np.full(size, np.iinfo(np.int64).min, np.int64)
    np.minimum.at(first, codes, ts[rows])
    np.maximum.at(last, codes, ts[rows])
    return (
        src.take(at).to_pylist(),
        dst.take(at).to_pylist(),
        np.bincount(codes, minlength=size).astype(np.int64),
        np.bincount(codes, weights=amount[rows], minlength=size),
        first,
        last,
    )
