"""Rejected input goes to a dead-letter stream with the original payload and the reason.

Every field of a dead-letter entry is text, whatever arrived: a payload that is not valid UTF-8
is kept as base64 and the entry carries ``encoding: base64``. A stream entry without an ``event``
field is kept as a JSON object of its fields (``encoding: base64-fields`` when any key or value
is not text: then every key and value is base64). Identity attributes (phone, email, address)
never reach the stream in clear text: they are replaced by the same keyed hash the graph uses,
or by ``[redacted]`` when no salt is given or the value cannot be hashed.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from core.events import hash_identity
from core.ports import EntrySink

logger = logging.getLogger(__name__)

# A payload is kept whole up to this size; beyond it the head is kept and the entry says so.
MAX_KEPT_BYTES = 1 << 20
IDENTITY_FIELDS = ("phone", "email", "address")
REDACTED = "[redacted]"
# "phone": ... in text that is not a JSON object (cut short, or with bad bytes in it)
_IDENTITY_TEXT = re.compile(
    rb'("(?:phone|email|address)"\s*:\s*)(?:"(?:[^"\\]|\\.)*"?|[^,}\s]+)', re.IGNORECASE
)
_IDENTITY_HINT = re.compile(rb"phone|email|address", re.IGNORECASE)
_IDENTITY_KEYS = {k.encode() for k in IDENTITY_FIELDS}


@dataclass(frozen=True)
class Rejection:
    payload: bytes | str
    reason: str
    source: str = ""  # where it came from: a stream entry id, "file.jsonl:17", "api"
    encoding: str = ""  # "base64-fields" when the payload is already encoded that way


def entry_payload(fields: Mapping[bytes, bytes]) -> tuple[bytes, str]:
    """The payload to keep of a raw stream entry, and its encoding ("" or "base64-fields").

    An entry holding only ``event`` keeps that value as it is; any other entry becomes a JSON
    object of its fields, text when every key and value is UTF-8, base64 otherwise.
    """
    if set(fields) == {b"event"}:
        return fields[b"event"], ""
    try:
        text = {k.decode(): v.decode() for k, v in fields.items()}
        return orjson.dumps(text), ""
    except UnicodeDecodeError:
        pass
    encoded = {
        _b64(k): _b64(REDACTED.encode() if k in _IDENTITY_KEYS else v) for k, v in fields.items()
    }
    return orjson.dumps(encoded), "base64-fields"


def redact_identities(payload: bytes, salt: str | None) -> bytes:
    """The payload with phone, email and address hashed (JSON objects) or blanked (other text)."""
    if not _IDENTITY_HINT.search(payload):
        return payload  # the common case: nothing to look at
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        for key, value in data.items():
            kind = key.lower()
            if kind in IDENTITY_FIELDS and value not in (None, ""):
                data[key] = _hashed(kind, value, salt)
            elif key == "event" and isinstance(value, str):  # an entry's fields: the event inside
                data[key] = redact_identities(value.encode(), salt).decode()
        return orjson.dumps(data)
    return _IDENTITY_TEXT.sub(rb'\1"' + REDACTED.encode() + rb'"', payload)


def _hashed(kind: str, value: Any, salt: str | None) -> str:
    if salt is None or not isinstance(value, str) or len(value) > 512:
        return REDACTED
    return hash_identity(kind, value, salt)


def _as_text(payload: bytes, cut: bool) -> str | None:
    """The payload as text, or None if it is not UTF-8 (a cut may split its last character)."""
    for trim in range(4 if cut else 1):
        try:
            return payload[: len(payload) - trim].decode()
        except UnicodeDecodeError:
            continue
    return None


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


class DeadLetterStream:
    """Appends rejections to ``stream`` (default ``transactions:dead``) through an EntrySink.

    Args:
        salt: the identity salt; identity values in payloads are hashed with it, or redacted
            when it is None.
    """

    def __init__(
        self,
        sink: EntrySink,
        stream: str = "transactions:dead",
        salt: str | None = None,
        max_kept_bytes: int = MAX_KEPT_BYTES,
    ) -> None:
        self.sink = sink
        self.stream = stream
        self.salt = salt
        self.max_kept_bytes = max_kept_bytes

    def fields(self, rej: Rejection) -> dict[str, str | int]:
        """The dead-letter entry of one rejection, every value text."""
        payload = rej.payload if isinstance(rej.payload, bytes) else rej.payload.encode()
        size = len(payload)
        payload = payload[: self.max_kept_bytes]
        encoding = rej.encoding
        if not encoding:
            payload = redact_identities(payload, self.salt)
        text = _as_text(payload, cut=size > self.max_kept_bytes)
        if text is None:
            text, encoding = _b64(payload), "base64"
        fields: dict[str, str | int] = {
            "payload": text,
            "reason": rej.reason,
            "source": rej.source,
            "at": int(time.time() * 1000),
        }
        if encoding:
            fields["encoding"] = encoding
        if size > self.max_kept_bytes:
            fields["truncated_from"] = size
        return fields

    def send(self, rejections: Sequence[Rejection]) -> None:
        if not rejections:
            return
        self.sink.append(self.stream, [self.fields(rej) for rej in rejections])
        logger.warning(
            "%d event(s) dead-lettered to %s, first: %s",
            len(rejections),
            self.stream,
            rejections[0].reason[:200],
        )
