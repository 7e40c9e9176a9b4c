"""The Redis side of a backup: a consistent DUMP of the graph and ringscope's keys, and RESTORE.

Everything is dumped in one MULTI/EXEC, so the graph, the applied-id set, the edge log and the
streams (entries, consumer groups, pending entries) agree with each other. RESTORE keeps each
key's type, including FalkorDB's graph and Redis streams with their groups.

FalkorDB 4.16 crashes the server on ``RESTORE ... REPLACE`` over an existing graph and on
restoring a graph under another key name: the graph key is deleted first and only restored
under its own name.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TypeAlias

import redis

from core.errors import GraphUnavailableError, RingscopeError
from graph.cypher import load_query
from graph.decode import as_text

MAGIC = b"RINGSCOPE-KEYS-1\n"
_HEADER = struct.Struct(">IqQ")  # name length, ttl ms (-1: none), payload length
# Held only while a writer or a detection run works: never part of a backup.
_TRANSIENT = ("writer", "detect-lock")


RawClient: TypeAlias = "redis.Redis[bytes]"


@dataclass(frozen=True)
class KeyDump:
    name: bytes
    ttl_ms: int
    payload: bytes
    kind: str = ""


def open_raw(url: str) -> redis.Redis[bytes]:
    """A client that keeps replies as bytes (DUMP payloads are binary)."""
    try:
        return redis.Redis.from_url(url, decode_responses=False)
    except redis.RedisError as exc:
        raise GraphUnavailableError(f"cannot reach {url}: {exc}") from exc


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def select_keys(client: redis.Redis[Any], graph: str, names: Iterable[str]) -> list[bytes]:
    """The graph key, ``ringscope:<graph>:*``, global ``ringscope:<x>`` keys, and ``names``.

    Other graphs' ``ringscope:<other>:*`` keys and transient locks are left out.
    """
    own = f"ringscope:{graph}:".encode()
    found: set[bytes] = set()
    for key in client.scan_iter(match=f"ringscope:{_glob_escape(graph)}:*", count=1000):
        if key[len(own) :].decode(errors="replace") not in _TRANSIENT:
            found.add(key)
    for key in client.scan_iter(match="ringscope:*", count=1000):
        if key.count(b":") == 1:
            found.add(key)
    wanted = [graph.encode(), *(n.encode() for n in names)]
    pipe = client.pipeline(transaction=False)
    for name in wanted:
        pipe.exists(name)
    found.update(n for n, there in zip(wanted, pipe.execute(), strict=True) if there)
    return sorted(found)


@dataclass
class Snapshot:
    """What one atomic dump holds: the keys, the graph's counts, and the streams' lengths."""

    dumps: list[KeyDump]
    counts: dict[str, float]
    streams: dict[str, int]


def dump_keys(client: redis.Redis[Any], keys: list[bytes], graph: str) -> Snapshot:
    """DUMP, PTTL and TYPE of every key, the graph's counts and XLENs, in one MULTI/EXEC."""
    types = client.pipeline(transaction=False)
    for key in keys:
        types.type(key)
    streams = [
        k for k, kind in zip(keys, types.execute(), strict=True) if as_text(kind) == "stream"
    ]
    pipe = client.pipeline(transaction=True)
    for key in keys:
        pipe.dump(key)
        pipe.pttl(key)
        pipe.type(key)
    for key in streams:
        pipe.xlen(key)
    has_graph = graph.encode() in keys
    if has_graph:
        pipe.execute_command("GRAPH.RO_QUERY", graph, load_query("count_graph"))  # type: ignore[no-untyped-call]
        pipe.execute_command("GRAPH.RO_QUERY", graph, load_query("sum_edge_counts"))  # type: ignore[no-untyped-call]
    try:
        replies = pipe.execute()
    except redis.ConnectionError as exc:
        raise GraphUnavailableError(f"backup: server unavailable: {exc}") from exc
    dumps = []
    for i, key in enumerate(keys):
        payload, ttl, kind = replies[3 * i : 3 * i + 3]
        if payload is not None:  # expired between SCAN and MULTI
            dumps.append(KeyDump(key, int(ttl), payload, as_text(kind)))
    lengths = replies[3 * len(keys) : 3 * len(keys) + len(streams)]
    counts = _counts(replies[-2], replies[-1]) if has_graph else {}
    return Snapshot(
        dumps, counts, {as_text(k): int(n) for k, n in zip(streams, lengths, strict=True)}
    )


def node_count(client: redis.Redis[Any], graph: str) -> int:
    """Nodes in ``graph`` (0 if there is no such graph)."""
    if not client.exists(graph):
        return 0
    reply = client.execute_command("GRAPH.RO_QUERY", graph, load_query("count_graph"))
    return sum(int(n) for _label, n in reply[1])


def _counts(nodes: Any, edges: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for label, n in nodes[1]:
        out[as_text(label)] = float(n)
    for rel, count, _total in edges[1]:
        if count is not None:
            out[as_text(rel)] = float(count)
    return out


def write_dumps(fh: IO[bytes], dumps: Iterable[KeyDump]) -> int:
    """Frame dumps into ``fh``; returns the bytes written."""
    written = fh.write(MAGIC)
    for d in dumps:
        written += fh.write(_HEADER.pack(len(d.name), d.ttl_ms, len(d.payload)))
        written += fh.write(d.name) + fh.write(d.payload)
    return written


def read_dumps(fh: IO[bytes]) -> Iterator[KeyDump]:
    if fh.read(len(MAGIC)) != MAGIC:
        raise RingscopeError("not a ringscope key dump (bad header); is this a ringscope backup?")
    while header := fh.read(_HEADER.size):
        if len(header) != _HEADER.size:
            raise RingscopeError("key dump is truncated; the backup file is damaged")
        name_len, ttl, size = _HEADER.unpack(header)
        name, payload = fh.read(name_len), fh.read(size)
        if len(payload) != size:
            raise RingscopeError(f"key dump is truncated at {name!r}; the backup is damaged")
        yield KeyDump(name, ttl, payload)


def delete_keys(client: redis.Redis[Any], keys: Iterable[bytes]) -> None:
    keys = list(keys)
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


def restore_keys(client: redis.Redis[Any], dumps: Iterable[KeyDump]) -> int:
    """RESTORE every dump (the caller has deleted the keys first); returns the keys restored."""
    n = 0
    for d in dumps:
        try:
            client.restore(d.name, max(d.ttl_ms, 0), d.payload)
        except redis.ResponseError as exc:
            raise RingscopeError(
                f"cannot restore key {d.name!r}: {exc}; a backup restores only into the same "
                "Redis and FalkorDB versions it was taken from (see its manifest)"
            ) from exc
        n += 1
    return n


def server_versions(client: redis.Redis[Any]) -> dict[str, str]:
    """The Redis and FalkorDB module versions of the server behind ``client``."""
    info = client.info("server")
    graph_ver = ""
    for mod in client.execute_command("MODULE", "LIST"):
        fields = dict(zip(mod[::2], mod[1::2], strict=False)) if isinstance(mod, list) else mod
        name = fields.get(b"name", fields.get("name", b""))
        if as_text(name) == "graph":
            graph_ver = str(fields.get(b"ver", fields.get("ver", "")))
    return {"redis": str(info.get("redis_version")), "falkordb": graph_ver}


def stream_lengths(client: redis.Redis[Any], names: Iterable[str]) -> dict[str, int]:
    """XLEN of each stream (0 for one that does not exist)."""
    try:
        return {name: int(client.xlen(name)) for name in names}
    except redis.RedisError as exc:
        raise GraphUnavailableError(f"stream lengths: {exc}") from exc
