"""The event contract: transaction and account events, parsed and normalised at the boundary.

Timestamps become UTC epoch milliseconds; identity attributes (phone, email, address) are
normalised and replaced by keyed hashes so clear text never travels further than this module.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from core.errors import InvalidEventError

TxKind = Literal["transfer", "payment", "withdrawal", "deposit", "refund"]
KINDS: tuple[str, ...] = ("transfer", "payment", "withdrawal", "deposit", "refund")
MAX_ID = 128
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # control characters have no place in ids or names
Id = Annotated[str, Field(min_length=1, max_length=MAX_ID, pattern=_PRINTABLE)]
Text = Annotated[str, Field(min_length=1, max_length=256, pattern=_PRINTABLE)]
# Upper-cased in pydantic's Rust core (a Python validator per field cost a tenth of parsing).
Currency = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
]
Country = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, min_length=1, max_length=256, pattern=_PRINTABLE
    ),
]
# Timestamps outside 1990..2100 are typos (seconds instead of milliseconds, say), not history.
MIN_MS, MAX_MS = 631_152_000_000, 4_102_444_800_000


def to_epoch_ms(value: Any) -> int:
    """ISO-8601 with a zone, or epoch milliseconds, to UTC epoch milliseconds."""
    # Fast paths for the two common shapes (this runs once per event); anything else, and any
    # value out of range, takes the full path below, which words the reason.
    kind = type(value)
    if kind is int:
        if MIN_MS <= value <= MAX_MS:
            return int(value)
    elif kind is str:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            ms = int(parsed.timestamp() * 1000)
            if MIN_MS <= ms <= MAX_MS:
                return ms
    return _to_epoch_ms(value)


def _to_epoch_ms(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("must be an ISO-8601 string with a zone or epoch milliseconds")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number of epoch milliseconds")
        ms = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+", text):
            ms = int(text)
        else:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(
                    f"must be ISO-8601 with a zone or epoch ms (got {text[:40]!r})"
                ) from None
            if parsed.tzinfo is None:
                raise ValueError(f"ISO-8601 time needs a zone, e.g. +00:00 (got {text[:40]!r})")
            ms = int(parsed.astimezone(UTC).timestamp() * 1000)
    else:
        raise ValueError("must be an ISO-8601 string with a zone or epoch milliseconds")
    if not MIN_MS <= ms <= MAX_MS:
        raise ValueError(f"must be epoch milliseconds between 1990 and 2100 (got {ms})")
    return ms


class TransactionEvent(BaseModel):
    """One money movement, as DESIGN.md's event contract describes it."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    tx_id: Id
    ts: int
    kind: TxKind
    amount: float = Field(gt=0, allow_inf_nan=False, le=1e12)
    currency: Currency = "USD"
    account_id: Id
    counterparty_id: Id | None = None
    merchant_id: Id | None = None
    device_id: Id | None = None
    ip: Id | None = None
    card_id: Id | None = None
    country: Country | None = None
    city: Text | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    label: Literal["fraud", "legit"] | None = None

    @field_validator("ts", mode="before")
    @classmethod
    def _ts(cls, value: Any) -> int:
        return to_epoch_ms(value)

    @model_validator(mode="after")
    def _parties(self) -> TransactionEvent:
        if self.kind == "transfer" and not self.counterparty_id:
            raise ValueError("counterparty_id: required when kind is 'transfer'")
        if self.kind in ("payment", "refund") and not self.merchant_id:
            raise ValueError(f"merchant_id: required when kind is {self.kind!r}")
        return self

    @property
    def receiver(self) -> str | None:
        """The account or merchant on the other side, if any."""
        return self.counterparty_id if self.kind == "transfer" else self.merchant_id


class AccountEvent(BaseModel):
    """Account opening and identity attributes; identities arrive here already hashed."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    event: Literal["account"]
    account_id: Id
    opened_at: int | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    @field_validator("opened_at", mode="before")
    @classmethod
    def _opened(cls, value: Any) -> int | None:
        return None if value in (None, "") else to_epoch_ms(value)


def normalise_phone(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    return ("+" if raw.strip().startswith("+") else "") + digits


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def normalise_address(raw: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", raw.lower()).split())


_NORMALISERS = {"phone": normalise_phone, "email": normalise_email, "address": normalise_address}


def hash_identity(kind: str, raw: str, salt: str) -> str:
    """Keyed hash of a normalised identity value; the same person's phone always hashes alike."""
    normal = _NORMALISERS[kind](raw)
    digest = hmac.new(salt.encode(), f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()
    return f"{kind[0]}-{digest[:32]}"


def _reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if not loc and ": " in msg:  # model-level rule that names its own field
            parts.append(msg)
            continue
        got = err.get("input")
        shown = (
            f" (got {got!r:.60})"
            if err["type"] != "missing" and "(got" not in msg and not isinstance(got, dict)
            else ""
        )
        parts.append(f"{loc or 'event'}: {msg}{shown}")
    return "; ".join(parts)


Event = TransactionEvent | AccountEvent


def parse_event(raw: bytes | str | dict[str, Any], salt: str, max_bytes: int = 65536) -> Event:
    """Parse one event (JSON text or a decoded dict), or raise InvalidEventError with a reason."""
    if isinstance(raw, bytes | str):
        if len(raw) > max_bytes:
            raise InvalidEventError(f"event: larger than {max_bytes} bytes ({len(raw)})")
        tagged = '"event"' in raw if isinstance(raw, str) else b'"event"' in raw
        if not tagged:
            # Fast path for the common case: pydantic parses the JSON itself (in Rust).
            try:
                return TransactionEvent.model_validate_json(raw)
            except ValidationError as exc:
                if not any(e["type"] in ("json_invalid", "model_type") for e in exc.errors()):
                    raise InvalidEventError(_reason(exc)) from None
                # not JSON, or not an object: the path below words the reason
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidEventError(f"event: not valid JSON ({exc})") from None
    else:
        data = raw
    if not isinstance(data, dict):
        raise InvalidEventError(f"event: must be a JSON object (got {type(data).__name__})")
    try:
        if data.get("event") == "account":
            return _parse_account(data, salt)
        if "event" in data and data["event"] not in (None, "transaction"):
            raise InvalidEventError(
                f"event: must be 'account' or 'transaction' (got {str(data['event'])[:40]!r})"
            )
        return TransactionEvent.model_validate(data)
    except ValidationError as exc:
        raise InvalidEventError(_reason(exc)) from None


def _parse_account(data: dict[str, Any], salt: str) -> AccountEvent:
    hashed = dict(data)
    for kind in ("phone", "email", "address"):
        value = data.get(kind)
        if value in (None, ""):
            hashed[kind] = None
        elif not isinstance(value, str) or len(value) > 512:
            raise InvalidEventError(f"{kind}: must be a string of at most 512 characters")
        else:
            hashed[kind] = hash_identity(kind, value, salt)
    return AccountEvent.model_validate(hashed)
