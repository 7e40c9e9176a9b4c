"""Ring members as of an instant, version diffs and risk history entries (core.history)."""

from __future__ import annotations

from core.history import diff_graphs, members_at, risk_points
from core.investigation import (
    EdgeView,
    NodeView,
    RingMemberView,
    RingVersionView,
    RingView,
    SubgraphView,
)

RING = RingView(id="r", created_at=100, updated_at=300)
VERSIONS = [
    RingVersionView(ring_id="r", version=1, at=100, members=("a", "b")),
    RingVersionView(ring_id="r", version=2, at=200, members=("a", "b", "c")),
    RingVersionView(ring_id="r", version=3, at=300, members=("b", "c")),
]
CURRENT = [RingMemberView(ring_id="r", account_id=m) for m in ("b", "c")]


def test_members_at_picks_the_version_current_then() -> None:
    assert members_at(RING, VERSIONS, CURRENT, 99) is None  # before the ring existed
    assert members_at(RING, VERSIONS, CURRENT, 100) == ("a", "b")
    assert members_at(RING, VERSIONS, CURRENT, 250) == ("a", "b", "c")
    assert members_at(RING, VERSIONS, CURRENT, 300) == ("b", "c")  # the current members
    # no recorded versions: the current members whenever the ring existed
    assert members_at(RING, [], CURRENT, 150) == ("b", "c")


def node(i: str) -> NodeView:
    return NodeView(id=i, type="Account")


def test_diff_graphs_lists_what_came_and_went() -> None:
    ab = EdgeView(source="a", target="b", type="TRANSFERRED", count=1, total=10.0)
    bc = EdgeView(source="b", target="c", type="TRANSFERRED", count=1, total=5.0)
    bc2 = EdgeView(source="b", target="c", type="TRANSFERRED", count=2, total=9.0)
    before = SubgraphView(nodes=(node("a"), node("b"), node("c")), edges=(ab, bc))
    after = SubgraphView(nodes=(node("b"), node("c")), edges=(bc2,))
    d = diff_graphs(VERSIONS[1], VERSIONS[2], before, after)
    assert (d.members_added, d.members_removed) == ((), ("a",))
    assert [n.id for n in d.nodes_removed] == ["a"] and d.nodes_added == ()
    assert d.edges_removed == (ab,) and d.edges_added == () and d.edges_changed == (bc2,)
    assert {n.id for n in d.graph.nodes} == {"a", "b", "c"} and set(d.graph.edges) == {bc2, ab}


def test_risk_points_skip_entries_of_another_shape() -> None:
    raw = [[1, 40.0, "m1"], [2, 50], "junk", [None, 1.0, "m"], [3, 60.5, None]]
    assert [(p.at, p.score, p.model_version) for p in risk_points(raw)] == [
        (1, 40.0, "m1"),
        (2, 50.0, None),
        (3, 60.5, None),
    ]
    assert risk_points(None) == ()
