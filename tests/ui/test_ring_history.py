"""Ring version diff on the ring graph and the account's risk history, in real Chromium against
the real API and FalkorDB. Screenshots at 1440 and 390 px go to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from graph.falkordb_store import FalkorStore
from graph.model_io import set_account_scores
from tests.ui.seed import HOUR_MS, seed_large, write_ring_versions
from tests.ui.test_investigation import iso, shoot
from tests.ui.test_investigator_ui import RENDERED, node_point

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
MIN = 60_000


def grow_ring(store: FalkorStore, seeded: dict[str, Any]) -> None:
    """ring-ui-grow over the seed's transfer cycle: four members, then six, then acc-1 left and
    acc-7 joined."""
    members = seeded["members"]
    write_ring_versions(
        store,
        "ring-ui-grow",
        [
            (seeded["old"] + 10 * MIN, members[:4]),
            (seeded["now"] - 10 * MIN, members[:6]),
            (seeded["now"] - 2 * MIN, members[1:7]),
        ],
        score=84.0,
    )


def test_ring_version_diff_is_drawn_with_a_legend(
    page: Any, store: FalkorStore, seeded: dict[str, Any]
) -> None:
    grow_ring(store, seeded)
    page.goto(page.base_url + "/#/ring/ring-ui-grow")
    page.wait_for_function(RENDERED, timeout=20_000)
    page.locator("#diff-from").wait_for()
    assert page.locator("#diff-from option").count() == 3
    page.select_option("#diff-from", "1")
    page.select_option("#diff-to", "3")
    page.click("#diff-show")
    page.wait_for_function("() => window.__ringscope.diff", timeout=20_000)
    page.wait_for_function(RENDERED, timeout=20_000)
    diff = page.evaluate("() => window.__ringscope.diff")
    assert (diff["from"], diff["to"]) == (1, 3)
    assert sorted(diff["membersAdded"]) == ["acc-5", "acc-6", "acc-7"]
    assert diff["membersRemoved"] == ["acc-1"]
    assert diff["edgesAdded"] >= 3 and diff["edgesRemoved"] >= 1
    # drawn: the member who left red and dashed, a newcomer green, their edges likewise
    style = page.evaluate(
        """() => { const v = window.__ringscope.view;
        return { gone: v.visNodes.get("acc-1"), joined: v.visNodes.get("acc-7"),
                 lost: v.visEdges.get("TRANSFERRED|acc-1|acc-2"),
                 won: v.visEdges.get("TRANSFERRED|acc-6|acc-7") }; }"""
    )
    assert style["gone"]["color"]["border"] == "#ef4444"
    assert style["gone"]["shapeProperties"]["borderDashes"]
    assert style["joined"]["color"]["border"] == "#22c55e"
    assert style["lost"]["color"]["color"] == "#ef4444" and style["lost"]["dashes"]
    assert style["won"]["color"]["color"] == "#22c55e" and not style["won"]["dashes"]
    legend = page.locator("#diff-legend").inner_text()
    assert "added" in legend and "removed" in legend
    assert "v1 → v3" in page.locator("#diff-summary").inner_text()
    # the diff styling survives the view's own redraws (here: folding shared hubs)
    page.check("#fold-hubs")
    border = page.evaluate("() => window.__ringscope.view.visNodes.get('acc-1').color.border")
    assert border == "#ef4444"
    page.uncheck("#fold-hubs")
    shoot(page, "ring-diff")
    # back to the ring as it is now
    page.click("#diff-clear")
    page.wait_for_function("() => window.__ringscope.diff === null")
    assert page.evaluate("() => window.__ringscope.view.nodes.has('acc-1')") is False


def test_a_ring_with_one_version_offers_no_diff(page: Any) -> None:
    page.goto(page.base_url + "/#/ring/ring-ui-shared")
    page.wait_for_function(RENDERED, timeout=20_000)
    page.locator("#replay-slider").wait_for()
    assert page.locator("#diff-from").count() == 0


def test_account_page_shows_risk_history_with_model_versions(
    page: Any, store: FalkorStore, seeded: dict[str, Any]
) -> None:
    old = seeded["old"]
    set_account_scores(store.graph, {"acc-2": 35.0}, "gnn-2026-11", at_ms=old)
    set_account_scores(store.graph, {"acc-2": 62.5}, "gnn-2026-11", at_ms=old + 24 * HOUR_MS)
    set_account_scores(store.graph, {"acc-2": 88.0}, "gnn-2026-12", at_ms=old + 48 * HOUR_MS)
    page.goto(page.base_url + "/#/accountpage/acc-2")
    page.locator("#risk-history-table").wait_for(timeout=20_000)
    assert page.evaluate("() => window.__ringscope.riskHistory") == {
        "points": 3,
        "models": ["gnn-2026-11", "gnn-2026-12"],
    }
    rows = page.locator("#risk-history-table tr").all_inner_texts()
    assert len(rows) == 3 and "88" in rows[0] and "gnn-2026-12" in rows[0] and "first" in rows[2]
    assert page.locator("#acct-risk-history svg circle").count() == 3
    assert "gnn-2026-11" in page.locator("#risk-history-models").inner_text()
    shoot(page, "account-risk-history")


def test_account_page_says_when_no_score_was_recorded(page: Any) -> None:
    page.goto(page.base_url + "/#/accountpage/acc-3")
    page.wait_for_function("() => window.__ringscope.riskHistory", timeout=20_000)
    assert "No model scores recorded" in page.locator("#acct-risk-history").inner_text()


def test_a_2000_node_ring_opens_and_stays_usable(page: Any, store: FalkorStore) -> None:
    ring_id = seed_large(store, 1700, 300, "ring-ui-2000")
    page.goto(page.base_url + f"/#/ring/{ring_id}")
    page.wait_for_function(RENDERED, timeout=120_000)
    render = page.evaluate("() => window.__ringscope.render")
    assert (render["nodes"], render["edges"]) == (2000, 3400), render
    assert "2000 nodes" in page.locator("#graph-status").inner_text()
    # laid out in one pass: nothing left moving, no two nodes on the same spot
    spread = page.evaluate(
        """() => { const net = window.__ringscope.view.network; const p = net.getPositions();
        const keys = new Set(Object.values(p).map((q) => `${Math.round(q.x)}|${Math.round(q.y)}`));
        return { distinct: keys.size, moving: net.physics.options.enabled }; }"""
    )
    assert spread == {"distinct": 2000, "moving": False}, spread
    member = "ui-2000-acc-17"
    label = f"() => window.__ringscope.view.visNodes.get({member!r}).label"
    assert page.evaluate(label) is None  # level of detail: no labels at this distance
    shoot(page, "ring-2000")
    page.set_viewport_size({"width": 1440, "height": 900})
    # find a member, then click it: the side panel shows it, its tooltip is built on hover
    page.fill("#graph-search", member)
    page.press("#graph-search", "Enter")
    page.wait_for_function(f"() => ({label})() === {member!r}", timeout=10_000)  # zoomed in
    x, y = node_point(page, member)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.locator("#side-panel .node-id", has_text=member).wait_for(timeout=10_000)
    x, y = node_point(page, member)
    for dx in (1, -1, 0):
        page.mouse.move(x + dx, y + dx)
        page.wait_for_timeout(100)
    page.wait_for_function(
        f"() => Boolean(window.__ringscope.view.visNodes.get({member!r}).title)", timeout=10_000
    )
    # folding the shared devices leaves the members, linked through the folded hubs
    page.check("#fold-hubs")
    assert "hubs folded" in page.locator("#graph-status").inner_text()
    page.uncheck("#fold-hubs")


def test_ring_opens_as_at_a_time_then_now(
    page: Any, store: FalkorStore, seeded: dict[str, Any]
) -> None:
    grow_ring(store, seeded)
    at = seeded["old"] + 11 * MIN  # version 1 (four members), half the cycle's money moved
    page.goto(page.base_url + f"/#/ring/ring-ui-grow?asOf={iso(at)}")
    page.locator("#ring-asof-label").wait_for(timeout=20_000)
    page.wait_for_function(RENDERED, timeout=20_000)
    then = page.evaluate("() => window.__ringscope.ringAsOf")
    scale = page.evaluate("() => window.__ringscope.view.network.getScale()")
    assert scale < 2.5, scale  # fitted to the graph drawn as at then, not to a stale view
    drawn = page.evaluate(
        "() => [...window.__ringscope.view.nodes.values()].filter((n) => n.member).map((n) => n.id)"
    )
    assert sorted(drawn) == ["acc-1", "acc-2", "acc-3", "acc-4"] and then["members"] == 4
    assert then["total"] == 900.0 + 910.0 + 920.0  # the three transfers among them by then
    assert "As at" in page.locator("#ring-asof-label").inner_text()
    shoot(page, "ring-asof")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.click("#ring-asof-now")
    page.locator("#replay-slider").wait_for(timeout=20_000)
    page.wait_for_function(RENDERED, timeout=20_000)
    now = page.evaluate(
        "() => [...window.__ringscope.view.nodes.values()].filter((n) => n.member).map((n) => n.id)"
    )
    assert sorted(now) == sorted(seeded["members"][1:7])
    # before the ring existed there is nothing to draw, and the bar says why
    page.goto(page.base_url + f"/#/ring/ring-ui-grow?asOf={iso(seeded['old'])}")
    page.wait_for_function("() => window.__ringscope.ringAsOf.nodes === 0", timeout=20_000)
    assert "did not exist" in page.locator("#timetravel-bar").inner_text()
