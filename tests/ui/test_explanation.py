"""The model's explanation in the investigator UI: the side panel shows the model, the top
features and the edges, and the graph draws those edges thick and coloured. Real Chromium, the
real app on a real FalkorDB, a RingBoost model trained and registered on planted rings."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import load_settings
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app
from tests.gnn.planted import planted_rows
from tests.gnn.test_gnn import _events
from tests.ui.conftest import ARTIFACTS
from tests.ui.seed import write_ring
from tests.ui.server import serve
from tests.ui.test_investigator_ui import RENDERED, node_point, open_ring

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

EXPLAIN_COLOR = "#2dd4bf"  # js/explainview.js


@pytest.fixture
def member(store: FalkorStore, tmp_path: Path) -> tuple[str, Path]:
    from ringscope.models import train_model

    rows, _, unlabelled = planted_rows(legit=40, rings=2, size=5, seed=4)
    store.apply_batch(_events(rows))
    settings = load_settings(data_dir=tmp_path, graph=store.graph_name)
    train_model(settings, store, "ring_boost", seed=0, time_split=False)
    ring = sorted(unlabelled)
    write_ring(
        store,
        "ring-explained",
        [(m, 90.0, "member") for m in ring],
        score=90.0,
        typologies=["shared_device"],
        reasons=["shared device"],
        evidence={},
        now_ms=int(time.time() * 1000),
    )
    return ring[0], tmp_path


@pytest.fixture
def app_url(
    falkordb: EmbeddedFalkorDB, store: FalkorStore, member: tuple[str, Path]
) -> Iterator[str]:
    settings = load_settings(
        falkordb_url=falkordb.url, graph=store.graph_name, host="127.0.0.1", data_dir=member[1]
    )
    with serve(create_app(settings, store=store)) as url:
        yield url


def _highlighted(page: Any, keys: list[str]) -> dict[str, Any]:
    return page.evaluate(  # type: ignore[no-any-return]
        """(keys) => {
          const edges = window.__ringscope.view.visEdges;
          const all = edges.get().filter((e) => !keys.includes(e.id) && !String(e.id).startsWith("fold|"));
          return {
            explained: keys.map((k) => { const e = edges.get(k); return e && { width: e.width, color: e.color.color, hidden: e.hidden }; }),
            others: all.map((e) => ({ width: e.width, color: e.color.color })),
          };
        }""",
        keys,
    )


def _assert_highlighted(styles: dict[str, Any]) -> None:
    for style in styles["explained"]:
        assert style and not style["hidden"] and style["color"] == EXPLAIN_COLOR
        assert style["width"] >= 3
    assert all(s["color"] != EXPLAIN_COLOR for s in styles["others"])


def test_ring_graph_highlights_a_clicked_members_explanation(
    page: Any, member: tuple[str, Path]
) -> None:
    account = member[0]
    open_ring(page, "ring-explained")
    x, y = node_point(page, account)
    page.mouse.click(x, y)
    page.locator("#side-panel #model-explanation ol.explain-edges").wait_for(timeout=60_000)
    page.wait_for_function(
        "(id) => window.__ringscope.explained?.account === id", arg=account, timeout=10_000
    )
    explained = page.evaluate("() => window.__ringscope.explained")
    _assert_highlighted(_highlighted(page, explained["edges"]))
    ARTIFACTS.mkdir(exist_ok=True)
    box = page.locator("#graph canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] - 20, box["y"] + 80)  # off the member: no hover
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "model-explanation-ring.png"))


def test_account_view_explains_the_score_and_highlights_its_edges(
    page: Any, member: tuple[str, Path]
) -> None:
    account = member[0]
    page.goto(f"{page.base_url}/#/account/{account}", wait_until="networkidle")
    page.wait_for_function(RENDERED, timeout=30_000)
    panel = page.locator("#side-panel #model-explanation")
    panel.locator("table.explain-features").wait_for(timeout=60_000)
    page.wait_for_function("() => window.__ringscope.explained", timeout=10_000)
    explained = page.evaluate("() => window.__ringscope.explained")
    assert explained["account"] == account and explained["edges"]
    text = panel.inner_text()
    assert "ring_boost" in text and "AUC" in text
    assert panel.locator("table.explain-features tr").count() >= 1
    assert panel.locator("ol.explain-edges li").count() == len(explained["edges"])
    _assert_highlighted(_highlighted(page, explained["edges"]))
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "model-explanation.png"))
    panel.screenshot(path=str(ARTIFACTS / "model-explanation-panel.png"))
