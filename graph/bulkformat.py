"""FalkorDB's ``GRAPH.BULK`` binary format, the one ``falkordb-bulk-loader`` sends.

A call is ``GRAPH.BULK graph [BEGIN] nodes relations labels reltypes BLOB...``; ``BEGIN`` (first
call only) requires that the graph key does not exist. Each blob is one label or relation type:
its name and property names (NUL-terminated, after a uint32 count), then one record per entity:
for a relation, source and destination internal ids (uint64 each), then each property as a type
byte and a value. Nodes get internal ids 0, 1, 2, ... in the order they are sent, across calls.
A null property (type 0) is not stored, as Cypher's CREATE does with a null. ``TX_HEADER`` and
``transaction_records`` make the blob of Transaction nodes that both write paths send.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from graph.batch import TX_PROPERTIES

_NULL = b"\x00"
_BOOL = struct.Struct("=B?")
_DOUBLE = struct.Struct("=Bd")
_LONG = struct.Struct("=Bq")
_ARRAY = struct.Struct("=Bq")
_ENDS = struct.Struct("=QQ")
_T_STRING = b"\x03"


def _string(value: str) -> bytes:
    return _T_STRING + value.encode() + b"\x00"


def _array(value: list[Any] | tuple[Any, ...]) -> bytes:
    return _ARRAY.pack(5, len(value)) + b"".join([encode_value(v) for v in value])


# dispatch on the exact type (bool before int does not matter: exact types never overlap)
_ENCODERS: dict[type, Callable[[Any], bytes]] = {
    str: _string,
    int: partial(_LONG.pack, 4),
    float: partial(_DOUBLE.pack, 2),
    bool: partial(_BOOL.pack, 1),
    list: _array,
    tuple: _array,
    type(None): lambda _: _NULL,
}


def encode_value(value: Any) -> bytes:
    """One property value: None, bool, int, float, str, or a list of those."""
    try:
        return _ENCODERS[type(value)](value)
    except KeyError:
        raise TypeError(f"cannot bulk-load a {type(value).__name__}") from None


def header(name: str, props: Sequence[str]) -> bytes:
    """A blob's header: the label or type name and its property names."""
    out = name.encode() + b"\x00" + struct.pack("=I", len(props))
    return out + b"".join(p.encode() + b"\x00" for p in props)


_pack_double = partial(_DOUBLE.pack, 2)
_pack_long = partial(_LONG.pack, 4)


def node_record(values: Sequence[Any]) -> bytes:
    """One node's properties (the common types tested inline: this runs for every
    transaction of a backfill, and a call per value through ``_ENCODERS`` cost a third more)."""
    out: list[bytes] = []
    add = out.append
    for v in values:
        kind = type(v)
        if kind is str:
            add(_T_STRING)
            add(v.encode())
            add(_NULL)
        elif v is None:
            add(_NULL)
        elif kind is float:
            add(_pack_double(v))
        elif kind is int:
            add(_pack_long(v))
        else:
            add(encode_value(v))
    return b"".join(out)


def edge_record(src: int, dst: int, values: Sequence[Any]) -> bytes:
    enc = _ENCODERS
    return _ENDS.pack(src, dst) + b"".join([enc[type(v)](v) for v in values])


_MONEY = struct.Struct("=QQBqBdBqBq")
_LINK = struct.Struct("=QQBq")


def money_record(src: int, dst: int, count: int, total: float, first: int, last: int) -> bytes:
    """A money edge: count, total, first_ts, last_ts."""
    return _MONEY.pack(src, dst, 4, count, 2, total, 4, first, 4, last)


def link_record(src: int, dst: int, first_ts: int) -> bytes:
    """A link edge: first_ts."""
    return _LINK.pack(src, dst, 4, first_ts)


class RecordEncoder:
    """Node records of rows whose values go out in the order ``columns`` (indexes into a row),
    many rows a call, as fast as plain Python allows (every transaction of a backfill passes
    here).

    Rows with the same types of value (the common case: a column holds one type or None) share
    one small function, compiled on first sight of that pattern, that writes a run of strings
    with one ``%`` and one ``encode`` and a run of numbers and nulls with one ``struct`` call:
    about a fifth of the cost of a test per value. Its bytes are ``node_record``'s.
    """

    def __init__(self, columns: Sequence[int]) -> None:
        self.columns = tuple(columns)
        self._by_types: dict[tuple[type, ...], Callable[[Sequence[Any]], bytes]] = {}

    def encode(self, rows: Sequence[Sequence[Any]]) -> bytes:
        by_types = self._by_types
        out: list[bytes] = []
        add = out.append
        for row in rows:
            types = tuple(map(type, row))
            encode = by_types.get(types)
            if encode is None:
                encode = by_types[types] = self._compile(types)
            add(encode(row))
        return b"".join(out)

    def _compile(self, types: tuple[type, ...]) -> Callable[[Sequence[Any]], bytes]:
        parts: list[str] = []  # expressions whose bytes, joined, are the record
        text: list[str] = []  # a run of strings: one % template
        texts: list[str] = []
        fmt: list[str] = []  # a run of numbers, bools and nulls: one struct
        args: list[str] = []
        env: dict[str, Any] = {"encode_value": encode_value}

        def close_text() -> None:
            if text:
                env[f"t{len(parts)}"] = "".join(text)
                parts.append(f"(t{len(parts)} % ({', '.join(texts)},)).encode()")
                text.clear()
                texts.clear()

        def close_fixed() -> None:
            if fmt:
                env[f"s{len(parts)}"] = struct.Struct("=" + "".join(fmt)).pack
                parts.append(f"s{len(parts)}({', '.join(args)})")
                fmt.clear()
                args.clear()

        for i in self.columns:
            kind, value = types[i], f"r[{i}]"
            if kind is str:
                close_fixed()
                text.append("\x03%s\x00")
                texts.append(value)
                continue
            close_text()
            if kind in _FIXED:
                code, spec = _FIXED[kind]
                fmt.append("B" + spec)
                args.append(str(code))
                if spec:
                    args.append(value)
            else:  # lists: the general encoder
                close_fixed()
                parts.append(f"encode_value({value})")
        close_text()
        close_fixed()
        source = f"def encode(r):\n    return b''.join(({', '.join(parts)},))\n"
        exec(source, env)  # noqa: S102 - source built above from type codes and indexes only
        encode: Callable[[Sequence[Any]], bytes] = env["encode"]
        return encode


# exact type -> (type byte, struct code of the value; "" for none)
_FIXED: dict[type, tuple[int, str]] = {
    int: (4, "q"),
    float: (2, "d"),
    bool: (1, "?"),
    type(None): (0, ""),
}


def edge_records(
    src: Sequence[int], dst: Sequence[int], *props: tuple[str, Sequence[Any]]
) -> bytes:
    """Many edges at once: ``edge_record``'s bytes for each (src, dst, its props), where every
    prop is ``("int", values)`` or ``("float", values)`` (no nulls), packed by numpy."""
    import numpy as np  # only the bulk loader needs it

    fields: list[tuple[str, Any]] = [("s", np.uint64), ("d", np.uint64)]
    for i, (kind, _) in enumerate(props):
        fields += [(f"t{i}", np.uint8), (f"v{i}", np.int64 if kind == "int" else np.float64)]
    out = np.empty(len(src), np.dtype(fields))  # packed, as struct's "=" formats are
    out["s"], out["d"] = src, dst
    for i, (kind, values) in enumerate(props):
        out[f"t{i}"] = 4 if kind == "int" else 2
        out[f"v{i}"] = values
    return out.tobytes()


# the blob of Transaction nodes: this header, then a record per TX_PROPERTIES row (the append
# path's insert and the --bulk build send the same)
TX_HEADER = header("Transaction", TX_PROPERTIES)
transaction_records = RecordEncoder(range(len(TX_PROPERTIES))).encode
