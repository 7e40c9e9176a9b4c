"""Run a query and parse FalkorDB's ``--compact`` reply in one synchronous pass.

The falkordb asyncio client awaits a coroutine per cell and resolves labels and property keys
through procedure calls; the API's queries return only scalars, lists and maps
(``properties(n)``, never a node or an edge), so a plain loop over ``[type, value]`` pairs is
all the parsing they need. A node, edge or path in a reply is a query bug: it raises.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import redis
from falkordb.helpers import stringify_param_value

from core.errors import RingscopeError

_NULL, _STRING, _INTEGER, _BOOLEAN, _DOUBLE, _ARRAY = 1, 2, 3, 4, 5, 6
_MAP, _POINT, _VECTOR = 10, 11, 12
Row = list[Any]


def params_header(params: dict[str, Any] | None) -> str:
    """``CYPHER k=v ...``: how FalkorDB receives parameters, written as the driver writes them.

    Strings, numbers, nulls and lists of them (every API read's parameters) are written here
    without the driver's per-value ``isinstance`` chain; anything else goes to the driver.
    """
    if not params:
        return ""
    return "CYPHER " + " ".join([f"{k}={_literal(v)}" for k, v in params.items()]) + " "


def _literal(value: Any) -> str:
    """``falkordb.helpers.stringify_param_value(value)``, the same text, faster."""
    kind = type(value)
    if kind is str:
        text: str = value
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind is int or kind is float:
        return str(value)
    if value is None:
        return "null"
    if kind is list or kind is tuple:
        return "[" + ",".join([_literal(v) for v in value]) + "]"
    return str(stringify_param_value(value))


def parse_value(cell: list[Any]) -> Any:
    """One compact ``[type, value]`` cell as a Python value."""
    kind, value = cell[0], cell[1]
    if kind == _STRING or kind == _INTEGER or kind == _NULL:
        return value
    if kind == _DOUBLE:
        return float(value)
    if kind == _BOOLEAN:
        return value == "true"
    if kind == _ARRAY or kind == _VECTOR:
        return [parse_value(v) if isinstance(v, list) else v for v in value]
    if kind == _MAP:
        return {value[i]: parse_value(value[i + 1]) for i in range(0, len(value), 2)}
    if kind == _POINT:
        return {"latitude": float(value[0]), "longitude": float(value[1])}
    raise RingscopeError(
        f"a query returned a graph entity (compact type {kind}); return properties(n) instead"
    )


def parse_reply(reply: list[Any]) -> list[Row]:
    """The rows of a ``GRAPH.QUERY ... --compact`` reply; a server-side error raises."""
    if reply and isinstance(reply[-1], redis.ResponseError):
        raise reply[-1]
    if len(reply) < 3:  # statistics only: a write without RETURN
        return []
    return [[parse_value(cell) for cell in row] for row in reply[1]]


class _Lanes:
    """Connections leased from a client's pool and kept between queries.

    ``execute_command`` of redis-py 8 takes a connection from the pool under a condition and a
    timeout, records metrics and wraps the call in its retry loop: about 70 us of CPU a query,
    more than sending and parsing a small reply. A lane keeps a leased connection and only
    sends and reads. Leases stay below half the pool's ``max_connections`` (at most
    ``MAX_LANES``), so the client's other commands always find a connection; past that many
    queries at once the rest go through ``execute_command``. A connection that fails is given
    back (disconnected), and the query goes through ``execute_command`` once, with its retries.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.idle: list[Any] = []
        self.leased = 0
        most = getattr(client.connection_pool, "max_connections", 2) or 2
        self.cap = min(MAX_LANES, most // 2)

    async def run(self, *args: Any) -> Any:
        if self.idle:
            conn = self.idle.pop()
        elif self.leased < self.cap:
            self.leased += 1
            try:
                conn = await self.client.connection_pool.get_connection()
            except BaseException:
                self.leased -= 1
                raise
        else:
            return await self.client.execute_command(*args)
        try:
            await conn.send_command(*args)
            reply = await conn.read_response()
        except redis.ResponseError:
            self.idle.append(conn)  # an error reply: the connection is fine
            raise
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            await self._drop(conn)
            return await self.client.execute_command(*args)
        except BaseException:  # cancelled mid-reply: the connection's state is unknown
            await self._drop(conn)
            raise
        self.idle.append(conn)
        return reply

    async def _drop(self, conn: Any) -> None:
        self.leased -= 1
        try:
            await asyncio.shield(conn.disconnect())
        finally:
            await asyncio.shield(self.client.connection_pool.release(conn))


MAX_LANES = 16
_LANES: weakref.WeakKeyDictionary[Any, _Lanes] = weakref.WeakKeyDictionary()


async def run_query(
    client: Any, graph: str, query: str, params: dict[str, Any] | None, *, read_only: bool
) -> list[Row]:
    """Send ``query`` to ``graph`` over ``client`` (a ``redis.asyncio`` client) and parse it."""
    command = "GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY"
    lanes = _LANES.get(client)
    if lanes is None:
        lanes = _LANES[client] = _Lanes(client)
    reply = await lanes.run(command, graph, params_header(params) + query, "--compact")
    return parse_reply(reply)
