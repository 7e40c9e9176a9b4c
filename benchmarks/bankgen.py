"""Bank-like traffic with real-world cardinality, the shape of #14's hidden set, for the ingest
benchmark (benchmarks/ingest.py): ``generate_bank`` writes it, ``shape`` counts what matters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson

_T0 = 1_767_225_600_000  # 2026-01-01 UTC, epoch ms


def generate_bank(
    accounts: int, tx_per_account: float, path: Path, seed: int = 1, prefix: str = "t"
) -> int:
    """Bank-like transactions as JSONL (30 days); returns the count.

    Shapes: transfers 35%, payments 50%, withdrawals/deposits 10%, refunds 5%; 85% of payments
    and 40% of other transactions come from a fresh per-session IP, the rest from one of the
    account's two home IPs; 1-3 devices per account from a pool of 0.9 per account (so a few
    are shared); counterparties and merchants drawn from Zipf-like long tails.
    """
    rng = np.random.default_rng(seed)
    n = int(accounts * tx_per_account)
    merchants = max(500, accounts // 4)
    devices = max(100, int(accounts * 0.9))
    acct = rng.integers(0, accounts, n)
    kind = rng.choice(5, n, p=[0.35, 0.50, 0.05, 0.05, 0.05])
    # long tails: rank r drawn with weight ~ 1/(r+10)
    cp = (rng.pareto(1.1, n) * accounts / 50).astype(np.int64) % accounts
    cp = np.where(cp == acct, (cp + 1) % accounts, cp)
    mer = (rng.pareto(1.0, n) * merchants / 40).astype(np.int64) % merchants
    dev_slot = rng.integers(0, 3, n)
    n_dev = 1 + (np.arange(accounts) * 7919 % 3)  # 1..3 devices per account
    dev = (acct * 3 + np.minimum(dev_slot, n_dev[acct] - 1)) % devices
    fresh_ip = rng.random(n) < np.where(kind == 1, 0.85, 0.40)
    session_ip = rng.integers(0, 2**32, n, dtype=np.uint64)
    home_ip = (acct.astype(np.uint64) * 2 + rng.integers(0, 2, n).astype(np.uint64)) * 2654435761
    ip = np.where(fresh_ip, session_ip, home_ip % (2**32))
    ts = _T0 + np.sort(rng.integers(0, 30 * 86_400_000, n))
    amount = np.round(np.exp(rng.normal(3.5, 1.2, n)) + 0.5, 2)
    has_device = rng.random(n) < 0.9
    kinds = ("transfer", "payment", "withdrawal", "deposit", "refund")
    with open(path, "wb") as fh:
        for i in range(n):
            k = int(kind[i])
            e: dict[str, Any] = {
                "tx_id": f"{prefix}{i:09d}",
                "ts": int(ts[i]),
                "kind": kinds[k],
                "amount": float(amount[i]),
                "account_id": f"a{acct[i]}",
            }
            if k == 0:
                e["counterparty_id"] = f"a{cp[i]}"
            elif k in (1, 4):
                e["merchant_id"] = f"m{mer[i]}"
            if has_device[i]:
                e["device_id"] = f"d{dev[i]}"
            v = int(ip[i])
            e["ip"] = f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"
            e["country"] = "GB"
            fh.write(orjson.dumps(e) + b"\n")
    return n


def shape(path: Path) -> dict[str, int]:
    ips, devs, pairs, n = set(), set(), set(), 0
    for line in open(path, "rb"):
        e = orjson.loads(line)
        n += 1
        ips.add(e.get("ip"))
        devs.add(e.get("device_id"))
        other = e.get("counterparty_id") or e.get("merchant_id")
        if other:
            pairs.add((e["account_id"], other))
    return {
        "transactions": n,
        "distinct_ips": len(ips),
        "devices": len(devs) - (None in devs),
        "distinct_pairs": len(pairs),
    }
