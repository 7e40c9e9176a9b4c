"""Keys and types of the stream contract that stream workers, the API and metrics share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# A worker checks in this often; the API calls ingest down when none has for HEARTBEAT_STALE_S.
HEARTBEAT_EVERY_S = 2.0
HEARTBEAT_STALE_S = 60.0

# An entry as read from a stream: its id and its fields, as the bytes that were sent
StreamEntry = tuple[str, Mapping[bytes, bytes]]
# An entry to append: field name -> value (text, bytes or a number)
EntryFields = Mapping[str, str | bytes | int | float]


def worker_heartbeat_key(stream: str, group: str) -> str:
    """Hash of consumer name -> epoch ms of its last check-in, per stream and consumer group."""
    return f"ringscope:workers:{stream}:{group}"


@dataclass(frozen=True)
class GroupStats:
    """A consumer group as the server sees it (``XINFO GROUPS``)."""

    lag: int | None  # entries not yet delivered to the group (None: the server cannot tell)
    pending: int  # delivered, not acknowledged
    consumers: int


@dataclass(frozen=True)
class StreamStats:
    """Lengths of the ingest streams and the consumer group's state, read in one go."""

    length: int
    dead: int
    alerts: int
    group: GroupStats | None  # None: no stream or no group yet
    heartbeats: Mapping[str, int] | None = None  # consumer -> epoch ms of its last check-in
