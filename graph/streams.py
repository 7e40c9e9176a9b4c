"""Redis Streams beside the graph: the consumer group a stream worker reads (``StreamSource``),
appends (``EntrySink``: dead letters, simulated traffic) and the streams' figures
(``StreamMonitor``). Driver errors leave here as ``core.errors``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

import redis

from core.errors import GraphUnavailableError, StreamGroupMissingError
from core.settings import Settings
from core.streams import (
    EntryFields,
    GroupStats,
    StreamEntry,
    StreamStats,
    worker_heartbeat_key,
)
from graph.decode import as_bytes_fields, as_text

RedisClient: TypeAlias = "redis.Redis[Any]"  # for the composition root's signatures
RETRYABLE = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError)


@contextlib.contextmanager
def translated(what: str) -> Iterator[None]:
    """Driver errors as ringscope's: the server away, or the group deleted under a reader."""
    try:
        yield
    except RETRYABLE as exc:
        raise GraphUnavailableError(f"{what}: Redis unavailable ({exc})") from exc
    except redis.ResponseError as exc:
        if "NOGROUP" in str(exc):
            raise StreamGroupMissingError(f"{what}: {exc}") from exc
        raise


def bytes_client(client: redis.Redis[Any]) -> redis.Redis[Any]:
    """A client on the same server that returns bytes (the decode policy: graph/decode.py)."""
    pool = client.connection_pool
    if not pool.connection_kwargs.get("decode_responses"):
        return client
    kwargs = {**pool.connection_kwargs, "decode_responses": False}
    return redis.Redis(connection_pool=redis.ConnectionPool(pool.connection_class, **kwargs))


class RedisStreams:
    """Appends to streams and reads their figures (``EntrySink``, ``StreamMonitor``)."""

    def __init__(self, client: redis.Redis[Any], settings: Settings | None = None) -> None:
        self.client = client
        self.settings = settings

    @classmethod
    def from_url(cls, url: str, settings: Settings | None = None) -> RedisStreams:
        return cls(redis.Redis.from_url(url), settings)

    def append(
        self, stream: str, entries: Sequence[EntryFields], maxlen: int | None = None
    ) -> None:
        if not entries:
            return
        pipe = self.client.pipeline(transaction=False)
        for fields in entries:
            pipe.xadd(stream, dict(fields), maxlen=maxlen, approximate=maxlen is not None)
        try:
            pipe.execute()
        except redis.RedisError as exc:
            raise GraphUnavailableError(f"cannot XADD to stream {stream!r}: {exc}") from exc

    def length(self, stream: str) -> int:
        with translated(f"XLEN {stream}"):
            return int(self.client.xlen(stream))

    def stream_stats(self) -> StreamStats:
        """Lengths of the input, dead-letter and alerts streams, and the group's state."""
        s = self._settings()
        with translated("stream figures"):
            pipe = self.client.pipeline(transaction=False)
            for stream in (s.stream, s.dead_letter_stream, s.alerts_stream):
                pipe.xlen(stream)
            length, dead, alerts = pipe.execute()
            group = self._group(s.stream, s.consumer_group) if length else None
        return StreamStats(int(length), int(dead), int(alerts), group)

    def _group(self, stream: str, name: str) -> GroupStats | None:
        try:
            groups = self.client.xinfo_groups(stream)  # type: ignore[no-untyped-call]
        except redis.ResponseError:  # no stream or group yet
            return None
        for group in groups:
            if as_text(group.get("name")) == name:
                lag = group.get("lag")
                return GroupStats(
                    None if lag is None else int(lag),
                    int(group.get("pending", 0)),
                    int(group.get("consumers", 0)),
                )
        return None

    def _settings(self) -> Settings:
        if self.settings is None:
            raise TypeError("RedisStreams needs the settings to know the streams' names")
        return self.settings

    def close(self) -> None:
        self.client.close()
        self.client.connection_pool.disconnect()


class RedisStreamSource:
    """A consumer group on a Redis stream (``StreamSource``); entries come back as bytes, so
    the worker decides what an entry that is not UTF-8 means."""

    def __init__(self, client: redis.Redis[Any], stream: str, group: str) -> None:
        self.client = client
        self.raw = bytes_client(client)
        self.stream = stream
        self.group = group
        self.heartbeat_key = worker_heartbeat_key(stream, group)

    @classmethod
    def for_settings(cls, client: redis.Redis[Any], settings: Settings) -> RedisStreamSource:
        return cls(client, settings.stream, settings.consumer_group)

    def ensure_group(self) -> None:
        with translated(f"group {self.group} of {self.stream}"):
            try:
                self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def read(self, consumer: str, count: int, block_ms: int) -> list[StreamEntry]:
        with translated(f"XREADGROUP {self.stream}"):
            reply = self.raw.xreadgroup(
                self.group, consumer, {self.stream: ">"}, count=count, block=block_ms
            )
        return [_entry(e) for _stream, entries in reply or [] for e in entries]

    def reclaim(
        self, consumer: str, min_idle_ms: int, cursor: str, count: int
    ) -> tuple[str, list[StreamEntry]]:
        with translated(f"XAUTOCLAIM {self.stream}"):
            reply = self.raw.xautoclaim(
                self.stream,
                self.group,
                consumer,
                min_idle_time=min_idle_ms,
                start_id=cursor,
                count=count,
            )
        return as_text(reply[0]), [_entry(e) for e in reply[1] if e[1] is not None]

    def deliveries(self, first: str, last: str, count: int) -> dict[str, int]:
        with translated(f"XPENDING {self.stream}"):
            pending = self.client.xpending_range(self.stream, self.group, first, last, count)
        return {as_text(p["message_id"]): int(p["times_delivered"]) for p in pending}

    def ack(self, ids: Sequence[str]) -> None:
        if ids:
            with translated(f"XACK {self.stream}"):
                self.client.xack(self.stream, self.group, *ids)  # type: ignore[no-untyped-call]

    def check_in(self, consumer: str, now_ms: int) -> None:
        with translated("worker check-in"):
            self.client.hset(self.heartbeat_key, consumer, now_ms)

    def check_out(self, consumer: str) -> None:
        with contextlib.suppress(redis.RedisError):  # stopped on purpose: no longer expected
            self.client.hdel(self.heartbeat_key, consumer)

    def close(self) -> None:
        """Close the bytes client if this source opened one."""
        if self.raw is not self.client:
            self.raw.close()
            self.raw.connection_pool.disconnect()


def _entry(entry: Any) -> StreamEntry:
    entry_id, fields = entry
    return as_text(entry_id), as_bytes_fields(fields)
