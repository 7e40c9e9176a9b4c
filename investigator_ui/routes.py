"""Starlette routes of the investigator UI: the app page and its offline static assets.

The UI is plain JS modules and CSS (no build step). vis-network is not vendored here: it is
read at run time from the copy the pyvis package ships (``pyvis/lib/vis-9.1.2``; vis-network is
dual licensed Apache-2.0 / MIT, see the file header and ``static/LICENSES.md``). Nothing the page
loads comes from another host.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import resources
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
VIS_VERSION = "9.1.2"
_VENDOR_FILES = {
    "vis-network.min.js": "application/javascript",
    "vis-network.css": "text/css",
}
# The page may talk only to its own origin; inline scripts and remote hosts are refused.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@cache
def vis_dir() -> Path:
    """The vis-network files bundled in the installed pyvis package."""
    path = Path(str(resources.files("pyvis"))) / "lib" / f"vis-{VIS_VERSION}"
    if not (path / "vis-network.min.js").is_file():
        logger.error("vis-network %s not found in the pyvis package at %s", VIS_VERSION, path)
    return path


async def index(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "index.html", headers=_SECURITY_HEADERS)


async def vendor(request: Request) -> Response:
    name = request.path_params["name"]
    media_type = _VENDOR_FILES.get(name)
    path = vis_dir() / name
    if media_type is None or not path.is_file():
        raise HTTPException(404, f"no vendored asset {name!r}")
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "max-age=86400"})


def routes() -> list[BaseRoute]:
    """Routes serving ``/`` (the app page) and ``/static/...``; mount them at the app root."""
    return [
        Route("/", index, methods=["GET", "HEAD"], name="ui-index"),
        Route("/static/vendor/{name}", vendor, methods=["GET", "HEAD"], name="ui-vendor"),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="ui-static"),
    ]
