"""A batch of JSONL transaction lines read column by column (pyarrow), for ``--bulk``.

``read_clean`` returns the batch as a table only when every line is a transaction event that
``TransactionEvent`` accepts without changing a value it is not told to change (no whitespace to
strip, ASCII country codes, no account events, no repeated tx_id, no explicit null currency);
the table then holds exactly the values the model would (``ts`` as UTC epoch milliseconds,
currency and country upper-cased). For anything else it returns None and the batch takes the
ordinary per-event path, which words the reasons and dead-letters. The checks are deliberately
narrower than the model: a doubt costs speed, never a different result.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from core.events import KINDS, MAX_ID, MAX_MS, MIN_MS

_S, _F = pa.string(), pa.float64()
_IDS = ("tx_id", "account_id", "counterparty_id", "merchant_id", "device_id", "ip", "card_id")
_FIELDS = [
    ("tx_id", _S),
    ("ts", _S),
    ("kind", _S),
    ("amount", _F),
    ("currency", _S),
    ("account_id", _S),
    ("counterparty_id", _S),
    ("merchant_id", _S),
    ("device_id", _S),
    ("ip", _S),
    ("card_id", _S),
    ("country", _S),
    ("city", _S),
    ("lat", _F),
    ("lon", _F),
    ("label", _S),
]
_TEXT_TS = pj.ParseOptions(explicit_schema=pa.schema(_FIELDS), unexpected_field_behavior="ignore")
_INT_TS = pj.ParseOptions(
    explicit_schema=pa.schema([(n, pa.int64() if n == "ts" else t) for n, t in _FIELDS]),
    unexpected_field_behavior="ignore",
)
_READ = pj.ReadOptions(use_threads=False, block_size=1 << 26)
# a control character anywhere, or (Unicode) whitespace at either end: the model would strip or
# refuse it, so the batch goes the ordinary way
_UNCLEAN = r"[\x00-\x1f\x7f]|^[\p{Z}\x{85}]|[\p{Z}\x{85}]$"
# the ISO-8601 shapes datetime.fromisoformat reads exactly as Arrow does
_ISO = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(\.\d{3}|\.\d{6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)


def read_clean(raws: list[Any], max_bytes: int) -> pa.Table | None:
    """The batch as a table of event values, or None if any line needs the per-event path."""
    if not raws or not all(type(r) is str for r in raws) or max(map(len, raws)) > max_bytes:
        return None
    text = "\n".join(raws)
    if '"event"' in text:  # account events (and tagged transactions) go the ordinary way
        return None
    data = text.encode()
    try:
        table = pj.read_json(io.BytesIO(data), _READ, _TEXT_TS)
    except (pa.ArrowInvalid, UnicodeError):
        try:
            table = pj.read_json(io.BytesIO(data), _READ, _INT_TS)
        except (pa.ArrowInvalid, UnicodeError):
            return None
    if table.num_rows != len(raws):  # two objects on a line, say
        return None
    try:
        clean = _validated(table, raws)
    except (pa.ArrowInvalid, ValueError):
        return None
    # no backslash in the text: no value holds a quote or a backslash to escape again in JSON
    return None if clean is None else clean.replace_schema_metadata({"backslash": _has(text)})


def _has(text: str) -> str:
    return "yes" if "\\" in text else "no"


def _validated(table: pa.Table, raws: list[Any]) -> pa.Table | None:
    col = table.column
    for name in ("tx_id", "ts", "kind", "amount", "account_id"):
        if col(name).null_count:
            return None
    for name in (*_IDS, "city"):
        values = col(name)
        if values.null_count == len(values):
            continue
        length = pc.utf8_length(values)
        most = MAX_ID if name != "city" else 256
        if _any(pc.or_(pc.less(length, 1), pc.greater(length, most))):
            return None
        if _any(pc.match_substring_regex(values, _UNCLEAN)):
            return None
    kind = col("kind")
    if not pc.all(pc.is_in(kind, value_set=pa.array(KINDS))).as_py():
        return None
    if len(set(col("tx_id").to_pylist())) != table.num_rows:
        return None  # repeats within the batch: the ordinary path keeps the first
    amount = col("amount")
    if not pc.all(pc.and_(pc.greater(amount, 0), pc.less_equal(amount, 1e12))).as_py():
        return None
    for name, bound in (("lat", 90), ("lon", 180)):
        values = col(name)
        if _any(pc.invert(pc.and_(pc.greater_equal(values, -bound), pc.less_equal(values, bound)))):
            return None
    label = col("label")
    if _any(pc.and_(pc.is_valid(label), pc.invert(pc.is_in(label, pa.array(["fraud", "legit"]))))):
        return None
    transfer = pc.equal(kind, "transfer")
    merchant_kind = pc.is_in(kind, value_set=pa.array(["payment", "refund"]))
    if _any(pc.and_(transfer, pc.is_null(col("counterparty_id")))):
        return None
    if _any(pc.and_(merchant_kind, pc.is_null(col("merchant_id")))):
        return None
    currency = col("currency")
    if currency.null_count:
        missing = pc.is_null(currency).to_numpy(zero_copy_only=False)
        if any('"currency"' in raws[i] for i in np.flatnonzero(missing)):
            return None  # an explicit null, which the model refuses
        currency = pc.fill_null(currency, "USD")
    if not pc.all(pc.match_substring_regex(currency, r"^[A-Za-z]{3}$")).as_py():
        return None
    currency = pc.utf8_upper(currency)
    country = col("country")
    if country.null_count != len(country):
        if _any(pc.invert(pc.string_is_ascii(country))) or _any(
            pc.or_(
                pc.less(pc.utf8_length(country), 1),
                pc.match_substring_regex(country, _UNCLEAN),
            )
        ):
            return None
        country = pc.utf8_upper(country)
    ts = _epoch_ms(col("ts"))
    if ts is None:
        return None
    table = table.set_column(table.schema.get_field_index("ts"), "ts", pa.array(ts))
    table = table.set_column(table.schema.get_field_index("currency"), "currency", currency)
    return table.set_column(table.schema.get_field_index("country"), "country", country)


def _epoch_ms(ts: pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.int64]] | None:
    """``core.events.to_epoch_ms`` of every value, or None where one would need its slow path."""
    if pa.types.is_integer(ts.type):
        ms = ts.to_numpy()
    else:
        if not pc.all(pc.match_substring_regex(ts, _ISO)).as_py():
            return None
        micros = pc.cast(pc.cast(ts, pa.timestamp("us", tz="UTC")), pa.int64()).to_numpy()
        # what int(datetime.timestamp() * 1000) computes: seconds as a float, then truncated
        ms = (micros.astype(np.float64) / 1e6 * 1000.0).astype(np.int64)
    if len(ms) and (ms.min() < MIN_MS or ms.max() > MAX_MS):
        return None
    out: np.ndarray[Any, np.dtype[np.int64]] = ms.astype(np.int64)
    return out


def _any(mask: Any) -> bool:
    """True if any value of a boolean array is true (nulls count as false)."""
    return bool(pc.any(mask).as_py())
