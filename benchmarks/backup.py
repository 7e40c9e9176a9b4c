"""Backup and restore speed: one JSON line with sizes and seconds.

python -m benchmarks.backup [transactions]
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from core.settings import load_settings
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from ringscope.backup import create_backup, restore_backup
from ringscope.bootstrap import build_pipeline


def events(n: int, accounts: int) -> list[str]:
    rng = random.Random(3)
    out = []
    for i in range(n):
        a, b = rng.randrange(accounts), rng.randrange(accounts)
        out.append(
            json.dumps(
                {
                    "tx_id": f"t{i}",
                    "ts": 1_700_000_000_000 + i,
                    "kind": "transfer",
                    "amount": 10.0,
                    "account_id": f"a{a}",
                    "counterparty_id": f"a{b}",
                    "device_id": f"d{a % 5000}",
                }
            )
        )
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedFalkorDB(Path(tmp) / "a") as a,
        EmbeddedFalkorDB(Path(tmp) / "b") as b,
    ):
        settings = load_settings(falkordb_url=a.url, data_dir=Path(tmp) / "data")
        store = FalkorStore(a.url, settings.graph)
        store.ensure_schema()
        pipeline = build_pipeline(settings, store, scoring=False)
        raw = events(n, max(n // 5, 10))
        for start in range(0, n, 5000):
            pipeline.process_raw(raw[start : start + 5000])
        path = Path(tmp) / "backup.tar"
        t0 = time.perf_counter()
        manifest = create_backup(settings, store, path)
        t1 = time.perf_counter()
        target = FalkorStore(b.url, settings.graph)
        restore_backup(settings.model_copy(update={"falkordb_url": b.url}), target, path)
        t2 = time.perf_counter()
        print(
            json.dumps(
                {
                    "benchmark": "backup_restore",
                    "transactions": n,
                    "accounts": manifest["counts"].get("Account"),
                    "keys": len(manifest["keys"]),
                    "bytes": path.stat().st_size,
                    "backup_s": round(t1 - t0, 3),
                    "restore_s": round(t2 - t1, 3),
                }
            )
        )


if __name__ == "__main__":
    main()
