"""Serve the real app (API + UI) with uvicorn in a thread, on a free loopback port."""

from __future__ import annotations

import gc
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from graph.embedded import free_port


@contextmanager
def serve(app: Any) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        loop="asyncio",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="ui-test-uvicorn", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"uvicorn did not start on {url}")
        time.sleep(0.05)
    httpx.get(url + "/healthz", timeout=5).raise_for_status()
    try:
        yield url
    finally:
        time.sleep(0.2)  # let handlers of sockets the browser just closed finish first
        server.should_exit = True
        thread.join(15)
        # Connections cut by stopping the server mid-session are collected here, on purpose:
        # their ResourceWarnings say the process ended, not that the UI leaked anything.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
