"""Time for a big ring to render and settle in the investigator UI: a ~500-node ring (goal <= 2 s)
and a 2,000-node ring (goal <= 1 s).

Starts an embedded FalkorDB, seeds each ring (accounts sharing devices, each also sending money
to another member), serves the real app with uvicorn, opens the ring in headless Debian Chromium
and reads the UI's own timings (``window.__ringscope.render``): the GraphQL fetch (the API's
time), then drawing and settling the layout (the UI's time, which the goal is about). From 400
nodes the view lays the graph out in one pass and draws it still (``biglayout.js``); below, the
physics layout stabilises. Also times a pan/zoom frame after the layout is frozen, and the main
thread's CPU time to open the ring again (Chrome's ``ThreadTime``: unlike the wall-clock figures
it does not grow when other processes share the CPU). Prints one JSON line per ring size.

usage: python -m benchmarks.ui_render [--runs N] [--sizes 420x80,1700x300]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from core.settings import load_settings  # noqa: E402
from graph.embedded import EmbeddedFalkorDB  # noqa: E402
from graph.falkordb_store import FalkorStore  # noqa: E402
from ringscope.bootstrap import create_app  # noqa: E402
from tests.ui.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.ui.seed import seed_large  # noqa: E402
from tests.ui.server import serve  # noqa: E402

RENDERED = "() => window.__ringscope.render && window.__ringscope.render.done"
FRAME = """() => new Promise((resolve) => {
  const net = window.__ringscope.view.network; const t0 = performance.now();
  net.once("afterDrawing", () => resolve(performance.now() - t0));
  net.moveTo({ scale: net.getScale() * 1.1 });
})"""
REOPEN = """(id) => { window.__ringscope.render = null; window.__ringscope.view.openRing(id); }"""


def thread_ms(cdp: Any) -> float:
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return 1000.0 * next(m["value"] for m in metrics if m["name"] == "ThreadTime")


def run_once(browser: Any, url: str, ring_id: str) -> dict[str, Any]:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    t0 = time.perf_counter()
    page.goto(f"{url}/#/ring/{ring_id}")
    page.wait_for_function(RENDERED, timeout=120_000)
    wall = time.perf_counter() - t0
    render = page.evaluate("() => window.__ringscope.render")
    frame = page.evaluate(FRAME)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    before = thread_ms(cdp)
    page.evaluate(REOPEN, ring_id)
    page.wait_for_function(RENDERED, timeout=120_000)
    cpu = thread_ms(cdp) - before
    page.close()
    return {**render, "page_wall_s": wall, "frame_ms": frame, "reopen_cpu_ms": cpu}


def summary(runs: list[dict[str, Any]], goal_ms: int) -> dict[str, Any]:
    med = lambda key: round(statistics.median(r[key] for r in runs), 1)  # noqa: E731
    return {
        "benchmark": "ui_render",
        "nodes": runs[0]["nodes"],
        "edges": runs[0]["edges"],
        "runs": len(runs),
        "fetch_ms_p50": med("fetchMs"),
        "first_draw_ms_p50": med("drawMs"),
        "render_and_stabilise_ms_p50": med("renderMs"),
        "render_and_stabilise_ms_max": round(max(r["renderMs"] for r in runs), 1),
        "fetch_render_and_stabilise_ms_p50": med("stabilizedMs"),
        "stabilisation_iterations": runs[0]["iterations"],
        "frame_after_layout_ms_p50": med("frame_ms"),
        "reopen_main_thread_cpu_ms_p50": med("reopen_cpu_ms"),
        "page_load_to_stable_s_p50": round(statistics.median(r["page_wall_s"] for r in runs), 2),
        "goal_ms": goal_ms,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--sizes",
        default="420x80,1700x300",
        help="rings to time, each ACCOUNTSxDEVICES (nodes = accounts + devices)",
    )
    args = parser.parse_args()
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp, EmbeddedFalkorDB(tmp) as db:
        store = FalkorStore(db.url, "bench-ui")
        store.ensure_schema()
        rings = [
            seed_large(store, accounts, devices, f"ring-bench-{accounts + devices}")
            for accounts, devices in sizes
        ]
        settings = load_settings(falkordb_url=db.url, graph="bench-ui", host="127.0.0.1")
        results = []
        with serve(create_app(settings, store=store)) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for ring_id in rings:
                runs = [run_once(browser, url, ring_id) for _ in range(args.runs)]
                results.append(summary(runs, 1000 if runs[0]["nodes"] > 1000 else 2000))
            browser.close()
        store.redis.delete("bench-ui")
        store.close()
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
