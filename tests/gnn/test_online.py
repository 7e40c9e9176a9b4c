"""Online k-hop inference: a new account is scored from its neighbourhood in the live graph."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from core.events import TransactionEvent, parse_event
from gnn.export import TxTable, build_hetero
from gnn.online import LiveGraph, account_row, tx_row
from gnn.ring_boost import RingBoost
from gnn.scoring import GnnRiskModel
from tests.gnn.planted import DAY, planted_rows

SALT = "test-salt"


def _table(rows: list[list[Any]]) -> TxTable:
    table = TxTable()
    table.add_rows(rows, None)
    return table


def _logged(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows as the edge log holds them: parsed into events first (identities hashed)."""
    events = [parse_event(_event(r), SALT) for r in rows]
    return [tx_row(e) if isinstance(e, TransactionEvent) else account_row(e) for e in events]


def _events(rows: list[list[Any]]) -> list[Any]:
    return [parse_event(_event(r), SALT) for r in rows]


def _ring_end(rows: list[list[Any]], ring: int) -> int:
    return max(r[2] for r in rows if r[0] == "t" and r[5].startswith(f"R{ring}-"))


def _newcomer_rows(ring: int, account: str, ts: int) -> list[list[Any]]:
    """A new account acting as ring ``ring``'s members do: opened on the ring's phone days
    before, passing money along the ring, small payments from the ring's device and IP."""
    dev, ip = f"d-R{ring}-0", f"ip-R{ring}"
    rows = [
        ["a", account, ts - 3 * DAY, f"p-R{ring}", None, None],
        [
            "t",
            f"{account}-in",
            ts,
            "transfer",
            903.0,
            f"R{ring}-5",
            account,
            dev,
            ip,
            None,
            "US",
            None,
        ],
        [
            "t",
            f"{account}-out",
            ts + 3_600_000,
            "transfer",
            904.0,
            account,
            f"R{ring}-0",
            dev,
            ip,
            None,
            "US",
            None,
        ],
    ]
    for k in range(3):
        rows.append(
            [
                "t",
                f"{account}-p{k}",
                ts + (k + 2) * 3_600_000,
                "payment",
                1.5 + k,
                account,
                f"m{k}",
                dev,
                ip,
                None,
                "US",
                None,
            ]
        )
    return rows


def _legit_newcomer_rows(account: str, ts: int) -> list[list[Any]]:
    return [
        ["a", account, ts - 400 * DAY, "p-own", None, None],
        [
            "t",
            f"{account}-t1",
            ts,
            "payment",
            33.0,
            account,
            "m4",
            "d-own",
            "ip-own",
            None,
            "US",
            None,
        ],
    ]


def train_planted() -> tuple[list[list[Any]], RingBoost, set[str]]:
    rows, _, unlabelled = planted_rows(seed=1)
    rows = _logged(rows)
    data = build_hetero(_table(rows))
    model = RingBoost(seed=0).fit(data, np.flatnonzero(data["account"].y.numpy() >= 0))
    return rows, model, unlabelled


@pytest.fixture(scope="module")
def trained() -> tuple[list[list[Any]], RingBoost, set[str]]:
    return train_planted()


def live_model(trained: tuple[list[list[Any]], RingBoost, set[str]]) -> GnnRiskModel:
    rows, model, _ = trained
    table = _table(rows)
    risk = GnnRiskModel(model, "v-online")
    risk.refresh(build_hetero(table), table)
    return risk


def test_a_new_account_in_a_known_ring_scores_high_at_once(trained: tuple) -> None:
    risk = live_model(trained)
    ts = _ring_end(trained[0], 1) + 3_600_000
    rows = _newcomer_rows(1, "new-mule", ts) + _legit_newcomer_rows("new-legit", ts)
    risk.observe(_events(rows))
    got = risk.score_accounts(["new-mule", "new-legit"])
    assert got["new-mule"] != risk.cold_score
    legit = [s for a, s in risk.scores.items() if a.startswith("L")]
    assert got["new-mule"] > np.quantile(legit, 0.95)
    assert got["new-legit"] < got["new-mule"]


def test_without_a_live_graph_new_accounts_get_the_median(trained: tuple) -> None:
    rows, model, _ = trained
    risk = GnnRiskModel(model, "v-batch")
    risk.refresh(build_hetero(_table(rows)))
    risk.observe(_events(_newcomer_rows(1, "new-mule", _ring_end(rows, 1))))
    assert risk.score_accounts(["new-mule"]) == {"new-mule": risk.cold_score}


def test_piece_features_of_a_changed_account_match_a_full_export(trained: tuple) -> None:
    rows, _, _ = trained
    table = _table(rows)
    live = LiveGraph(table, build_hetero(table))
    extra = _logged(_newcomer_rows(3, "new-mule", _ring_end(rows, 3) + 60_000))
    touched = live.observe(extra)
    assert {"new-mule", "R3-0"} <= touched
    piece, positions = live.subgraph(["new-mule", "R3-0"])
    full = build_hetero(_table(rows + extra))
    index = {a: i for i, a in enumerate(full["account"].ids)}
    for account, pos in zip(["new-mule", "R3-0"], positions, strict=True):
        np.testing.assert_allclose(
            piece["account"].x[pos].numpy(), full["account"].x[index[account]].numpy(), rtol=1e-5
        )
    # the piece is the neighbourhood, not the graph
    assert piece["account"].num_nodes < full["account"].num_nodes / 4


def _event(row: list[Any]) -> dict[str, Any]:
    """An edge-log row back into the event it came from (the planted phone as an email:
    phones keep only their digits, which would merge ``p-L1`` and ``p-R1``)."""
    if row[0] == "a":
        return {"event": "account", "account_id": row[1], "opened_at": row[2], "email": row[3]}
    _, tx_id, ts, kind, amount, sender, receiver, device, ip, _card, country, label = row
    ev: dict[str, Any] = {
        "tx_id": tx_id,
        "ts": ts,
        "kind": kind,
        "amount": amount,
        "account_id": sender,
        "device_id": device,
        "ip": ip,
        "country": country,
        "label": label,
    }
    ev["counterparty_id" if kind == "transfer" else "merchant_id"] = receiver
    return {k: v for k, v in ev.items() if v is not None}


def _unpaired_neighbours(rows: list[list[Any]]) -> tuple[str, str]:
    """Two legit accounts sharing an IP (``L2i``, ``L2i+1``) that never transferred between
    themselves: the only path between them is the IP."""
    pairs = {frozenset((r[5], r[6])) for r in rows if r[0] == "t" and r[3] == "transfer"}
    for i in range(0, 240, 2):
        a, b = f"L{i}", f"L{i + 1}"
        if frozenset((a, b)) not in pairs:
            return a, b
    raise AssertionError("no such pair")


def test_an_account_with_many_ips_brings_the_sharers_of_its_latest_only(trained: tuple) -> None:
    rows, _, _ = trained
    account, sharer = _unpaired_neighbours(rows)
    old_ip = next(r[8] for r in rows if r[0] == "t" and r[5] == account)
    now = max(r[2] for r in rows if r[0] == "t")
    extra = _logged(
        [  # the old, shared IP once more, then three new IPs after it
            ["t", f"hop{k}", now + k * 60_000, "payment", 5.0, account, "m1", f"d-{account}"]
            + [ip, None, "US", None]
            for k, ip in enumerate([old_ip, "ip-hop1", "ip-hop2", "ip-hop3"])
        ]
    )
    pieces = {}
    for cap in (3, 25):
        table = _table(rows)
        live = LiveGraph(table, build_hetero(table), entity_cap=cap)
        live.observe(extra)
        piece, _ = live.piece([account])
        names = {t: [live.keys[t][g] for g in piece.order[t].tolist()] for t in ("account", "ip")}
        pieces[cap] = piece, names
    assert sharer in pieces[25][1]["account"]
    assert sharer not in pieces[3][1]["account"]  # its IP is the account's 4th latest
    # the IP not expanded still has the features of a full export: computed from all its rows
    full = build_hetero(_table(rows + extra))
    piece, names = pieces[3]
    np.testing.assert_array_equal(
        piece.arrays.x["ip"][names["ip"].index(old_ip)],
        full["ip"].x[full["ip"].ids.index(old_ip)].numpy(),
    )
