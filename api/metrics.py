"""Prometheus metrics of the API process (served at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    "ringscope_api_request_seconds",
    "HTTP request latency",
    ["path", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
    registry=REGISTRY,
)
GRAPHQL_ERRORS = Counter(
    "ringscope_api_graphql_errors_total", "GraphQL errors by code", ["code"], registry=REGISTRY
)
SUBSCRIPTIONS = Gauge(
    "ringscope_api_subscriptions", "Live subscriptions by channel", ["channel"], registry=REGISTRY
)
ALERTS_RECEIVED = Counter(
    "ringscope_api_alerts_received_total", "Alerts received from pub/sub", registry=REGISTRY
)
DROPPED = Counter(
    "ringscope_api_subscription_dropped_total",
    "Messages dropped for slow subscribers",
    registry=REGISTRY,
)
DETECTION_RUNS = Counter(
    "ringscope_api_detection_runs_total",
    "Detection runs started through the API",
    registry=REGISTRY,
)
INGESTED = Counter(
    "ringscope_api_ingested_total",
    "Events submitted through ingestTransactions",
    ["outcome"],
    registry=REGISTRY,
)
INGEST_LAG = Gauge(
    "ringscope_ingest_lag_entries",
    "Entries of the transactions stream not yet delivered to "
    "the consumer group (read at scrape time)",
    registry=REGISTRY,
)
ALERTS_STREAM = Gauge(
    "ringscope_alerts_stream_length",
    "Entries in the alerts stream (read at scrape time)",
    registry=REGISTRY,
)
SHARED_SUBSCRIBERS = Gauge(
    "ringscope_api_shared_subscribers",
    "WebSocket subscriptions served by a shared execution",
    registry=REGISTRY,
)
REJECTED_HOSTS = Counter(
    "ringscope_api_rejected_hosts_total",
    "Requests refused for a Host not on the allowlist",
    registry=REGISTRY,
)
OVERSIZED_MESSAGES = Counter(
    "ringscope_api_oversized_ws_messages_total",
    "WebSocket messages over the size limit",
    registry=REGISTRY,
)
REVOKED_SOCKETS = Counter(
    "ringscope_api_revoked_sockets_total",
    "WebSockets closed because their key was revoked",
    registry=REGISTRY,
)
COST_REFUSED = Counter(
    "ringscope_api_cost_refused_total",
    "Operations refused by the query-cost limit",
    registry=REGISTRY,
)
