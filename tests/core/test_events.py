from __future__ import annotations

import pytest

from core.errors import InvalidEventError
from core.events import AccountEvent, TransactionEvent, hash_identity, parse_event, to_epoch_ms

SALT = "test-salt"


def tx(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "tx_id": "t1",
        "ts": "2024-03-01T12:00:00+01:00",
        "kind": "transfer",
        "amount": 10.5,
        "account_id": "a1",
        "counterparty_id": "a2",
    }
    base.update(kw)
    return base


def reason(raw: object) -> str:
    with pytest.raises(InvalidEventError) as info:
        parse_event(raw, SALT)  # type: ignore[arg-type]
    return info.value.reason


def test_iso_and_epoch_timestamps_normalise_to_utc_ms() -> None:
    e = parse_event(tx(), SALT)
    assert isinstance(e, TransactionEvent)
    assert e.ts == 1709290800000  # 11:00 UTC
    assert parse_event(tx(ts=1709290800000), SALT).ts == 1709290800000  # type: ignore[union-attr]
    assert to_epoch_ms("2024-03-01T11:00:00Z") == 1709290800000


def test_defaults_and_normalisation() -> None:
    e = parse_event(tx(currency="eur", country="de"), SALT)
    assert isinstance(e, TransactionEvent)
    assert (e.currency, e.country) == ("EUR", "DE")
    assert parse_event(tx(), SALT).currency == "USD"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (tx(amount=-5), "amount: Input should be greater than 0"),
        (tx(amount="NaN"), "amount"),
        (tx(kind="zap"), "kind: Input should be 'transfer'"),
        (tx(ts="2024-03-01T12:00:00"), "ts: ISO-8601 time needs a zone"),
        (tx(ts=1709290800), "ts: must be epoch milliseconds between 1990 and 2100"),
        (tx(counterparty_id=None), "counterparty_id: required when kind is 'transfer'"),
        (tx(kind="payment", counterparty_id=None), "merchant_id: required when kind is 'payment'"),
        (tx(account_id="x" * 5000), "account_id: String should have at most 128 characters"),
        (tx(account_id="a\u0001b"), "account_id: String should match pattern"),
        ({"tx_id": "t"}, "ts: Field required"),
        ("{not json", "event: not valid JSON"),
        ("[1, 2]", "event: must be a JSON object"),
        ('{"event": "nonsense"}', "event: must be 'account' or 'transaction'"),
    ],
)
def test_rejections_name_the_field_and_rule(raw: object, expected: str) -> None:
    assert expected in reason(raw)


def test_oversized_payload_rejected_before_parsing() -> None:
    assert "larger than" in reason('{"a": "' + "x" * 70000 + '"}')


def test_account_event_hashes_normalised_identities() -> None:
    a = parse_event(
        {
            "event": "account",
            "account_id": "a1",
            "opened_at": "2024-01-01T00:00:00Z",
            "phone": "+44 (20) 7946-0000",
            "email": " Jo@Example.COM ",
            "address": "1, High St.",
        },
        SALT,
    )
    b = parse_event(
        {
            "event": "account",
            "account_id": "a2",
            "phone": "+442079460000",
            "email": "jo@example.com",
            "address": "1 high st",
        },
        SALT,
    )
    assert isinstance(a, AccountEvent) and isinstance(b, AccountEvent)
    assert a.phone == b.phone and a.email == b.email and a.address == b.address
    assert a.phone is not None and "7946" not in a.phone and "example" not in (a.email or "")
    assert a.opened_at == 1704067200000
    assert hash_identity("email", "jo@example.com", "other-salt") != a.email
