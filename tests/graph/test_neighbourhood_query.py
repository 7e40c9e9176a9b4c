"""``api_neighbourhood`` against a breadth-first search in Python on the same small graph.

The query grows layers in Cypher with the node budget enforced there; its layer 2 is a lazy
two-hop walk through the kept layer 1. Whatever the route, the nodes (when nothing is cut),
the count, the truncation and nearest-first keeping must be those of a plain BFS over the edges
that pass the time window, through nodes whose labels are asked for.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

import pytest

from graph.falkordb_store import FalkorStore
from graph.reads import FalkorReads

LABELS = ["Account", "Device", "Merchant", "IP"]
EDGES = {"Account": "TRANSFERRED", "Device": "USED", "Merchant": "PAID", "IP": "FROM_IP"}


def _graph(seed: int) -> tuple[dict[str, str], list[tuple[str, str, int, int]]]:
    rng = random.Random(seed)
    nodes = {f"a{i}": "Account" for i in range(40)}
    nodes.update({f"d{i}": "Device" for i in range(6)})
    nodes.update({"m0": "Merchant", "m1": "Merchant", "ip0": "IP"})
    edges = []
    for i in range(40):
        for other in rng.sample([n for n in nodes if n != f"a{i}"], 2):
            first = rng.randrange(0, 100)
            edges.append((f"a{i}", other, first, first + rng.randrange(0, 20)))
    edges += [(f"a{i}", "m0", 5, 90) for i in range(0, 40, 2)]  # a hub
    return nodes, edges


@pytest.fixture
def graph(
    store: FalkorStore,
) -> Iterator[tuple[FalkorStore, dict[str, str], list[tuple[str, str, int, int]]]]:
    nodes, edges = _graph(3)
    for label in LABELS:
        ids = [n for n, lab in nodes.items() if lab == label]
        store.graph.query(f"UNWIND $ids AS id CREATE (:{label} {{id: id}})", {"ids": ids})
    for src, dst, first, last in edges:
        kind = EDGES[nodes[dst]] if nodes[src] == "Account" else "TRANSFERRED"
        store.graph.query(
            f"MATCH (a {{id: $s}}), (b {{id: $d}}) "
            f"CREATE (a)-[:{kind} {{first_ts: $f, last_ts: $l}}]->(b)",
            {"s": src, "d": dst, "f": first, "l": last},
        )
    yield store, nodes, edges


def _bfs(
    nodes: dict[str, str],
    edges: list[tuple[str, str, int, int]],
    start: str,
    hops: int,
    types: list[str],
    since: int | None,
    until: int | None,
) -> list[set[str]]:
    adj: dict[str, set[str]] = {n: set() for n in nodes}
    for s, d, first, last in edges:
        if (since is None or last >= since) and (until is None or first <= until):
            adj[s].add(d)
            adj[d].add(s)
    seen, layers, frontier = {start}, [], {start}
    for _ in range(hops):
        nxt = {n for f in frontier for n in adj[f] if n not in seen and nodes[n] in types}
        if not nxt:
            break
        layers.append(nxt)
        seen |= nxt
        frontier = nxt
    return layers


async def test_the_query_is_a_breadth_first_search(
    graph: tuple[FalkorStore, dict[str, str], list[tuple[str, str, int, int]]],
) -> None:
    store, nodes, edges = graph
    reads = FalkorReads(store.url, store.graph_name)
    cases = itertools.product(
        ["a0", "a7", "m0", "d1"],
        (1, 2, 3),
        (6, 500),
        (LABELS, ["Account", "Merchant"]),
        ((None, None), (30, None), (None, 60)),
    )
    checked = 0
    for start, hops, budget, types, (since, until) in cases:
        layers = _bfs(nodes, edges, start, hops, types, since, until)
        want = set().union(*layers) if layers else set()
        sub = await reads.neighbourhood(start, hops, budget, since, until, types)
        got = {n.id for n in sub.nodes} - {start}
        if len(want) <= budget - 1:
            assert got == want and not sub.truncated, (start, hops, types, since, until)
        else:
            assert sub.truncated and len(got) == budget - 1 and got <= want
            kept, room = set(), budget - 1  # nearest first: whole layers while they fit
            for layer in layers:
                if len(layer) > room:
                    break
                kept |= layer
                room -= len(layer)
            assert kept <= got, (start, hops, budget, types)
        count = await reads.neighbourhood(
            start, hops, budget, since, until, types, props=False, edges=False, nodes=False
        )
        assert (count.node_count, count.truncated) == (len(got) + 1, sub.truncated)
        checked += 1
    assert checked == 144
    await reads.close()


async def test_the_count_alone_is_the_breadth_first_count(
    graph: tuple[FalkorStore, dict[str, str], list[tuple[str, str, int, int]]],
) -> None:
    """Count only, every type, no window: the one-walk query counts what the BFS reaches, and
    not the nodes of other labels (a ring's versions) hanging off the domain's nodes."""
    store, nodes, edges = graph
    store.graph.query(
        "MATCH (a:Account {id: 'a3'}) CREATE (r:Ring {id: 'r0'})-[:MEMBER]->(a), "
        "(r)-[:HAS_VERSION]->(:RingVersion {id: 'r0v1'}), (a)-[:USED]->(:Device {id: 'd9'})"
    )
    nodes = {**nodes, "r0": "Ring", "d9": "Device"}
    edges = [*edges, ("r0", "a3", 0, 0), ("a3", "d9", 0, 0)]
    reads = FalkorReads(store.url, store.graph_name)
    every = ["Account", "Device", "Merchant", "IP", "Phone", "Email", "Address", "Ring"]
    for start, hops, budget in itertools.product(
        ["a0", "a3", "r0", "m0", "d9"], (1, 2, 3), (2, 6, 500)
    ):
        layers = _bfs(nodes, edges, start, hops, every, None, None)
        reached = len(set().union(*layers)) if layers else 0
        count = await reads.neighbourhood(
            start, hops, budget, None, None, None, props=False, edges=False, nodes=False
        )
        want = (min(reached + 1, budget), reached > budget - 1)
        assert (count.node_count, count.truncated) == want, (start, hops, budget)
    missing = await reads.neighbourhood("nope", 2, 200, None, None, None, False, False, False)
    assert missing.size == 0
    await reads.close()
