"""FastPacker writes exactly what redis-py's own hiredis packer writes."""

from __future__ import annotations

import pytest
from redis.connection import HiredisRespSerializer
from redis.exceptions import DataError

from graph.falkordb_store import FalkorStore
from graph.resp import FastPacker

COMMANDS = [
    ("SADD", "k", *[f"t{i:09d}" for i in range(1000)]),
    ("GRAPH.BULK", "g", 20000, 0, 1, 0, b"\x00\x01blob\xff"),
    ("HSET", "h", "1.2.3.4", "acc-é", "2001:db8::1", b"\x00"),
    ("SET", "x", 1.5, -3, 0),
    ("SET", bytearray(b"key"), memoryview(b"value")),
    ("SCRIPT LOAD", "return 1"),
    (b"GET", b"k"),
    ("XADD", "log", "*", "rows", b'[["t1",1]]'),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: str(a[0]))
def test_packs_what_redis_py_packs(args: tuple[object, ...]) -> None:
    assert b"".join(FastPacker().pack(*args)) == b"".join(HiredisRespSerializer().pack(*args))


def test_a_value_redis_cannot_send_is_refused_as_redis_py_refuses_it() -> None:
    with pytest.raises(DataError):
        FastPacker().pack("SET", "k", None)


def test_the_store_packs_with_it_and_the_server_reads_it(store: FalkorStore) -> None:
    assert isinstance(store.redis.connection_pool.connection_kwargs["command_packer"], FastPacker)
    key = f"{store.seen_key}:packer"
    ids = [f"t{i}-é" for i in range(5000)]
    try:
        assert store.redis.sadd(key, *ids) == len(ids)
        assert store.redis.smismember(key, [ids[0], "absent", ids[-1]]) == [1, 0, 1]  # type: ignore[no-untyped-call]
    finally:
        store.redis.delete(key)
