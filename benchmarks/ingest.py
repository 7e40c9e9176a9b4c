"""Ingest speed on real-world shapes, against the raw FalkorDB ceiling in the same run.

Generates bank-like traffic (``benchmarks.bankgen.generate_bank``): payment IPs change from
session to session (most are distinct), each account has a few devices (some shared), and
counterparties and merchants have a long tail, so most sender/receiver pairs occur once. Then,
on one fresh embedded FalkorDB:

1. ``ringscope ingest`` of the file (the append path), timed, with the loader's peak RSS;
2. the same again (every transaction already applied: exactly-once, counts unchanged);
3. ``ringscope ingest --bulk`` of the same file into an empty graph (unless ``--no-bulk``);
4. a raw ``UNWIND ... CREATE`` of the same rows in batches of 5,000 (what
   ``shared/checks/raw_ingest.py`` does): the ceiling;
5. where the time goes: Python parse and plan per transaction (no server), and ``GRAPH.PROFILE``
   of one append batch (server time per operation).

Each timed run starts after a fresh AOF rewrite of the embedded server (``settle_aof``), so an
automatic rewrite left due by earlier runs does not land in it; ``aof_rewrites_in_timed_runs``
counts those that still did. Prints one JSON line.

usage: python -m benchmarks.ingest [--accounts 20000] [--tx-per-account 12] [--large]
       [--before DIR] [--no-bulk] [--data DIR]
       [--from DATADIR] [--repeat N]
       (--large: 1M accounts, 2 tx per account; --before: also run the append and bulk paths of
       an older checkout, e.g. ``git archive <commit> | tar -x -C DIR``, in the same run;
       --from: load DATADIR/transactions.jsonl, e.g. an ``ingest.amlgen`` data set;
       --repeat: N interleaved rounds of the timed runs, with the medians of their ratios)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis
from falkordb import FalkorDB

from benchmarks.bankgen import generate_bank, shape
from graph.embedded import EmbeddedFalkorDB

RAW = (
    "UNWIND $rows AS r CREATE (:Tx {id: r.tx_id, ts: r.ts, amount: r.amount, kind: r.kind, "
    "account: r.account_id, other: coalesce(r.counterparty_id, r.merchant_id, ''), "
    "device: coalesce(r.device_id, '')})"
)
REWRITES_IN_TIMED_RUNS = [0]  # automatic AOF rewrites that fell inside a timed ingest run


def settle_aof(port: int) -> None:
    """Rewrite the server's AOF now and wait for it: an automatic rewrite (a forked child that
    dumps every graph, 0.5-0.9 s of CPU on 2 cores) then does not fall on whichever timed run
    happens to cross the growth threshold left by the runs before it."""
    client = redis.Redis(port=port)
    try:
        while _rewriting(client):  # one already running: BGREWRITEAOF would only schedule one
            time.sleep(0.05)
        client.bgrewriteaof()
        while _rewriting(client):
            time.sleep(0.05)
    finally:
        client.close()


def _rewriting(client: redis.Redis[Any]) -> bool:
    info = client.info("persistence")
    return bool(info["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"])


def aof_rewrites(port: int) -> int:
    return int(redis.Redis(port=port).info("persistence")["aof_rewrites"])


def server_cpu(port: int) -> float:
    """CPU seconds the FalkorDB server has used so far (user + system, all threads)."""
    info = redis.Redis(port=port).info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def run_ingest(
    url: str, graph: str, data: Path, *extra: str, code: Path | None = None
) -> tuple[float, float, float]:
    """Seconds, peak RSS (MiB, largest loader process) and loader CPU seconds (all its
    processes) of one ``ringscope ingest`` (of the code in ``code``, if given)."""
    port = int(url.rsplit(":", 1)[1])
    settle_aof(port)
    rewrites = aof_rewrites(port)
    env = {**os.environ, "FALKORDB_URL": url, "RINGSCOPE_GRAPH": graph}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ringscope", "ingest", str(data.resolve()), *extra],
        env=env,
        cwd=code,  # ``-m`` puts the working directory first on the path, before PYTHONPATH
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"ringscope ingest {' '.join(extra)} failed:\n{err[-3000:]}")
    REWRITES_IN_TIMED_RUNS[0] += aof_rewrites(port) - rewrites
    # wait4's figures cover the process and the loader processes it waited for; ru_maxrss is
    # the largest one's peak (RUSAGE_CHILDREN would carry the peaks of earlier runs)
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def counts(port: int, graph: str) -> dict[str, int]:
    g = FalkorDB(host="127.0.0.1", port=port).select_graph(graph)
    out = {}
    for label in ("Transaction", "Account", "Merchant", "Device", "IP"):
        out[label] = g.ro_query(f"MATCH (n:{label}) RETURN count(n)").result_set[0][0]
    for rel in ("TRANSFERRED", "PAID", "REFUNDED"):
        out[rel] = g.ro_query(f"MATCH ()-[r:{rel}]->() RETURN sum(r.count)").result_set[0][0] or 0
    for rel in ("USED", "FROM_IP"):
        out[rel] = g.ro_query(f"MATCH ()-[r:{rel}]->() RETURN count(r)").result_set[0][0]
    return out


def raw_rate(port: int, path: Path) -> float:
    rows = [json.loads(line) for line in open(path)]
    settle_aof(port)
    g = FalkorDB(host="127.0.0.1", port=port).select_graph("raw_ceiling")
    g.query("CREATE (:X {id: 0})")
    t = time.perf_counter()
    for i in range(0, len(rows), 5000):
        g.query(RAW, {"rows": rows[i : i + 5000]})
    dt = time.perf_counter() - t
    g.delete()
    return len(rows) / dt


def python_side(path: Path, batch: int = 20_000, limit: int = 100_000) -> dict[str, float]:
    """Microseconds per transaction (no server) to parse+validate and to plan event by event,
    and to read and plan column by column (what the append path does with a clean batch; a
    batch the columnar reader declines counts as parse+plan)."""
    from graph.batch import plan_batch
    from graph.bulkcolumns import batch_plan
    from ingest.columnar import read_clean
    from ingest.loader_process import loader_gc
    from ingest.pipeline import Pipeline

    lines = []
    with open(path) as fh:
        for line in fh:
            lines.append(line)
            if len(lines) >= limit:
                break
    pipe = Pipeline(None, "salt")  # type: ignore[arg-type]  # parse needs no store
    t_parse = t_plan = t_columns = 0.0
    with loader_gc():
        for i in range(0, len(lines), batch):
            t = time.perf_counter()
            events, _ = pipe.parse(lines[i : i + batch])
            t_parse += time.perf_counter() - t
            t = time.perf_counter()
            plan_batch(events, set())
            t_plan += time.perf_counter() - t
            t = time.perf_counter()
            table = read_clean(lines[i : i + batch], pipe.max_event_bytes)
            if table is None:
                plan_batch(pipe.parse(lines[i : i + batch])[0], set())
            else:
                batch_plan(table, lines[i : i + batch])
            t_columns += time.perf_counter() - t
    n = len(lines)
    return {
        "parse_us_per_tx": round(t_parse / n * 1e6, 2),
        "plan_us_per_tx": round(t_plan / n * 1e6, 2),
        "columnar_us_per_tx": round(t_columns / n * 1e6, 2),
    }


def profile_batch(url: str, graph: str, path: Path, skip: int, size: int) -> dict[str, Any]:
    """``GRAPH.PROFILE`` of the append path's queries for one batch of transactions the graph
    has not seen (lines ``skip .. skip+size`` of a second file), per operation (ms)."""
    from graph.falkordb_store import FalkorStore
    from ingest.pipeline import Pipeline

    lines = []
    with open(path) as fh:
        for i, line in enumerate(fh):
            if i >= skip + size:
                break
            if i >= skip:
                lines.append(line)
    store = FalkorStore(url, graph)
    store.profile = {}
    try:
        events, _ = Pipeline(store, "salt").parse(lines)
        store.apply_batch(events)
        return {
            name: {k: round(v, 2) for k, v in sorted(ops.items(), key=lambda kv: -kv[1])[:8]}
            for name, ops in store.profile.items()
        }
    finally:
        store.close()


def rounds(
    server: EmbeddedFalkorDB,
    data: Path,
    n: int,
    args: argparse.Namespace,
    first: dict[str, float | None],
) -> dict[str, Any]:
    """``args.repeat`` rounds of the timed runs (the first is main's), each on fresh graphs
    that are deleted after it, interleaved so that the load of the machine falls on all
    alike; seconds per round, and the medians of the per-round ratios."""
    runs: dict[str, list[float | None]] = {name: [value] for name, value in first.items()}
    plan = [("append", (), None), ("bulk", ("--bulk",), None)]
    if args.before:
        plan += [("before_append", (), args.before), ("before_bulk", ("--bulk",), args.before)]
    client = redis.Redis(port=server.port)
    for i in range(1, args.repeat):
        for name in runs.keys() - {"raw"} - {name for name, _, _ in plan}:
            runs[name].append(None)  # not measured (no --before)
        for name, extra, code in plan:
            if runs[name][0] is None:
                runs[name].append(None)
                continue
            graph = f"round{i}_{name}"
            runs[name].append(run_ingest(server.url, graph, data, *extra, code=code)[0])
            client.delete(graph, *client.keys(f"ringscope:{graph}:*"))
        runs["raw"].append(n / raw_rate(server.port, data))
    client.close()
    out: dict[str, Any] = {
        k: [None if v is None else round(v, 2) for v in vs] for k, vs in runs.items()
    }

    def median_of(top: str, bottom: str) -> float | None:
        pairs = [b / t for t, b in zip(runs[top], runs[bottom], strict=True) if t and b is not None]
        return round(statistics.median(pairs), 3) if pairs else None

    out["median_ratio"] = median_of("append", "raw")  # raw seconds / append seconds
    out["median_bulk_over_append"] = median_of("bulk", "append")
    out["median_before_ratio"] = median_of("before_append", "raw")
    out["median_before_bulk_over_append"] = median_of("before_bulk", "before_append")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--tx-per-account", type=float, default=12)
    parser.add_argument("--large", action="store_true", help="1M accounts, 2 tx per account")
    parser.add_argument("--no-bulk", action="store_true", help="skip the --bulk run")
    parser.add_argument("--data", type=Path, help="keep the data set in this directory")
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="load DIR/transactions.jsonl (e.g. an ingest.amlgen data set) instead of generating",
    )
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of older code: its append path is measured in the same run",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of timed runs (append, bulk, their --before twins, raw), interleaved; "
        "reports each round and the medians (a loaded 2-core machine moves one run by 25%%)",
    )
    args = parser.parse_args()
    if args.large:
        args.accounts, args.tx_per_account = 1_000_000, 2
    with tempfile.TemporaryDirectory() as tmp:
        extra = Path(tmp) / "extra.jsonl"
        generate_bank(args.accounts, 0.5, extra, seed=2, prefix="x")  # unseen tx_ids
        if args.source:
            data = args.source / "transactions.jsonl"
            described = str(data)
        else:
            data = (args.data or Path(tmp)) / "transactions.jsonl"  # a data dir, as checks/ read
            data.parent.mkdir(parents=True, exist_ok=True)
            generate_bank(args.accounts, args.tx_per_account, data)
            described = f"generate_bank({args.accounts}, {args.tx_per_account})"
        out: dict[str, Any] = {"data": described, "load_average": os.getloadavg()[0], **shape(data)}
        n = out["transactions"]
        out["python"] = python_side(data)
        with EmbeddedFalkorDB(Path(tmp) / "db") as server:
            cpu0 = server_cpu(server.port)
            seconds, rss, cpu = run_ingest(server.url, "bench", data)
            out["ingest_tx_per_s"] = round(n / seconds)
            out["ingest_peak_rss_mib"] = round(rss)
            out["ingest_cpu_us_per_tx"] = {
                "loader": round(cpu / n * 1e6),
                "server": round((server_cpu(server.port) - cpu0) / n * 1e6),
            }
            first = counts(server.port, "bench")
            seconds2, _, _ = run_ingest(server.url, "bench", data)
            out["again_seconds"] = round(seconds2, 1)
            out["counts"] = first
            out["counts_exact_after_again"] = counts(server.port, "bench") == first
            if first["Transaction"] != n:
                raise SystemExit(f"ingest loaded {first['Transaction']} transactions, expected {n}")
            out["profile_ms"] = profile_batch(server.url, "bench", extra, 0, 10_000)
            if args.before:
                cpu0 = server_cpu(server.port)
                seconds0, rss0, cpu_0 = run_ingest(server.url, "before", data, code=args.before)
                out["before"] = {
                    "tx_per_s": round(n / seconds0),
                    "peak_rss_mib": round(rss0),
                    "cpu_us_per_tx": {
                        "loader": round(cpu_0 / n * 1e6),
                        "server": round((server_cpu(server.port) - cpu0) / n * 1e6),
                    },
                    "counts_equal": counts(server.port, "before") == first,
                }
            if not args.no_bulk:
                cpu0 = server_cpu(server.port)
                seconds3, rss3, cpu3 = run_ingest(server.url, "bulk", data, "--bulk")
                out["bulk_tx_per_s"] = round(n / seconds3)
                out["bulk_cpu_us_per_tx"] = {
                    "loader": round(cpu3 / n * 1e6),
                    "server": round((server_cpu(server.port) - cpu0) / n * 1e6),
                }
                out["bulk_peak_rss_mib"] = round(rss3)
                out["bulk_counts_equal"] = counts(server.port, "bulk") == first
                out["bulk_over_append"] = round(seconds / seconds3, 2)
                if args.before:
                    cpu0 = server_cpu(server.port)
                    seconds4, rss4, cpu4 = run_ingest(
                        server.url, "bulk_before", data, "--bulk", code=args.before
                    )
                    out["before"]["bulk_tx_per_s"] = round(n / seconds4)
                    out["before"]["bulk_peak_rss_mib"] = round(rss4)
                    out["before"]["bulk_cpu_us_per_tx"] = {
                        "loader": round(cpu4 / n * 1e6),
                        "server": round((server_cpu(server.port) - cpu0) / n * 1e6),
                    }
                    out["before"]["bulk_counts_equal"] = counts(server.port, "bulk_before") == first
                    out["before"]["bulk_over_append"] = round(seconds0 / seconds4, 2)
            raw = raw_rate(server.port, data)
            if args.repeat > 1:
                first_round = {
                    "append": seconds,
                    "bulk": None if args.no_bulk else seconds3,
                    "before_append": seconds0 if args.before else None,
                    "before_bulk": seconds4 if args.before and not args.no_bulk else None,
                    "raw": n / raw,
                }
                out["rounds"] = rounds(server, data, n, args, first_round)
        out["aof_rewrites_in_timed_runs"] = REWRITES_IN_TIMED_RUNS[0]
        out["raw_create_rows_per_s"] = round(raw)
        out["ratio"] = round(out["ingest_tx_per_s"] / raw, 3)
        if "before" in out:
            out["before"]["ratio"] = round(out["before"]["tx_per_s"] / raw, 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
