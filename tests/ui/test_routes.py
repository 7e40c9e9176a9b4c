"""The UI's routes serve the page and every asset from this host (no browser needed)."""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.testclient import TestClient

from investigator_ui import routes
from investigator_ui.routes import STATIC_DIR


def client() -> TestClient:
    return TestClient(Starlette(routes=routes()))


def test_index_is_served_with_a_same_origin_policy() -> None:
    with client() as c:
        r = c.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    # Every asset the page names is local and is actually served.
    refs = re.findall(r'(?:src|href)="(/static/[^"]+)"', r.text)
    assert len(refs) >= 4
    with client() as c:
        for ref in refs:
            assert c.get(ref).status_code == 200, ref


def test_vis_network_comes_from_the_pyvis_package() -> None:
    with client() as c:
        js = c.get("/static/vendor/vis-network.min.js")
        css = c.get("/static/vendor/vis-network.css")
        missing = c.get("/static/vendor/../routes.py")
    assert js.status_code == 200 and b"vis-network" in js.content[:400]
    assert b"Apache" in js.content[:1000] and b"MIT" in js.content[:1000]  # licence header kept
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert missing.status_code == 404


def test_static_code_never_writes_html_from_data() -> None:
    """Data reaches the page through textContent only: no innerHTML/outerHTML/insertAdjacentHTML."""
    for path in (STATIC_DIR / "js").glob("*.js"):
        lines = path.read_text(encoding="utf-8").splitlines()
        text = "\n".join(ln for ln in lines if not ln.lstrip().startswith("//"))
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", text), path
        assert not re.search(
            r"https?://(?!www\.w3\.org/2000/svg|graphml\.graphdrawing\.org|github\.com/enisdenjo)",
            text,
        ), path
