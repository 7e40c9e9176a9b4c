"""FalkorDB's ``GRAPH.BULK`` binary format, the one ``falkordb-bulk-loader`` sends.

A call is ``GRAPH.BULK graph [BEGIN] nodes relations labels reltypes BLOB...``; ``BEGIN`` (first
call only) requires that the graph key does not exist. Each blob is one label or relation type:
its name and property names (NUL-terminated, after a uint32 count), then one record per entity:
for a relation, source and destination internal ids (uint64 each), then each property as a type
byte and a value. Nodes get internal ids 0, 1, 2, ... in the order they are sent, across calls.
A null property (type 0) is not stored, as Cypher's CREATE does with a null.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

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
