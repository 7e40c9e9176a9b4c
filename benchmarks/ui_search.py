"""Latency of the UI's id search (typeahead) and typed expansion through GraphQL on a live server.

Sends each prefix of a few ids the way the top bar does while someone types (``search(query:
...)``), and one ``neighbourhoodVia`` per hit, against a running ringscope (for example
``python -m ringscope up --demo``). Prints one JSON line: p50/p95/max in ms per query kind.

usage: python -m benchmarks.ui_search http://127.0.0.1:PORT [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import httpx

SEARCH = "query S($q: String!) { search(query: $q, first: 10) { id type } }"
EXPAND = """query E($id: ID!) { neighbourhoodVia(id: $id, limit: 200) { nodeCount truncated } }"""
SEEDS = ("acct-000", "dev-", "10.", "merch-0", "ring-", "no-such-id")


def timed(
    client: httpx.Client, url: str, query: str, variables: dict[str, Any]
) -> tuple[float, Any]:
    t0 = time.perf_counter()
    body = client.post(url, json={"query": query, "variables": variables}).json()
    ms = (time.perf_counter() - t0) * 1000
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return ms, body["data"]


def summary(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(values[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base_url")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = args.base_url.rstrip("/") + "/graphql"
    search_ms: list[float] = []
    expand_ms: list[float] = []
    with httpx.Client(timeout=30) as client:
        for _ in range(args.rounds):
            for seed in SEEDS:
                for n in range(2, len(seed) + 1):  # every keystroke from the second one
                    ms, data = timed(client, url, SEARCH, {"q": seed[:n]})
                    search_ms.append(ms)
                for hit in data["search"][:2]:
                    if hit["type"] in ("Account", "Device", "IP", "Merchant"):
                        ms, _ = timed(client, url, EXPAND, {"id": hit["id"]})
                        expand_ms.append(ms)
    print(
        json.dumps(
            {
                "benchmark": "ui_search",
                "server": args.base_url,
                "search": summary(search_ms),
                "expand_via": summary(expand_ms),
            }
        )
    )


if __name__ == "__main__":
    main()
