"""Serving an ASGI app over real HTTP from a background thread (for browsers, CLIs).

In-process ``httpx.ASGITransport`` is enough for API tests, but a browser or a
command-line client needs a socket. ``uvicorn.Server`` runs in its own thread
with its own event loop; we wait on ``server.started`` (no fixed sleep).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from tests.support.ports import free_port


@contextmanager
def serve_over_http(app: FastAPI, *, startup_timeout: float = 20.0) -> Iterator[str]:
    """Yields the base URL (``http://127.0.0.1:<port>``); stops the server after."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the app did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
