"""A TCP line between two processes that a test can cut and mend.

    async with tcp_line("127.0.0.1", ballot_port) as line:
        ...  # point the gateway at line.url
        await line.cut()      # open connections dropped, new ones refused
        line.mend()           # connections go through again

Cut, it still accepts connections (the port stays ours) but closes them at
once, as a peer that went away does; the client sees its request fail and
retries, as it would with the far side down.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from tests.support.ports import free_port


class TcpLine:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.up = True
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def cut(self) -> None:
        self.up = False
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    def mend(self) -> None:
        self.up = True

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await reader.read(65536):
                if not self.up:
                    break
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        try:
            far_reader, far_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, far_writer}
        try:
            await asyncio.gather(self._pipe(reader, far_writer), self._pipe(far_reader, writer))
        finally:
            self._writers -= {writer, far_writer}


@contextlib.asynccontextmanager
async def tcp_line(host: str, port: int) -> AsyncIterator[TcpLine]:
    line = TcpLine(host, port)
    server = await asyncio.start_server(line._serve, "127.0.0.1", line.port)
    try:
        yield line
    finally:
        server.close()
        await line.cut()
        await server.wait_closed()
