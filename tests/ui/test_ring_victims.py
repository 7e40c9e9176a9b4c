"""The ring graph draws a ring's victims in their own style, apart from its members."""

from __future__ import annotations

from typing import Any

from tests.ui.test_investigator_ui import open_ring


def test_ring_victims_are_drawn_grey_and_dashed_with_their_money_edges(page: Any) -> None:
    open_ring(page, "ring-ui-shared")
    page.wait_for_function(
        "() => (window.__ringscope.victims ?? []).includes('outside-2')", timeout=10_000
    )
    node = page.evaluate("() => window.__ringscope.view.visNodes.get('outside-2')")
    assert node["shapeProperties"]["borderDashes"]  # dashed, unlike members
    assert node["color"]["border"] == "#94a3b8" and not node["hidden"]
    member = page.evaluate("() => window.__ringscope.view.visNodes.get('acc-1')")
    assert not member["shapeProperties"]["borderDashes"]
    # the member that paid the victim is linked to it by its money edge
    edge = page.evaluate(
        "() => window.__ringscope.view.visEdges.get('TRANSFERRED|acc-1|outside-2')"
    )
    assert edge is not None and not edge["hidden"]
    # victims do not count as members anywhere in the view
    assert page.evaluate("() => window.__ringscope.view.members.has('outside-2')") is False
    legend = page.locator("#legend-victim")
    assert "victim" in legend.inner_text().lower() and "not a member" in legend.inner_text()
