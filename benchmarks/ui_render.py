"""Time for a ~500-node ring to render and stabilise in the investigator UI (goal <= 2 s).

Starts an embedded FalkorDB, seeds a 500-node ring (420 accounts sharing 80 devices), serves
the real app with uvicorn, opens the ring in headless Debian Chromium and reads the UI's own
timings (``window.__ringscope.render``): the GraphQL fetch (the API's time), then drawing and
stabilising the layout (the UI's time, which the goal is about). Also
times a pan/zoom frame after the layout is frozen. Prints one JSON line.

usage: python -m benchmarks.ui_render [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedFalkorDB(tmp) as db:
        store = FalkorStore(db.url, "bench-ui")
        store.ensure_schema()
        ring_id = seed_large(store)
        settings = load_settings(falkordb_url=db.url, graph="bench-ui", host="127.0.0.1")
        runs = []
        with serve(create_app(settings, store=store)) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for _ in range(args.runs):
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                t0 = time.perf_counter()
                page.goto(f"{url}/#/ring/{ring_id}")
                page.wait_for_function(RENDERED, timeout=60_000)
                wall = time.perf_counter() - t0
                render = page.evaluate("() => window.__ringscope.render")
                frame = page.evaluate(FRAME)
                runs.append({**render, "page_wall_s": wall, "frame_ms": frame})
                page.close()
            browser.close()
        store.redis.delete("bench-ui")
        store.close()
    med = lambda key: round(statistics.median(r[key] for r in runs), 1)  # noqa: E731
    print(
        json.dumps(
            {
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
                "page_load_to_stable_s_p50": round(
                    statistics.median(r["page_wall_s"] for r in runs), 2
                ),
                "goal_ms": 2000,
            }
        )
    )


if __name__ == "__main__":
    main()
