"""Fixtures for the browser tests: the real app on a real FalkorDB, served by uvicorn, driven
through Debian's Chromium with Playwright. A failing test leaves a screenshot in test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from core.settings import load_settings
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app
from tests.ui.seed import seed_small
from tests.ui.server import serve

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def seeded(store: FalkorStore) -> dict[str, Any]:
    return seed_small(store)


@pytest.fixture
def app_url(
    falkordb: EmbeddedFalkorDB, store: FalkorStore, seeded: dict[str, Any]
) -> Iterator[str]:
    settings = load_settings(falkordb_url=falkordb.url, graph=store.graph_name, host="127.0.0.1")
    with serve(create_app(settings, store=store)) as url:
        yield url


class PageWatch:
    """What the page did that it must not: console errors and requests off the host."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.console_errors: list[str] = []
        self.external: list[str] = []
        self.allowed_errors: list[re.Pattern[str]] = []

    def on_request(self, request: Any) -> None:
        netloc = urlparse(request.url).netloc
        if netloc not in (self.host, "") and not request.url.startswith(("data:", "blob:")):
            self.external.append(request.url)

    def on_console(self, msg: Any) -> None:
        if msg.type == "error" and not any(p.search(msg.text) for p in self.allowed_errors):
            self.console_errors.append(msg.text[:300])


@pytest.fixture
def page(browser: Any, app_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    watch = PageWatch(urlparse(app_url).netloc)
    pg.on("request", watch.on_request)
    pg.on("console", watch.on_console)
    pg.on("pageerror", lambda e: watch.console_errors.append(str(e)[:300]))
    pg.watch = watch
    pg.base_url = app_url
    yield pg
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert watch.external == [], f"requests left the host: {watch.external}"
    assert watch.console_errors == [], f"console errors: {watch.console_errors}"
