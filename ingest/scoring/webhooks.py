"""Webhook delivery of alerts: Slack-compatible JSON, HMAC-SHA256 signed, retried with backoff.

``notify`` only enqueues, so scoring never waits on a slow receiver; worker threads deliver.
A delivery that still fails after the last attempt (or cannot be queued) goes to the dead-letter
stream ``webhooks:dead`` with the URL, the alert and the error.

Receivers verify ``X-Ringscope-Signature: sha256=<hex>``, the HMAC-SHA256 under the shared
secret of ``<X-Ringscope-Timestamp>.<raw body>``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import queue
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
import orjson

from core.errors import RingscopeError
from core.ports import EntrySink
from core.settings import Settings

logger = logging.getLogger(__name__)

_STOP = object()
_PERMANENT = {400, 401, 403, 404, 405, 410, 413, 422}  # retrying will not help


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def slack_message(alert: dict[str, Any]) -> dict[str, Any]:
    """Slack's incoming-webhook shape (``text``), with the full alert alongside."""
    decision = str(alert.get("decision", "review")).upper()
    reasons = "; ".join(alert.get("reasons") or [])
    text = (
        f"{decision} {alert.get('kind', 'TRANSACTION')} alert {alert.get('id')}: score "
        f"{alert.get('score')} on account {alert.get('accountId')} "
        f"(transaction {alert.get('transactionId')}). {reasons}"
    )
    return {"text": text, "alert": alert}


class WebhookNotifier:
    """Delivers alerts to every URL from ``workers`` background threads."""

    def __init__(
        self,
        urls: Sequence[str],
        secret: str,
        dead_letter: EntrySink,
        *,
        dead_stream: str = "webhooks:dead",
        max_attempts: int = 5,
        backoff_s: float = 0.5,
        timeout_s: float = 5.0,
        workers: int = 2,
        queue_size: int = 10_000,
    ) -> None:
        self.urls = list(urls)
        self.secret = secret
        self.dead_letter = dead_letter
        self.dead_stream = dead_stream
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.delivered = 0
        self._count_lock = threading.Lock()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name=f"webhooks-{i}", daemon=True)
            for i in range(workers)
        ]
        for t in self._threads:
            t.start()

    @classmethod
    def from_settings(cls, settings: Settings, dead_letter: EntrySink) -> WebhookNotifier | None:
        """A notifier for ``RINGSCOPE_WEBHOOK_URLS``, or None when none is configured."""
        if not settings.webhook_urls:
            return None
        return cls(
            settings.webhook_urls,
            settings.webhook_secret,
            dead_letter,
            dead_stream=settings.webhook_dead_stream,
            max_attempts=settings.webhook_max_attempts,
            backoff_s=settings.webhook_backoff_s,
            timeout_s=settings.webhook_timeout_s,
        )

    def notify(self, alert: dict[str, Any]) -> None:
        """Queue an alert for every URL; never blocks (a full queue dead-letters it)."""
        for url in self.urls:
            try:
                self._queue.put_nowait((url, alert))
            except queue.Full:
                self._dead(url, alert, "delivery queue full", 0)

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (without further retries after ``timeout``), then stop."""
        deadline = time.monotonic() + timeout
        for _ in self._threads:
            self._queue.put(_STOP)
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
            if t.is_alive():
                self._stop.set()  # cut backoff waits short; the rest is dead-lettered
                t.join(self.timeout_s + 1)

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout_s) as client:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    return
                url, alert = item
                self._deliver(client, url, alert)

    def _deliver(self, client: httpx.Client, url: str, alert: dict[str, Any]) -> None:
        body = orjson.dumps(slack_message(alert))
        error = ""
        for attempt in range(1, self.max_attempts + 1):
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Ringscope-Timestamp": timestamp,
                "X-Ringscope-Signature": sign(self.secret, timestamp, body),
            }
            try:
                response = client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            else:
                if response.is_success:
                    with self._count_lock:
                        self.delivered += 1
                    return
                error = f"HTTP {response.status_code}"
                if response.status_code in _PERMANENT:
                    break
            if attempt < self.max_attempts and self._stop.wait(self.backoff_s * 2 ** (attempt - 1)):
                break
        self._dead(url, alert, error, attempt)

    def _dead(self, url: str, alert: dict[str, Any], error: str, attempts: int) -> None:
        logger.warning("webhook to %s failed after %d attempts: %s", url, attempts, error)
        try:
            entry: dict[str, str | bytes | int] = {
                "url": url,
                "alert": orjson.dumps(alert),
                "error": error,
                "attempts": attempts,
            }
            self.dead_letter.append(self.dead_stream, [entry], maxlen=100_000)
        except RingscopeError as exc:
            logger.error("webhook dead-letter to %s failed: %s", self.dead_stream, exc)
