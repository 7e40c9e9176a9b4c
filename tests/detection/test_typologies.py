"""Same-sum loops and fan-in bursts on small hand-made logs (no server: the edge-log columns are
built from the rows ingest would append)."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.events import parse_event
from detection.bursts import find_fan_in_bursts
from detection.edgelog import EdgeLogState, Interner, _append_rows, _intern
from detection.flows import build_out_index
from detection.loops import find_same_sum_loops
from detection.snapshot import Snapshot, build_snapshot
from detection.victims import Evidence
from graph.batch import plan_batch

T0, HOUR, DAY = 1_750_000_000_000, 3_600_000, 86_400_000
WINDOW = 72 * HOUR


def _tx(n: int, ts: int, src: str, dst: str, amount: float) -> dict[str, Any]:
    return {
        "tx_id": f"t{n}",
        "ts": ts,
        "kind": "transfer",
        "amount": amount,
        "account_id": src,
        "counterparty_id": dst,
    }


def _background() -> list[dict[str, Any]]:
    rng = np.random.default_rng(4)
    out = []
    for k in range(400):
        a, b = rng.choice(40, 2, replace=False)
        out.append(
            _tx(
                10_000 + k,
                T0 + int(rng.integers(20 * DAY)),
                f"bg{a}",
                f"bg{b}",
                round(float(rng.uniform(20, 200)), 2),
            )
        )
    return out


def _snapshot(events: list[dict[str, Any]]) -> Snapshot:
    state, chunks = EdgeLogState(), []
    parsed = [parse_event(e, "salt") for e in sorted(events, key=lambda e: int(e["ts"]))]
    _append_rows(state, plan_batch(parsed, set(), None).log_rows, chunks)
    state.cols = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    return build_snapshot(state)


def _bursts(snap: Snapshot) -> list[Any]:
    return find_fan_in_bursts(snap, 60, build_out_index(snap), Evidence(snap, 50), WINDOW)


def _members(snap: Snapshot, found: list[Any]) -> list[set[str]]:
    return [{snap.account_id(m) for m in c.members} for c in found]


def test_a_loop_of_one_sum_is_found_even_out_of_time_order() -> None:
    loop = ["L0", "L1", "L2", "L3", "L4"]
    hops = list(zip(loop, loop[1:] + loop[:1], strict=True))
    order = [3, 0, 4, 1, 2]  # the money was pre-positioned: hops happen out of order
    events = [
        _tx(i, T0 + 5 * DAY + order[i] * 2 * HOUR, a, b, 1717.0) for i, (a, b) in enumerate(hops)
    ]
    snap = _snapshot(_background() + events)
    assert _members(snap, find_same_sum_loops(snap, WINDOW)) == [set(loop)]


def test_no_loop_when_sums_differ_or_it_takes_too_long() -> None:
    loop = ["L0", "L1", "L2", "L3"]
    hops = list(zip(loop, loop[1:] + loop[:1], strict=True))
    varied = [_tx(i, T0 + 5 * DAY + i * HOUR, a, b, 900.0 + i) for i, (a, b) in enumerate(hops)]
    slow = [_tx(10 + i, T0 + i * 2 * DAY, a, b, 555.0) for i, (a, b) in enumerate(hops)]
    for events in (varied, slow):
        snap = _snapshot(_background() + events)
        assert find_same_sum_loops(snap, WINDOW) == []


def test_a_burst_of_new_senders_with_similar_sums_is_a_fan_in() -> None:
    burst = [
        _tx(i, T0 + 10 * DAY + i * 3 * HOUR, f"bg{i}", "collector", 480.0 + 10 * i)
        for i in range(4)
    ]
    snap = _snapshot(_background() + burst)
    found = _bursts(snap)
    [ring] = [c for c in found if snap.state.accounts.index["collector"] in c.members]
    assert {snap.account_id(m) for m in ring.members} == {"bg0", "bg1", "bg2", "bg3", "collector"}
    assert ring.roles[snap.state.accounts.index["collector"]] == "collector"
    assert "far more than each of them usually sends" in ring.reasons[0]


def test_repeat_payers_and_uneven_sums_are_no_burst() -> None:
    regular = [_tx(100 + i, T0 + i * DAY, f"bg{i % 4}", "landlord", 480.0) for i in range(4)]
    repeat = [_tx(i, T0 + 10 * DAY + i * HOUR, f"bg{i}", "landlord", 480.0) for i in range(4)]
    uneven = [
        _tx(20 + i, T0 + 10 * DAY + i * HOUR, f"bg{i}", "shop", 50.0 * 3**i) for i in range(4)
    ]
    snap = _snapshot(_background() + regular + repeat + uneven)
    found = _members(snap, _bursts(snap))
    assert not any({"landlord", "shop"} & members for members in found)


def test_interning_is_stable_and_blank_is_minus_one() -> None:
    names = Interner(["a"])
    ids = _intern(names, ["b", None, "a", "", "b", "c"])
    assert ids.tolist() == [1, -1, 0, -1, 1, 2] and names.names == ["a", "b", "c"]
