"""The investigator UI in real Chromium against the real API and FalkorDB."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis

from core.settings import load_settings
from graph.cypher import load_query
from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app, key_store
from tests.ui.conftest import ARTIFACTS
from tests.ui.seed import XSS_ID
from tests.ui.server import serve

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

RENDERED = "() => window.__ringscope.render && window.__ringscope.render.done"


def open_ring(page: Any, ring_id: str) -> dict[str, Any]:
    page.goto(page.base_url + "/", wait_until="networkidle")
    page.locator(f'[data-ring-id="{ring_id}"]').click()
    page.wait_for_function(RENDERED, timeout=20_000)
    return page.evaluate("() => window.__ringscope.render")


def node_point(page: Any, node_id: str) -> tuple[float, float]:
    """Where a graph node is drawn, in page coordinates."""
    box = page.locator("#graph canvas").bounding_box()
    pos = page.evaluate(
        """(id) => { const v = window.__ringscope.view; const p = v.network.getPositions([id])[id];
                     return v.network.canvasToDOM(p); }""",
        node_id,
    )
    return box["x"] + pos["x"], box["y"] + pos["y"]


def publish_alert(store: FalkorStore, alert: dict[str, Any]) -> None:
    """As ingest does (docs/contracts.md): XADD to the `alerts` stream and PUBLISH on `alerts`."""
    client = redis.Redis.from_url(store.url)
    payload = orjson.dumps(alert)
    client.xadd("alerts", {"alert": payload})
    client.publish("alerts", payload)
    client.close()


def test_overview_shows_rings_kpis_and_a_live_alert(page: Any, store: FalkorStore) -> None:
    page.goto(page.base_url + "/", wait_until="networkidle")
    rows = page.locator("#rings-table tbody tr[data-ring-id]")
    rows.first.wait_for()
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.ringId)") == [
        "ring-ui-shared",
        "ring-ui-refund",
    ]
    page.wait_for_function("() => document.querySelectorAll('#kpis .kpi').length === 6")
    assert page.locator("#kpis .kpi .value").first.inner_text() != "–"
    assert page.locator("#chart-risk svg rect").count() == 10
    page.locator("#live-status.ready").wait_for(timeout=10_000)
    alert_id = f"alert-ui-{time.time_ns()}"
    publish_alert(
        store,
        {
            "id": alert_id,
            "kind": "TRANSACTION",
            "score": 93.0,
            "createdAt": "2026-01-01T00:00:00+00:00",
            "accountId": XSS_ID,
            "transactionId": "t-live-1",
            "ringId": None,
            "reasons": ["velocity_spike"],
            "decision": "block",
        },
    )
    item = page.locator(f'#alert-feed li[data-alert-id="{alert_id}"]')
    item.wait_for(timeout=5_000)
    # The XSS account id arrives as text: no element was made from it and nothing ran.
    assert item.locator(".who").inner_text() == XSS_ID
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("() => window.__xss") is None
    # Sorting by size puts the larger ring last when ascending.
    page.locator("th[data-sort=size]").click()
    page.locator("th[data-sort=size]").click()
    assert rows.first.get_attribute("data-ring-id") == "ring-ui-refund"


def test_ring_graph_expand_and_time_filter(page: Any) -> None:
    render = open_ring(page, "ring-ui-shared")
    assert render["nodes"] == 10 and page.locator("#graph canvas").count() == 1
    # the ring's victim (outside-2, paid by acc-1) is drawn apart from the members
    page.wait_for_function("() => (window.__ringscope.victims ?? []).length === 1")
    # Double-click acc-1: the UI says how many neighbours there are, then loads them on request.
    x, y = node_point(page, "acc-1")
    page.mouse.dblclick(x, y)
    count = page.locator("#graph-status .expand-count")
    count.wait_for(timeout=10_000)
    # four more outside counterparties are new: expansion follows money and shared identifiers,
    # not MEMBER
    assert "4 not shown" in count.inner_text()
    page.locator("#expand-confirm").click()
    page.wait_for_function("() => window.__ringscope.expanded === 4")
    assert page.evaluate("() => window.__ringscope.view.visNodes.length") == 15
    # Only the last two hours: the transfers of three days ago and their accounts drop out.
    now_local = page.evaluate("() => Date.now() - new Date().getTimezoneOffset() * 60000")
    to_input = lambda ms: time.strftime("%Y-%m-%dT%H:%M", time.gmtime(ms / 1000))  # noqa: E731
    page.fill("#time-from", to_input(now_local - 2 * 3_600_000))
    page.fill("#time-to", to_input(now_local + 60_000))
    page.click("#time-apply")
    shown = page.evaluate(
        "() => window.__ringscope.view.visEdges.get({filter: e => !e.hidden && e.id.startsWith('TRANSFERRED')}).length"
    )
    assert shown == 4 + 5  # the cycle's recent half plus acc-1's outgoing transfers
    assert "of 15 nodes shown" in page.locator("#graph-status").inner_text()


def test_verdict_reaches_the_graph(page: Any, store: FalkorStore) -> None:
    open_ring(page, "ring-ui-shared")
    page.click("#ring-confirm")
    page.select_option("#verdict-form select[name=reasonCode]", "money_mule")
    page.fill("#verdict-form textarea[name=note]", "cycle through shared device")
    page.click("#verdict-submit")
    page.wait_for_function("() => window.__ringscope.lastVerdict")
    rows = store.graph.ro_query(load_query("api_verdicts"), {"ids": ["ring-ui-shared"]}).result_set
    assert len(rows) == 1
    props = rows[0][1]
    assert (props["verdict"], props["reason_code"], props["note"]) == (
        "confirmed_fraud",
        "money_mule",
        "cycle through shared device",
    )
    assert "confirmed fraud" in page.locator("#ring-status").text_content()


def test_xss_account_renders_as_text_and_exports(page: Any) -> None:
    open_ring(page, "ring-ui-shared")
    page.fill("#graph-search", XSS_ID)
    page.press("#graph-search", "Enter")
    panel_id = page.locator("#side-panel .node-id")
    panel_id.wait_for()
    assert panel_id.inner_text() == XSS_ID
    page.locator("#side-panel .explain, #side-panel table").first.wait_for(timeout=10_000)
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("() => window.__xss") is None
    with page.expect_download() as dl:
        page.click("#export-graphml")
    graphml = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=window.__xss=1&gt;" in graphml and "<img" not in graphml
    with page.expect_download() as dl:
        page.click("#export-csv")
    csv_text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("element,id,type") and "dev-shared-1" in csv_text


def test_shortest_path_between_two_selected_accounts(page: Any) -> None:
    open_ring(page, "ring-ui-shared")
    page.click("#path-btn")
    for node in ("acc-2", "acc-6"):
        x, y = node_point(page, node)
        page.mouse.click(x, y)
    page.wait_for_function("() => window.__ringscope.path")
    path = page.evaluate("() => window.__ringscope.path")
    assert (
        path[0] == "acc-2" and path[-1] == "acc-6" and len(path) == 3
    )  # via the shared device or IP
    assert "Shortest path: 2 hops" in page.locator("#graph-status").inner_text()


@pytest.fixture
def locked_url(falkordb: Any, store: FalkorStore, seeded: dict[str, Any]) -> Iterator[str]:
    settings = load_settings(
        falkordb_url=falkordb.url, graph=store.graph_name, host="127.0.0.1", api_require_auth=True
    )
    with serve(create_app(settings, store=store)) as url:
        yield url


def test_sign_in_with_an_api_key_when_the_server_requires_one(
    browser: Any, locked_url: str, store: FalkorStore
) -> None:
    token, _ = key_store(store.url).create("investigator", "ui-test")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        page.goto(locked_url + "/", wait_until="networkidle")
        page.locator("#signin-dialog[open]").wait_for(timeout=10_000)
        assert page.locator("[data-ring-id]").count() == 0
        page.fill("#signin-key", token)
        page.click("#signin-form button[value=ok]")
        page.locator('[data-ring-id="ring-ui-shared"]').wait_for(timeout=10_000)
        page.locator("#live-status.ready").wait_for(timeout=10_000)
        assert page.evaluate("() => sessionStorage.getItem('ringscope.apiKey')") == token
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "test_sign_in.png"), full_page=True)
        raise
    finally:
        context.close()
    assert errors == []


def test_ring_victims_are_listed_apart_from_members(page: Any) -> None:
    open_ring(page, "ring-ui-shared")
    victims = page.locator("#ring-victims li")
    victims.first.wait_for(timeout=10_000)
    assert victims.count() == 1 and victims.first.inner_text().startswith("outside-2")
    assert "not members" in page.locator("#side-panel").inner_text().lower()
    page.wait_for_function("() => (window.__ringscope.victims ?? []).length > 0", timeout=10_000)
    drawn = page.evaluate("() => window.__ringscope.view.nodes.get('outside-2')")
    assert drawn["victim"] and not drawn["member"]  # drawn, but as a victim, not a member
