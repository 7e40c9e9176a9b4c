"""Investigation journeys in real Chromium against the real API and FalkorDB (issue 17): a case
built from a ring, noted, given a PNG snapshot and closed, with its audit trail naming the key; a
viewer key refused; ten alerts triaged in bulk; an alert's account as at alert time and now; the
ring's replay; the account page. Screenshots at 1440 and 390 px go to test-artifacts/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import key_store
from tests.ui.conftest import ARTIFACTS
from tests.ui.test_investigator_ui import RENDERED, publish_alert

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.fixture
def keys(store: FalkorStore) -> Iterator[dict[str, str]]:
    ks = key_store(store.url)
    tokens = {
        name: ks.create(role, name)[0]
        for name, role in (("alice", "investigator"), ("vera", "viewer"))
    }
    yield tokens
    for key in ks.list():
        if key.name in tokens:
            redis.Redis.from_url(store.url).hdel("ringscope:api-keys", key.key_id)


def sign_in(page: Any, token: str) -> None:
    page.context.add_init_script(f"sessionStorage.setItem('ringscope.apiKey', {token!r})")


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1, (
            name,
            width,
        )
    page.set_viewport_size({"width": 1440, "height": 900})


def iso(ms: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + "Z"


def test_case_from_a_ring_noted_snapshot_closed_with_audit(page: Any, keys: dict[str, str]) -> None:
    sign_in(page, keys["alice"])
    page.goto(page.base_url + "/#/ring/ring-ui-shared", wait_until="networkidle")
    page.wait_for_function(RENDERED, timeout=20_000)
    page.click("#case-create")
    page.wait_for_function("() => location.hash.startsWith('#/case/')")
    page.locator("#case-title").wait_for()
    case_id = page.evaluate("() => window.__ringscope.case.id")
    assert "ring-ui-shared" in page.locator("#case-rings").inner_text()
    assert page.locator("#case-accounts a[href^='#/accountpage/']").count() == 8
    # the XSS member id stays text
    assert page.evaluate("() => window.__xss") is None
    page.click("button[data-status=INVESTIGATING]")
    page.locator(".pill.case-investigating").first.wait_for()
    page.fill("#case-note-text", "Devices match across <b>all</b> members")
    page.click("#case-note-form button")
    page.locator("#case-notes li").nth(1).wait_for()
    assert "<b>all</b>" in page.locator("#case-notes").inner_text()
    # back on the ring, the PNG snapshot goes into this case
    page.locator("#case-rings a").first.click()
    page.wait_for_function(RENDERED, timeout=20_000)
    page.click("#case-attach-png")
    page.wait_for_function("() => window.__ringscope.attached", timeout=20_000)
    attached = page.evaluate("() => window.__ringscope.attached")
    assert attached["caseId"] == case_id and attached["bytes"] > 10_000
    page.goto(f"{page.base_url}/#/case/{case_id}")
    page.locator("#case-attachments tr").first.wait_for()
    with page.expect_download() as dl:
        page.locator("#case-attachments button").first.click()
    with open(dl.value.path(), "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    # closing needs a disposition
    page.click("#case-close button")
    assert "disposition" in page.locator("#case-error").inner_text()
    page.select_option("#case-close-disposition", "CONFIRMED_FRAUD")
    page.click("#case-close button")
    page.locator("#case-disposition").wait_for()
    audit = page.locator("#case-audit tbody tr")
    assert audit.count() == 5
    rows = audit.evaluate_all("rs => rs.map(r => [...r.cells].map(c => c.innerText))")
    assert [r[3] for r in rows] == ["create", "update", "note", "attach", "update"]
    assert all(r[1].startswith("alice") and r[2] == "investigator" for r in rows)
    assert "investigating" in rows[1][4] + rows[1][5] and "closed" in rows[4][5]
    assert page.locator("#case-audit input, #case-audit textarea, #case-audit button").count() == 0
    shoot(page, "case")
    page.goto(page.base_url + "/#/cases")
    page.locator(f"#cases-body tr[data-case-id='{case_id}']").wait_for()
    page.select_option("#case-filters select[name=status]", "NEW")
    page.wait_for_function(
        f"() => !document.querySelector(\"#cases-body tr[data-case-id='{case_id}']\")"
    )
    page.select_option("#case-filters select[name=status]", "CLOSED")
    page.locator(f"#cases-body tr[data-case-id='{case_id}']").wait_for()
    shoot(page, "cases")


def test_a_viewer_key_cannot_change_a_case(page: Any, keys: dict[str, str]) -> None:
    made = httpx.post(
        page.base_url + "/graphql",
        headers={"Authorization": f"Bearer {keys['alice']}"},
        json={
            "query": 'mutation { createCase(title: "Viewer test", ringIds: ["ring-ui-refund"]) { id } }'
        },
    ).json()
    case_id = made["data"]["createCase"]["id"]
    sign_in(page, keys["vera"])
    page.goto(f"{page.base_url}/#/case/{case_id}", wait_until="networkidle")
    page.locator("#case-title").wait_for()
    page.click("button[data-status=INVESTIGATING]")
    page.locator("#case-error:not([hidden])").wait_for()
    assert "Not allowed" in page.locator("#case-error").inner_text()
    page.fill("#case-note-text", "a viewer writes")
    page.click("#case-note-form button")
    page.wait_for_timeout(500)
    assert "Not allowed" in page.locator("#case-error").inner_text()
    assert not page.locator("#signin-dialog").evaluate("d => d.open")
    assert page.locator(".pill.case-new").count() >= 1 and page.locator("#case-notes").count() == 0
    # the viewer still reads: alice's change arrives live over caseUpdates and is drawn
    page.locator("#live-status.ready").wait_for(timeout=10_000)
    page.wait_for_timeout(500)  # the subscribe message follows the socket's ack
    moved = httpx.post(
        page.base_url + "/graphql",
        headers={"Authorization": f"Bearer {keys['alice']}"},
        json={
            "query": f'mutation {{ updateCase(id: "{case_id}", status: INVESTIGATING) {{ id }} }}'
        },
    ).json()
    assert "errors" not in moved, moved
    page.locator(".pill.case-investigating").first.wait_for(timeout=10_000)
    assert page.locator("#case-audit tbody tr").count() == 2


def test_triage_ten_alerts(page: Any, store: FalkorStore) -> None:
    run = time.time_ns()
    ids = [f"tri-{run}-{i}" for i in range(10)]
    for i, alert_id in enumerate(ids):
        publish_alert(
            store,
            {
                "id": alert_id,
                "kind": "TRANSACTION",
                "score": 99.0 - i / 10,
                "createdAt": iso(time.time() * 1000 - i * 60_000),
                "accountId": f"acc-{1 + i % 7}",
                "transactionId": f"t-cyc-{i % 7}",
                "ringId": None,
                "reasons": ["cycle"],
                "decision": "review",
            },
        )
    page.goto(page.base_url + "/#/triage", wait_until="networkidle")
    for alert_id in ids:
        page.locator(f"#triage-body tr[data-alert-id='{alert_id}']").wait_for()
    shoot(page, "triage")

    def pick(chosen: list[str]) -> None:
        for a in chosen:
            page.check(f"#triage-body input[value='{a}']")

    assert page.locator("#triage-assign").is_disabled()
    # select-all picks every row, and clears them again
    page.check("#triage-all")
    assert (
        page.locator("#triage-body input:checked").count()
        == page.locator("#triage-body tr").count()
        >= 10
    )
    assert (
        "selected" in page.locator("#triage-selected").inner_text()
        and page.locator("#triage-assign").is_enabled()
    )
    page.uncheck("#triage-all")
    assert page.locator("#triage-body input:checked").count() == 0
    pick(ids[:3])
    page.fill("#triage-assignee", "alice")
    page.click("#triage-assign")
    page.wait_for_function(
        f"() => !document.querySelector(\"#triage-body input[value='{ids[0]}']\")"
    )
    pick(ids[3:6])
    page.select_option("#triage-reason", "duplicate")
    page.click("#triage-dismiss")
    page.wait_for_function(
        f"() => !document.querySelector(\"#triage-body input[value='{ids[3]}']\")"
    )
    pick(ids[6:8])
    page.click("#triage-tp")
    page.wait_for_function(
        f"() => !document.querySelector(\"#triage-body input[value='{ids[6]}']\")"
    )
    pick(ids[8:10])
    page.click("#triage-case")
    page.wait_for_function("() => location.hash.startsWith('#/case/')")
    page.locator("#case-title").wait_for()
    assert sorted(page.evaluate("() => window.__ringscope.case.alertIds")) == sorted(ids[8:10])
    q = "query($a: ID!) { alertTriage(alertId: $a) { state assignee reasonCode } }"
    states = [
        httpx.post(page.base_url + "/graphql", json={"query": q, "variables": {"a": a}}).json()[
            "data"
        ]["alertTriage"]
        for a in ids[:8]
    ]
    assert [s["state"] for s in states[:3]] == ["assigned"] * 3 and states[0]["assignee"] == "alice"
    assert {s["reasonCode"] for s in states[3:6]} == {"duplicate"}
    page.goto(page.base_url + "/#/triage")
    page.locator("#triage-all").wait_for()
    page.wait_for_function("() => window.__ringscope.triage")
    for alert_id in ids:
        assert page.locator(f"#triage-body tr[data-alert-id='{alert_id}']").count() == 0


def test_alert_opens_as_at_alert_time_then_now_and_ring_replays(
    page: Any, store: FalkorStore, seeded: dict[str, Any]
) -> None:
    at = seeded["old"] + 3_600_000  # after the old half of the cycle, before the last hour
    alert_id = f"tt-{time.time_ns()}"
    page.goto(page.base_url + "/", wait_until="networkidle")
    page.locator("#live-status.ready").wait_for(timeout=10_000)
    publish_alert(
        store,
        {
            "id": alert_id,
            "kind": "TRANSACTION",
            "score": 88.0,
            "createdAt": iso(at),
            "accountId": "acc-1",
            "transactionId": "t-cyc-0",
            "ringId": None,
            "reasons": ["cycle"],
            "decision": "review",
        },
    )
    page.locator(f"#alert-feed li[data-alert-id='{alert_id}'] .asof-link").click()
    page.locator("#asof-label").wait_for()
    page.wait_for_function(RENDERED, timeout=20_000)
    assert "As at alert time" in page.locator("#asof-label").inner_text()
    then = page.evaluate("() => window.__ringscope.asOf")
    shoot(page, "asof")
    page.click("#asof-toggle")
    page.wait_for_function("() => window.__ringscope.asOf.asOf === null")
    page.wait_for_function(RENDERED, timeout=20_000)
    now = page.evaluate("() => window.__ringscope.asOf")
    assert then["edges"] < now["edges"] and then["total"] < now["total"], (then, now)
    assert page.locator("#asof-label").inner_text() == "Now"
    page.click("#asof-toggle")
    page.wait_for_function("() => window.__ringscope.asOf.asOf !== null")
    # the ring replays its growth
    page.goto(page.base_url + "/#/ring/ring-ui-shared")
    page.wait_for_function(RENDERED, timeout=20_000)
    page.locator("#replay-slider").wait_for()
    bar, graph = (page.locator(s).bounding_box() for s in ("#timetravel-bar", "#graph"))
    # the bar sits above the graph, never over its nodes, and the graph keeps its room
    assert bar["y"] + bar["height"] <= graph["y"] and graph["height"] > 300, (bar, graph)
    page.locator("#replay-slider").fill(str(seeded["old"] + 30 * 60_000))
    page.wait_for_function("() => window.__ringscope.replay")
    early = page.evaluate("() => window.__ringscope.replay")
    page.click("#replay-step-fwd")
    page.select_option("#replay-step", str(24 * 3_600_000))
    page.click("#replay-play")
    page.wait_for_function(
        f"() => window.__ringscope.replay.edges > {early['edges']}", timeout=30_000
    )
    # it stops by itself at the end, every link drawn again
    page.locator("#replay-play[aria-pressed=false]").wait_for(timeout=30_000)
    late = page.evaluate("() => window.__ringscope.replay")
    assert early["nodes"] < late["nodes"], (early, late)
    shoot(page, "replay")


def test_account_page_shows_alerts_rings_devices_and_cases(page: Any, store: FalkorStore) -> None:
    alert_id = f"acct-{time.time_ns()}"
    publish_alert(
        store,
        {
            "id": alert_id,
            "kind": "TRANSACTION",
            "score": 81.0,
            "createdAt": iso(time.time() * 1000),
            "accountId": "acc-2",
            "transactionId": "t-cyc-1",
            "ringId": "ring-ui-shared",
            "reasons": ["shared_device"],
            "decision": "review",
        },
    )
    page.goto(page.base_url + "/#/account/acc-2", wait_until="networkidle")
    page.wait_for_function(RENDERED, timeout=20_000)
    # the side panel of any account in a graph leads to its page too
    assert page.locator("#side-panel a[data-account-page='acc-2']").count() == 1
    page.click("#open-account-page")
    page.locator("#acct-title").wait_for()
    assert "ring-ui-shared" in page.locator("#acct-rings").inner_text()
    assert "Shared device" in page.locator("#acct-alerts").inner_text()
    page.locator("#acct-shared a[href='#/accountpage/acc-3']").first.wait_for()
    assert "dev-shared-1" in page.locator("#acct-shared").inner_text()
    dirs = page.locator("#acct-txs td.dir").all_inner_texts()
    assert "← in" in dirs and "→ out" in dirs
    shoot(page, "account-page")
