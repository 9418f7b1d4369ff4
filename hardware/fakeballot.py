"""A stand-in ballot service over real HTTP, for gateway tests, the benchmark and demos.

It speaks the two endpoints the gateway uses (docs/ARCHITECTURE.md) and keeps
what it "stored" in memory, deduplicating on (handset, seq) and answering a
duplicate with its original status, as the real service does. Knobs let a test
make it slow (``hold``), failing (``fail_with``) or gone (``stop()``: connection
refused) and bring it back on the same port (``start()``).

It runs uvicorn on the caller's event loop, on a socket it binds itself, so it
accepts connections from the moment ``start()`` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, Header, HTTPException, Request

from hardware.waiters import Waiters

LATE_WINDOW_S = 10.0


@dataclass(slots=True)
class StoredPress:
    handset: str
    seq: int
    key: int
    receiver: str
    status: str
    stored_at: float  # time.monotonic()


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: Ctrl-C belongs to whoever embeds it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class FakeBallot:
    def __init__(self, *, meeting: str = "alv-test", token: str = "gateway-test-token") -> None:
        self.meeting = meeting
        self.token = token
        self.state = "CLOSED"
        self.keys = 0
        self.version = 0
        self.closed_at: float | None = None
        self.stored: dict[tuple[str, int], StoredPress] = {}
        self.copies = 0  # presses received including duplicates
        self.batches: list[int] = []  # sizes of the batches that were answered
        self.attempts: list[dict[str, Any]] = []  # every batch body received, as sent
        self.denied: set[str] = set()
        self.fail_with: int | None = None  # answer POSTs with this status instead
        self.hold: asyncio.Event | None = None  # when set: store, then wait before answering
        self.port = 0
        self.app = self._build_app()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._waiters = Waiters()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        # proto IPPROTO_TCP, not 0: only then does asyncio set TCP_NODELAY on the
        # accepted connections, and without it every keep-alive response waits
        # ~40 ms for the client's delayed ACK
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_config=None, lifespan="off", ws="none", access_log=False
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.get_running_loop().create_task(self._server.serve(sockets=[sock]))

    async def stop(self) -> None:
        """Stop listening: from now on connections are refused."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        if self.hold is not None:
            self.hold.set()
        await self._task
        self._server = self._task = None

    async def __aenter__(self) -> FakeBallot:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def open_vote(self, keys: int = 3) -> None:
        self.state, self.keys = "OPEN", keys
        self.version += 1

    def close_vote(self) -> None:
        self.state, self.keys = "CLOSED", 0
        self.closed_at = time.monotonic()
        self.version += 1

    def counted(self) -> dict[str, StoredPress]:
        """The press that counts per handset: the last OK one (no wrap-around here)."""
        out: dict[str, StoredPress] = {}
        for press in self.stored.values():
            if press.status == "OK" and (
                press.handset not in out or press.seq > out[press.handset].seq
            ):
                out[press.handset] = press
        return out

    async def wait_until(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until ``predicate()`` holds, re-checked after every batch."""
        await self._waiters.wait_for(predicate, within)

    def _status_for(self, press: dict[str, Any]) -> str:
        if press["handset"] in self.denied:
            return "DENY"
        if self.state != "OPEN":
            recent = (
                self.closed_at is not None and time.monotonic() - self.closed_at < LATE_WINDOW_S
            )
            return "LATE" if recent else "NOPOLL"
        valid = {*range(1, self.keys + 1)} | ({0} if self.keys >= 10 else set())
        return "OK" if press["key"] in valid else "BADKEY"

    def _build_app(self) -> FastAPI:
        app = FastAPI(docs_url=None, redoc_url=None)

        def check(meeting: str, authorization: str | None) -> None:
            if authorization != f"Bearer {self.token}":
                raise HTTPException(401, "bad token")
            if meeting != self.meeting:
                raise HTTPException(404, "unknown meeting")

        @app.get("/api/meetings/{meeting}/state")
        async def state(meeting: str) -> dict[str, Any]:
            if meeting != self.meeting:
                raise HTTPException(404, "unknown meeting")
            return {
                "meeting": meeting,
                "state": self.state,
                "vote_id": self.version,
                "keys": self.keys,
                "version": self.version,
            }

        @app.post("/api/meetings/{meeting}/presses")
        async def presses(
            meeting: str, request: Request, authorization: Annotated[str | None, Header()] = None
        ) -> dict[str, Any]:
            check(meeting, authorization)
            body = await request.json()
            self.attempts.append(body)
            self._waiters.notify()
            if self.fail_with is not None:
                raise HTTPException(self.fail_with, "failing on purpose")
            results = []
            now = time.monotonic()
            for press in body["presses"]:
                self.copies += 1
                ident = (press["handset"], press["seq"])
                stored = self.stored.get(ident)
                if stored is None:
                    stored = self.stored[ident] = StoredPress(
                        press["handset"],
                        press["seq"],
                        press["key"],
                        press["receiver"],
                        self._status_for(press),
                        now,
                    )
                results.append(
                    {"handset": stored.handset, "seq": stored.seq, "status": stored.status}
                )
            self._waiters.notify()
            if self.hold is not None:
                await self.hold.wait()
            self.batches.append(len(results))
            return {"results": results}

        return app


async def _serve(port: int, meeting: str, token: str, keys: int) -> None:
    ballot = FakeBallot(meeting=meeting, token=token)
    ballot.port = port
    if keys:
        ballot.open_vote(keys)
    async with ballot:
        print(f"fake ballot on {ballot.url} meeting {meeting} state {ballot.state}", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    """``python -m hardware.fakeballot``: a stand-in ballot service for demos."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m hardware.fakeballot")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--meeting", default="alv-test")
    parser.add_argument("--token", default="gateway-test-token")
    parser.add_argument("--open", type=int, default=3, metavar="KEYS", help="0: vote closed")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.meeting, args.token, args.open))


if __name__ == "__main__":
    main()
