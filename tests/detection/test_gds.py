"""GDS community detection. The tests marked ``neo4j`` need NEO4J_URI pointing at a Neo4j with
the Graph Data Science plugin (``docker compose --profile neo4j up``) and the gds extra; they
write a few uniquely named nodes there and delete them afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from core.errors import ConfigurationError
from core.events import Event, TransactionEvent
from core.settings import Settings
from detection import edgelog
from detection.gds import (
    connect_gds,
    find_flow_communities_gds,
    flow_candidates,
    gds_communities,
    gds_components,
    group,
    membership_array,
)
from detection.snapshot import Snapshot, build_snapshot
from graph.falkordb_store import FalkorStore

T0 = 1_700_000_000_000


def clusters(prefix: str) -> list[Event]:
    """Two closed transfer loops of four accounts each, sharing one device per loop."""
    events: list[Event] = []
    for c in range(2):
        ids = [f"{prefix}c{c}a{i}" for i in range(4)]
        for k in range(12):
            src, dst = ids[k % 4], ids[(k + 1) % 4]
            events.append(
                TransactionEvent(
                    tx_id=f"{prefix}t{c}-{k}",
                    ts=T0 + 60_000 * (k + 20 * c),
                    kind="transfer",
                    amount=900.0 + k,
                    account_id=src,
                    counterparty_id=dst,
                    device_id=f"{prefix}d{c}",
                )
            )
    return events


def snapshot_of(store: FalkorStore, events: list[Event]) -> Snapshot:
    store.apply_batch(events)
    state = edgelog.EdgeLogState()
    edgelog.refresh(state, store.edge_log())
    return build_snapshot(state)


def test_flow_candidates_keep_closed_loops(store: FalkorStore) -> None:
    snap = snapshot_of(store, clusters("x"))
    membership = {f"xc{c}a{i}": c for c in range(2) for i in range(4)}
    cands = flow_candidates(snap, membership_array(snap, membership), 3, 10)
    found = sorted(sorted(snap.account_id(m) for m in c.members) for c in cands)
    assert found == [[f"xc{c}a{i}" for i in range(4)] for c in range(2)]
    assert all(c.typology == "flow_community" and "100%" in c.reasons[0] for c in cands)
    mixed = {f"xc{c}a{i}": i % 2 for c in range(2) for i in range(4)}  # halves of both loops
    assert flow_candidates(snap, membership_array(snap, mixed), 3, 10) == []


def test_group_applies_size_bounds() -> None:
    membership = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 3, "f": 3}
    assert group(membership, 2, 3) == [frozenset("abc"), frozenset("ef")]


def test_connect_needs_uri_or_extra(tmp_path: Any) -> None:
    with pytest.raises(ConfigurationError):
        connect_gds(Settings(store="bolt", neo4j_uri=None, data_dir=tmp_path))


def _neo4j_ready() -> str | None:
    if not os.environ.get("NEO4J_URI"):
        return "NEO4J_URI is not set (needs a Neo4j with GDS)"
    try:
        import graphdatascience  # noqa: F401
    except ImportError:
        return "graphdatascience not installed (pip install 'ringscope[gds]')"
    return None


@pytest.fixture
def neo4j_graph() -> Iterator[tuple[Any, str, list[Event]]]:
    reason = _neo4j_ready()
    if reason:
        pytest.skip(reason)
    from graph.bolt_store import BoltStore

    settings = Settings()
    assert settings.neo4j_uri
    prefix = f"gds{uuid.uuid4().hex[:6]}-"
    events = clusters(prefix)
    bolt = BoltStore(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
    if bolt.flavour != "neo4j":
        bolt.close()
        pytest.skip("NEO4J_URI is not a Neo4j server")
    bolt.ensure_schema()
    bolt.apply_batch(events)
    gds = connect_gds(settings)
    try:
        yield gds, prefix, events
    finally:
        gds.run_cypher(
            "MATCH (n) WHERE n.id STARTS WITH $prefix DETACH DELETE n", {"prefix": prefix}
        )
        gds.close()
        bolt.close()


@pytest.mark.neo4j
@pytest.mark.parametrize("algorithm", ["leiden", "louvain"])
def test_gds_finds_both_loops(neo4j_graph: tuple[Any, str, list[Event]], algorithm: Any) -> None:
    gds, prefix, _events = neo4j_graph
    membership = {k: v for k, v in gds_communities(gds, algorithm).items() if k.startswith(prefix)}
    rings = sorted(sorted(r) for r in group(membership, 3, 10))
    assert rings == [[f"{prefix}c{c}a{i}" for i in range(4)] for c in range(2)]


@pytest.mark.neo4j
def test_gds_components_follow_shared_devices(neo4j_graph: tuple[Any, str, list[Event]]) -> None:
    gds, prefix, _events = neo4j_graph
    comps = {k: v for k, v in gds_components(gds).items() if k.startswith(prefix)}
    assert len(comps) == 8 and len(set(comps.values())) == 2


@pytest.mark.neo4j
def test_gds_step_replaces_igraph(
    neo4j_graph: tuple[Any, str, list[Event]], store: FalkorStore
) -> None:
    gds, _prefix, events = neo4j_graph
    snap = snapshot_of(store, events)
    cands = find_flow_communities_gds(snap, gds, 3, 10)
    assert sorted(len(c.members) for c in cands) == [4, 4]
