from __future__ import annotations

from typing import Any

import redis

from core.events import AccountEvent
from core.settings import Settings
from graph.features import RedisFeatureStore
from tests.ingest.scoring.factories import MIN, T0, history, tx


def make_store(client: redis.Redis[Any], s: Settings) -> RedisFeatureStore:
    return RedisFeatureStore(client, s.graph, ttl_s=3600, window_cap=50)


def test_sliding_windows_count_and_sum_by_event_time(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    fs = make_store(redis_client, scoring_settings)
    # minutes -1500 (outside 24 h), -100 (1 h < age < 24 h), -30, -4, 0
    events = [tx("a", -1500, 1), tx("b", -100, 2), tx("c", -30, 4), tx("d", -4, 8), tx("e", 0, 16)]
    last = fs.update(events)[-1]
    assert (last.c5m, last.c1h, last.c24h) == (2, 3, 4)
    assert (last.s5m, last.s1h, last.s24h) == (24, 28, 30)
    assert last.p5m == 2 and last.n == 4


def test_ewma_profile_country_and_devices(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    fs = make_store(redis_client, scoring_settings)
    fs.update(history(10, amount=100))
    f = fs.update([tx("x", 0, 500, country="FR", device_id="dev-2")])[0]
    assert f.n == 10
    assert 90 < f.mean < 120 and 0 < f.std < 20
    assert f.prev_country == "DE" and f.prev_ts == T0 - 1440 * MIN
    assert f.device_new is True and f.known_devices == 1
    g = fs.update([tx("y", 1, 50, device_id="dev-2")])[0]
    assert g.prev_country == "FR" and g.device_new is False and g.known_devices == 2
    # the 500 was clipped to 3x the mean before it entered the EWMA
    assert g.mean < f.mean + 0.1 * (3 * f.mean - f.mean) + 1e-6


def test_redelivered_transaction_counts_once(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    fs = make_store(redis_client, scoring_settings)
    first = fs.update([tx("a", 0), tx("b", 1)])
    again = fs.update([tx("b", 1), tx("c", 2)])
    assert first[1].fresh and not again[0].fresh
    assert again[0].c5m == first[1].c5m  # same features back
    assert again[1].n == 2 and again[1].c5m == 3  # b counted once
    assert fs.account_state("acct-1")["n"] == "3"


def test_shared_device_counts_distinct_accounts_in_24h(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    fs = make_store(redis_client, scoring_settings)
    old = tx("old", -2000, account_id="acct-old", device_id="farm")
    batch = [tx(f"t{i}", i, account_id=f"acct-{i % 4}", device_id="farm") for i in range(8)]
    out = fs.update([old, *batch])
    assert [f.device_accounts_24h for f in out[1:]] == [1, 2, 3, 4, 4, 4, 4, 4]


def test_merchants_counterparties_and_account_age(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    fs = make_store(redis_client, scoring_settings)
    fs.observe_accounts([AccountEvent(event="account", account_id="acct-1", opened_at=T0 - MIN)])
    out = fs.update(
        [
            tx("p", 0, merchant_id="m-1"),
            tx("r1", 1, kind="refund", merchant_id="m-1"),
            tx("r2", 2, kind="refund", merchant_id="m-9"),
            tx("t1", 3, kind="transfer", counterparty_id="acct-2", merchant_id=None),
            tx("t2", 4, kind="transfer", counterparty_id="acct-2", merchant_id=None),
        ]
    )
    assert out[0].age_ms == MIN
    assert out[1].paid_merchant is True and out[2].paid_merchant is False
    assert out[3].counterparty_new is True and out[3].known_counterparties == 0
    assert out[4].counterparty_new is False and out[4].known_counterparties == 1


def test_every_feature_key_has_a_ttl(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    fs = make_store(redis_client, scoring_settings)
    fs.update([tx("a", 0, ip="10.0.0.1"), tx("b", 1, kind="transfer", counterparty_id="x")])
    keys = redis_client.keys(f"ringscope:{scoring_settings.graph}:f:*")
    assert len(keys) >= 9
    assert all(0 < redis_client.ttl(k) <= 7 * 86400 for k in keys)


def test_window_is_capped(redis_client: redis.Redis[Any], scoring_settings: Settings) -> None:
    fs = make_store(redis_client, scoring_settings)
    out = fs.update([tx(f"t{i}", i * 0.01) for i in range(80)])
    assert out[-1].c5m == 51  # the cap keeps 50 earlier transactions, plus this one
    assert redis_client.zcard(f"ringscope:{scoring_settings.graph}:f:aw:acct-1") == 50
