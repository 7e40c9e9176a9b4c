"""Indexes and unique constraints, created idempotently at start."""

from __future__ import annotations

import logging

import redis
from falkordb import Graph

logger = logging.getLogger(__name__)

# Every node id is unique; transactions are also found by time and by account.
UNIQUE_IDS = (
    "Account",
    "Device",
    "Merchant",
    "IP",
    "Phone",
    "Email",
    "Address",
    "Ring",
    "Transaction",
)
EXTRA_INDEXES = (
    ("Transaction", "ts"),
    ("Transaction", "account_id"),
    ("Transaction", "counterparty_id"),
    ("Ring", "score"),
    ("Verdict", "target_id"),  # api: verdict history of a ring or account
    ("DetectionRun", "id"),  # api: run records
)


def existing_indexes(graph: Graph) -> set[tuple[str, str]]:
    try:
        rows = graph.ro_query("CALL db.indexes() YIELD label, properties").result_set
    except redis.ResponseError:  # the graph does not exist yet
        return set()
    return {(label, prop) for label, props in rows for prop in props}


def ensure_schema(graph: Graph) -> None:
    """Create missing indexes and unique constraints; safe to run any number of times.

    Labels and properties come from the constants above, never from input: Cypher cannot take
    a label as a parameter.
    """
    have = existing_indexes(graph)
    wanted = [(label, "id") for label in UNIQUE_IDS] + list(EXTRA_INDEXES)
    for label, prop in wanted:
        if (label, prop) not in have:
            try:
                graph.query(f"CREATE INDEX FOR (n:{label}) ON (n.{prop})")
            except redis.ResponseError as exc:
                if "already indexed" not in str(exc):  # another process got there first
                    raise
    for label in UNIQUE_IDS:
        try:
            graph.execute_command(
                "GRAPH.CONSTRAINT",
                "CREATE",
                graph.name,
                "UNIQUE",
                "NODE",
                label,
                "PROPERTIES",
                1,
                "id",
            )
        except redis.ResponseError as exc:
            if "already exists" not in str(exc).lower():
                raise
    logger.debug("schema ready on graph %s", graph.name)
