"""A real SMTP server in the test process (aiosmtpd) that keeps what it receives.

Addresses in ``refuse`` get ``550`` at RCPT TO, like a mailbox that does not
exist. ``wait_for(n)`` blocks on a condition until ``n`` messages arrived.
``with handler.held():`` keeps every message waiting at DATA, so a test can do
something while a sender is mid-run; ``handler.holding`` is set once one waits.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.ports import free_port


class RecordingHandler:
    def __init__(self, refuse: set[str]) -> None:
        self.refuse = {address.lower() for address in refuse}
        self.messages: list[EmailMessage] = []
        self._arrived = threading.Condition()
        self._open = threading.Event()
        self._open.set()
        self.holding = threading.Event()

    @contextmanager
    def held(self) -> Iterator[None]:
        self._open.clear()
        try:
            yield
        finally:
            self._open.set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self._open.is_set():
            self.holding.set()
            await asyncio.to_thread(self._open.wait, 10.0)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise TimeoutError(f"{len(self.messages)} of {count} messages arrived")
            return list(self.messages)


@contextmanager
def smtp_server(*, refuse: set[str] | None = None) -> Iterator[tuple[int, RecordingHandler]]:
    handler = RecordingHandler(refuse or set())
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


def mail_settings(port: int) -> dict[str, Any]:
    """Registration's settings for sending through the test's server (plain SMTP)."""
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_starttls": False,
        "mail_from": "VNG ALV <alv@vng.example>",
        "smtp_timeout": 5,
    }


def mail_env(port: int) -> dict[str, str]:
    """The same, as the environment of a registration process (a running stack)."""
    return {
        f"REGISTRATION_{name.upper()}": str(value).lower()
        if isinstance(value, bool)
        else str(value)
        for name, value in mail_settings(port).items()
    }
