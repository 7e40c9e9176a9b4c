"""Packing commands into RESP for the store's Redis connections, at C speed.

redis-py's hiredis packer passes over every argument in Python before handing the command to
``hiredis.pack_command`` (to turn a bytearray or memoryview into bytes). The writes of a batch
carry tens of thousands of arguments (each tx_id of a 20,000-transaction batch twice: SMISMEMBER
under the writer lock, SADD in its MULTI/EXEC), so that pass cost more than the packing itself.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import hiredis
import redis
from redis import connection

# (the redis stubs this project types against predate the command_packer hooks)
_HiredisRespSerializer: Any = connection.HiredisRespSerializer  # type: ignore[attr-defined]


class FastPacker:
    """redis-py's hiredis packer, its bytes exactly, without the per-argument pass when no
    argument needs it. A connection takes it as ``command_packer`` (``connection_pool``)."""

    def __init__(self) -> None:
        self._general = _HiredisRespSerializer()

    def pack(self, *args: Any) -> list[bytes]:
        head = args[0]
        # not "SCRIPT LOAD" and the like, nor a bytearray or memoryview (a TypeError here; or a
        # type nothing can send, refused below): those take the general path
        if type(head) is str and " " not in head:
            with suppress(TypeError):
                return [hiredis.pack_command(args)]
        packed: list[bytes] = self._general.pack(*args)
        return packed


def connection_pool(url: str, **kwargs: Any) -> redis.ConnectionPool:
    """A pool for ``url`` whose connections pack with ``FastPacker``."""
    return redis.ConnectionPool.from_url(url, command_packer=FastPacker(), **kwargs)
