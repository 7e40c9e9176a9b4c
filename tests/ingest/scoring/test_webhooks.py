from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis

from core.settings import Settings
from graph.alerts import RedisAlertLog
from graph.streams import RedisStreams
from ingest.scoring.alerts import TransactionAlertPublisher
from ingest.scoring.webhooks import WebhookNotifier
from ringscope.bootstrap import rule_scorer
from tests.ingest.scoring.factories import history, tx

SECRET = "s3cret"


class Receiver(ThreadingHTTPServer):
    """A local webhook receiver: fails the first ``fail_first`` requests with HTTP 500."""

    def __init__(self, fail_first: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.fail_first = fail_first
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.received = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((dict(self.headers), body))
        ok = len(self.server.requests) > self.server.fail_first
        self.send_response(200 if ok else 500)
        self.end_headers()
        if ok:
            self.server.received.set()

    def log_message(self, *args: Any) -> None:
        pass


def serve(fail_first: int = 0) -> Iterator[Receiver]:
    server = Receiver(fail_first)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve(fail_first=2)


def notifier(url: str, client: redis.Redis[Any], s: Settings, attempts: int = 4) -> WebhookNotifier:
    return WebhookNotifier(
        [url],
        SECRET,
        RedisStreams(client),
        dead_stream=s.webhook_dead_stream,
        max_attempts=attempts,
        backoff_s=0.01,
        timeout_s=2,
    )


def test_signed_slack_message_delivered_after_retries(
    receiver: Receiver, redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    hooks = notifier(receiver.url, redis_client, scoring_settings)
    publisher = TransactionAlertPublisher(RedisAlertLog(redis_client, scoring_settings), hooks)
    scorer = rule_scorer(redis_client, scoring_settings)
    scorer.score_batch(history(10))
    events = [tx("big", 0, 900)]
    publisher.publish(events, scorer.score_batch(events), {"big"})
    assert receiver.received.wait(10)
    publisher.close()
    assert len(receiver.requests) == 3  # two 500s, then success
    headers, body = receiver.requests[-1]
    signed = headers["X-Ringscope-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Ringscope-Signature"], expected)
    message = json.loads(body)
    assert "REVIEW" in message["text"] and "acct-1" in message["text"]
    assert message["alert"]["transactionId"] == "big"
    assert hooks.delivered == 1 and redis_client.xlen(scoring_settings.webhook_dead_stream) == 0


def test_failed_delivery_goes_to_dead_letter_without_blocking(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    for server in serve(fail_first=100):
        hooks = notifier(server.url, redis_client, scoring_settings, attempts=3)
        started = time.perf_counter()
        hooks.notify({"id": "alert-1", "score": 90, "decision": "block"})
        assert time.perf_counter() - started < 0.05  # notify only enqueues
        hooks.close()
        assert len(server.requests) == 3
    [(_, entry)] = redis_client.xrange(scoring_settings.webhook_dead_stream)
    assert entry["error"] == "HTTP 500" and entry["attempts"] == "3"
    assert json.loads(entry["alert"])["id"] == "alert-1" and entry["url"].endswith("/hook")


def test_unreachable_receiver_is_dead_lettered(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    for server in serve():
        url = server.url  # the port is free again once the server is gone
    hooks = notifier(url, redis_client, scoring_settings, attempts=2)
    hooks.notify({"id": "alert-2"})
    hooks.close()
    [(_, entry)] = redis_client.xrange(scoring_settings.webhook_dead_stream)
    assert entry["error"].startswith("ConnectError") and entry["attempts"] == "2"
