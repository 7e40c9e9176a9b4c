"""Keys of the stream contract that stream workers and the API share."""

from __future__ import annotations

# A worker checks in this often; the API calls ingest down when none has for HEARTBEAT_STALE_S.
HEARTBEAT_EVERY_S = 2.0
HEARTBEAT_STALE_S = 60.0


def worker_heartbeat_key(stream: str, group: str) -> str:
    """Hash of consumer name -> epoch ms of its last check-in, per stream and consumer group."""
    return f"ringscope:workers:{stream}:{group}"
