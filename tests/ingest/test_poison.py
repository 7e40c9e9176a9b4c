"""Any bytes on the stream: junk is dead-lettered with its reason, valid events land, ingest goes on."""

from __future__ import annotations

import base64
import json
import time

import redis

from core.events import hash_identity
from core.settings import Settings
from graph.falkordb_store import FalkorStore
from graph.streams import RedisStreamSource
from ingest.pipeline import Pipeline
from ingest.worker import StreamWorker
from tests.ingest.conftest import expected_counts, make_events, observed
from tests.ingest.test_worker import drained, running_worker

JUNK: list[dict[bytes | str, bytes | str]] = [
    {"event": b"\xff\xfe\xfa{not utf8"},
    {"other": "no event field"},
    {"event": bytes(range(256))},
    {"event": "x" * 2_000_000},
    {"event": b'{"tx_id": "\xc3\x28"}'},
    {b"\xff": b"\xfe"},
]


def dead_entries(client: redis.Redis, settings: Settings) -> list[dict[str, str]]:
    return [fields for _id, fields in client.xrange(settings.dead_letter_stream)]


def test_junk_between_valid_events_is_dead_lettered_and_the_rest_lands(
    store: FalkorStore, pipeline: Pipeline, settings: Settings
) -> None:
    raw = redis.Redis.from_url(store.url)  # bytes in, as any producer may send them
    good = make_events(60, seed=41)
    for i, event in enumerate(good):
        raw.xadd(settings.stream, {"event": json.dumps(event)})
        if i % 10 == 3:
            raw.xadd(settings.stream, JUNK[i // 10])  # type: ignore[arg-type]
    with running_worker(store, pipeline, settings):
        assert drained(store.redis, settings)
        later = make_events(10, seed=42)  # the worker is still alive after the junk
        for event in later:
            raw.xadd(settings.stream, {"event": json.dumps(event)})
        assert drained(store.redis, settings)
    raw.close()
    assert observed(store) == expected_counts(good + later)
    dead = dead_entries(store.redis, settings)
    assert len(dead) == len(JUNK)
    reasons = [d["reason"] for d in dead]
    assert reasons[0].startswith("event: not valid UTF-8")
    assert reasons[1] == "event: stream entry has no field 'event'"
    assert reasons[2].startswith("event: not valid UTF-8")
    assert reasons[3] == f"event: larger than {settings.max_event_bytes} bytes (2000000)"
    assert reasons[4].startswith("event: not valid UTF-8")
    assert reasons[5] == "event: stream entry has no field 'event'"
    # bytes that are not text are kept, as base64
    assert dead[2]["encoding"] == "base64"
    assert base64.b64decode(dead[2]["payload"]) == bytes(range(256))
    assert json.loads(dead[1]["payload"]) == {"other": "no event field"}
    assert dead[5]["encoding"] == "base64-fields"
    assert json.loads(dead[5]["payload"]) == {
        base64.b64encode(b"\xff").decode(): base64.b64encode(b"\xfe").decode()
    }
    assert int(dead[3]["truncated_from"]) == 2_000_000


def test_pending_undecodable_entry_is_set_aside_after_max_deliveries(
    store: FalkorStore, pipeline: Pipeline, settings: Settings
) -> None:
    raw = redis.Redis.from_url(store.url)
    worker = StreamWorker(
        RedisStreamSource.for_settings(store.redis, settings), pipeline, settings, name="w-poison"
    )
    worker.ensure_group()
    bad_id = raw.xadd(settings.stream, {"event": b"\xff\xfe bad", "\xff": "x"})  # type: ignore[dict-item]
    good = make_events(5, seed=43)
    # a consumer that read it and died, again and again: delivered more than max_deliveries
    raw.xreadgroup(settings.consumer_group, "ghost", {settings.stream: ">"}, count=1)
    for _ in range(settings.max_deliveries):
        raw.xclaim(settings.stream, settings.consumer_group, "ghost", 0, [bad_id])
    for event in good:
        raw.xadd(settings.stream, {"event": json.dumps(event)})
    time.sleep(settings.claim_idle_ms / 1000 + 0.2)
    try:
        worker.step(block_ms=100)
        worker.step(block_ms=100)
    finally:
        worker.close()
    assert store.redis.xpending(settings.stream, settings.consumer_group)["pending"] == 0
    dead = dead_entries(store.redis, settings)
    assert len(dead) == 1
    # read once, claimed max_deliveries times, and once more by the worker's reclaim
    assert dead[0]["reason"].startswith(f"delivered {settings.max_deliveries + 2} times")
    assert dead[0]["source"] == bad_id.decode()
    assert dead[0]["encoding"] == "base64-fields"
    assert observed(store) == expected_counts(good)
    raw.close()


def test_dead_lettered_account_events_keep_no_clear_text_identity(
    store: FalkorStore, pipeline: Pipeline, settings: Settings
) -> None:
    phone, email, address = "+44 7700 900123", "Jane.Doe@example.com", "1 Secret Lane, Leeds"
    bad_time = {
        "event": "account",
        "account_id": "acc-pii",
        "opened_at": "yesterday",
        "phone": phone,
        "email": email,
        "address": address,
    }
    typo = {"event": "acount", "account_id": "acc-pii", "Phone": phone, "EMAIL": email}
    padded = {**bad_time, "opened_at": None, "pad": "p" * 70_000}  # over max_event_bytes
    cut = json.dumps(bad_time)[:-12]  # not JSON any more
    no_event = {"account_id": "acc-pii", "email": email}
    raw = redis.Redis.from_url(store.url)
    for payload in (json.dumps(bad_time), json.dumps(typo), cut):
        raw.xadd(settings.stream, {"event": payload})
    raw.xadd(settings.stream, no_event)
    raw.xadd(settings.stream, {"event": json.dumps(padded), "note": "an extra field"})
    raw.xadd(settings.stream, {"event": json.dumps(bad_time).encode() + b"\xff"})
    raw.close()
    with running_worker(store, pipeline, settings):
        assert drained(store.redis, settings)
    dead = dead_entries(store.redis, settings)
    assert len(dead) == 6
    stored = json.dumps(dead)
    for entry in dead:
        if entry.get("encoding") == "base64":
            stored += base64.b64decode(entry["payload"]).decode(errors="replace")
    for clear in (phone, email, address, "Jane", "Secret Lane", "7700"):
        assert clear not in stored
    (late,) = [d for d in dead if d["reason"].startswith("opened_at")]
    kept = json.loads(late["payload"])
    assert kept["account_id"] == "acc-pii"  # ids and reasons stay
    assert kept["email"] == hash_identity("email", email, pipeline.salt)  # as in the graph
