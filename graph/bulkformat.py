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
from collections.abc import Sequence
from typing import Any

_NULL = b"\x00"
_BOOL = struct.Struct("=B?")
_DOUBLE = struct.Struct("=Bd")
_LONG = struct.Struct("=Bq")
_ARRAY = struct.Struct("=Bq")
_ENDS = struct.Struct("=QQ")
_T_STRING = b"\x03"


def encode_value(value: Any) -> bytes:
    """One property value: None, bool, int, float, str, or a list of those."""
    if value is None:
        return _NULL
    if isinstance(value, str):
        return _T_STRING + value.encode() + b"\x00"
    if isinstance(value, bool):
        return _BOOL.pack(1, value)
    if isinstance(value, int):
        return _LONG.pack(4, value)
    if isinstance(value, float):
        return _DOUBLE.pack(2, value)
    if isinstance(value, list | tuple):
        return _ARRAY.pack(5, len(value)) + b"".join(encode_value(v) for v in value)
    raise TypeError(f"cannot bulk-load a {type(value).__name__}")


def header(name: str, props: Sequence[str]) -> bytes:
    """A blob's header: the label or type name and its property names."""
    out = name.encode() + b"\x00" + struct.pack("=I", len(props))
    return out + b"".join(p.encode() + b"\x00" for p in props)


def node_record(values: Sequence[Any]) -> bytes:
    return b"".join([encode_value(v) for v in values])


def edge_record(src: int, dst: int, values: Sequence[Any]) -> bytes:
    return _ENDS.pack(src, dst) + b"".join([encode_value(v) for v in values])
