"""Model risk counts: members' model scores move a ring's score and show in its evidence."""

from __future__ import annotations

from detection.scoring import Ring, score_ring
from detection.snapshot import Snapshot
from tests.detection.test_typologies import DAY, HOUR, T0, _background, _snapshot, _tx


def _ring_and_snapshot() -> tuple[Ring, Snapshot]:
    loop = ["L0", "L1", "L2", "L3"]
    hops = zip(loop, loop[1:] + loop[:1], strict=True)
    events = [_tx(i, T0 + 5 * DAY + i * HOUR, a, b, 2_000.0 - i) for i, (a, b) in enumerate(hops)]
    snap = _snapshot(_background() + events)
    members = frozenset(snap.state.accounts.index[a] for a in loop)
    return Ring(members, ["cycle"], 45.0, ["a loop"]), snap


def test_high_risk_members_rank_a_ring_up_and_show_in_evidence() -> None:
    scores: dict[str, float] = {}
    for name, risk in (("none", None), ("low", 5.0), ("high", 90.0)):
        ring, snap = _ring_and_snapshot()
        by_member = {} if risk is None else {m: risk for m in ring.members}
        score_ring(ring, snap, 25, by_member)
        scores[name] = ring.score
        if risk is not None:
            assert ring.evidence["mean_model_risk"] == risk
            assert ring.evidence["model_scored_members"] == 4.0
            assert any("model risk" in r for r in ring.reasons)
    assert scores["high"] > scores["none"] > scores["low"]


def test_half_high_risk_members_still_move_the_ring() -> None:
    ring, snap = _ring_and_snapshot()
    members = sorted(ring.members)
    score_ring(ring, snap, 25, {m: (95.0 if k < 2 else 5.0) for k, m in enumerate(members)})
    assert ring.evidence["top_model_risk"] == 95.0 and ring.evidence["mean_model_risk"] == 50.0
