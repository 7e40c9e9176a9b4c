"""Rejected input goes to a dead-letter stream with the original payload and the reason."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

logger = logging.getLogger(__name__)

# A payload is kept whole up to this size; beyond it the head is kept and the entry says so.
MAX_KEPT_BYTES = 1 << 20


@dataclass(frozen=True)
class Rejection:
    payload: bytes | str
    reason: str
    source: str = ""  # where it came from: a stream entry id, "file.jsonl:17", "api"


class DeadLetterStream:
    """XADDs rejections to ``stream`` (default ``transactions:dead``)."""

    def __init__(self, client: redis.Redis[Any], stream: str = "transactions:dead") -> None:
        self.client = client
        self.stream = stream

    def send(self, rejections: Sequence[Rejection]) -> None:
        if not rejections:
            return
        pipe = self.client.pipeline(transaction=False)
        for rej in rejections:
            payload = rej.payload if isinstance(rej.payload, bytes) else rej.payload.encode()
            fields: dict[str, str | bytes | int] = {
                "payload": payload[:MAX_KEPT_BYTES],
                "reason": rej.reason,
                "source": rej.source,
                "at": int(time.time() * 1000),
            }
            if len(payload) > MAX_KEPT_BYTES:
                fields["truncated_from"] = len(payload)
            pipe.xadd(self.stream, fields)
        pipe.execute()
        logger.warning("%d event(s) dead-lettered to %s, first: %s", len(rejections),
                       self.stream, rejections[0].reason[:200])  # fmt: skip
