"""Ring identity across runs: ids kept, and splits, merges, growth recorded as changes."""

from __future__ import annotations

from detection.identity import StoredRing, match_rings
from detection.scoring import Ring


def _old(rid: str, members: str, score: float = 60.0) -> StoredRing:
    return StoredRing(rid, score, 1, 0, None, frozenset(members.split()))


def _new(members: str, score: float = 60.0) -> tuple[Ring, frozenset[str]]:
    ids = frozenset(members.split())
    return Ring(frozenset(range(len(ids))), ["cycle"], score, [], score=score), ids


def test_unchanged_ring_keeps_id_without_alert() -> None:
    [ch] = match_rings([_new("a b c d")], [_old("ring-1", "a b c d")])
    assert (ch.ring_id, ch.change, ch.version, ch.material) == ("ring-1", "unchanged", 1, False)


def test_grown_ring_keeps_id_and_bumps_version() -> None:
    [ch] = match_rings([_new("a b c d e f")], [_old("ring-1", "a b c d")])
    assert (ch.ring_id, ch.change, ch.version) == ("ring-1", "grown", 2)
    assert ch.added == {"e", "f"} and ch.material


def test_split_gives_the_larger_part_the_id() -> None:
    old = [_old("ring-1", "a b c d e f g h")]
    changes = match_rings([_new("a b c d e"), _new("f g h")], old)
    by_id = {c.ring_id: c for c in changes}
    assert by_id["ring-1"].members == frozenset("a b c d e".split())
    other = next(c for c in changes if c.ring_id != "ring-1")
    assert other.change == "split" and other.material and other.version == 1


def test_merge_keeps_one_id_and_retires_the_other() -> None:
    old = [_old("ring-1", "a b c d"), _old("ring-2", "e f g h")]
    changes = match_rings([_new("a b c d e f g h")], old)
    live = [c for c in changes if c.ring is not None]
    assert len(live) == 1 and live[0].change == "merged" and live[0].ring_id in {"ring-1", "ring-2"}
    retired = [c for c in changes if c.ring is None]
    assert len(retired) == 1 and retired[0].members == frozenset() and not retired[0].material


def test_new_ring_gets_fresh_stable_id() -> None:
    [a] = match_rings([_new("x y z")], [])
    [b] = match_rings([_new("x y z")], [])
    assert a.change == "new" and a.ring_id == b.ring_id and a.material
