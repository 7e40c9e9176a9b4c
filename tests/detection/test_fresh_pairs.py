"""Camouflaged AMLSim typologies found by who starts paying whom (detection/fresh_pairs.py):
aged accounts with ordinary history moving everyday sums in any order still show as bicliques,
layered bicliques, loops and two-week tranches; friends paying each other back do not."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.detection.test_camouflage import _history, _holding, _rings
from tests.detection.test_typologies import DAY, HOUR, T0, _snapshot, _tx


def _random_times(n: int, start_day: int, days: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return [T0 + start_day * DAY + int(rng.integers(days * DAY)) for _ in range(n)]


def test_accounts_all_starting_to_pay_the_same_accounts_are_a_bipartite_ring(
    tmp_path: Path,
) -> None:
    origins, benes = ["O0", "O1"], ["B0", "B1", "B2"]
    pairs = [(o, b) for o in origins for b in benes]
    times = _random_times(len(pairs), 16, 9, 3)  # in any order over nine days
    events = [
        _tx(600 + k, ts, o, b, round(60.0 + 47 * k, 2))
        for k, ((o, b), ts) in enumerate(zip(pairs, times, strict=True))
    ]
    snap = _snapshot(_history([*origins, *benes]) + events)
    ring = {*origins, *benes}
    [(score, members, kinds)] = _holding(_rings(snap, tmp_path), ring)
    assert members == ring and "bipartite" in kinds and score >= 35


def test_a_layered_biclique_is_a_stack(tmp_path: Path) -> None:
    first, middle, last = ["L0", "L1"], ["M0", "M1"], ["N0", "N1", "N2"]
    pairs = [(a, b) for a in first for b in middle] + [(b, c) for b in middle for c in last]
    times = _random_times(4, 12, 5, 5) + _random_times(6, 17, 5, 6)
    events = [
        _tx(700 + k, ts, a, b, round(80.0 + 29 * k, 2))
        for k, ((a, b), ts) in enumerate(zip(pairs, times, strict=True))
    ]
    snap = _snapshot(_history([*first, *middle, *last]) + events)
    ring = {*first, *middle, *last}
    [(score, members, kinds)] = _holding(_rings(snap, tmp_path), ring)
    assert members == ring and "stack" in kinds and score >= 35


def test_money_walked_at_random_among_aged_accounts_is_a_ring(tmp_path: Path) -> None:
    crew = [f"W{k}" for k in range(6)]
    walk = ["W0", "W3", "W1", "W4", "W2", "W5", "W0", "W2", "W4", "W1", "W5", "W3", "W1"]
    times = _random_times(len(walk) - 1, 14, 14, 9)  # the hops in no order
    events = [
        _tx(800 + k, ts, a, b, round(70.0 + 23 * k, 2))
        for k, (a, b, ts) in enumerate(zip(walk, walk[1:], times, strict=False))
    ]
    snap = _snapshot(_history(crew) + events)
    held = _holding(_rings(snap, tmp_path), set(crew))
    assert held and any("fresh_loop" in kinds and score >= 35 for score, _, kinds in held)
    best = max(held, key=lambda f: len(f[1] & set(crew)))
    assert len(best[1] & set(crew)) >= 5 and len(best[1] - set(crew)) == 0


def test_payers_paying_one_account_twice_each_over_two_weeks_are_a_fan_in(
    tmp_path: Path,
) -> None:
    payers = [f"G{k}" for k in range(4)]
    events = []
    for k, p in enumerate(payers):  # start days apart, each pays again days later, then stops
        events.append(_tx(900 + 2 * k, T0 + (15 + 2 * k) * DAY + 5 * HOUR, p, "BENE", 80.0 + 9 * k))
        events.append(_tx(901 + 2 * k, T0 + (20 + 2 * k) * DAY, p, "BENE", 140.0 + 13 * k))
    snap = _snapshot(_history([*payers, "BENE"]) + events)
    ring = {*payers, "BENE"}
    [(score, members, kinds)] = _holding(_rings(snap, tmp_path), ring)
    assert members == ring and "fan_in_tranches" in kinds and score >= 35


def test_friends_paying_each_other_back_make_no_biclique_or_loop(tmp_path: Path) -> None:
    friends = ["H0", "H1", "H2", "H3"]
    events, n = [], 1000
    # two pay the same two, who pay them back: a shared dinner, settled up
    for a, b in (("H0", "H2"), ("H0", "H3"), ("H1", "H2"), ("H1", "H3")):
        events.append(_tx(n, T0 + 20 * DAY + n * HOUR % DAY, a, b, 45.0 + n % 7))
        events.append(_tx(n + 1, T0 + 23 * DAY + n * HOUR % DAY, b, a, 40.0 + n % 5))
        n += 2
    for a, b in (("H0", "H1"), ("H1", "H2"), ("H2", "H0")):  # and round the three, and back
        events.append(_tx(n, T0 + 25 * DAY, a, b, 30.0))
        events.append(_tx(n + 1, T0 + 27 * DAY, b, a, 30.0))
        n += 2
    snap = _snapshot(_history(friends) + events)
    fresh_kinds = {"bipartite", "stack", "fresh_loop"}
    for _, _, kinds in _holding(_rings(snap, tmp_path), set(friends)):
        assert not fresh_kinds & set(kinds)
