"""Running an app under uvicorn on the test's own event loop, on a real socket.

httpx's ASGITransport collects the whole response body before returning it,
so a server-sent event stream (which never ends) needs a real server. Unlike
``servers.serve_over_http`` (a thread with its own loop), this server shares
the test's loop, so the app may call other in-process apps over ASGI.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tests.support.ports import free_port


@asynccontextmanager
async def serve_on_port(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app under uvicorn on a free local port (lifespan run), and a client for it."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="on",
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(20):
            while not server.started:
                if task.done():
                    task.result()  # raises what stopped it
                    raise RuntimeError("uvicorn stopped before it started")
                await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        await task
