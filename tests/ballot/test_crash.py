"""Crash safety: a press acknowledged OK survives SIGKILL of the ballot process.

The services run as real processes (``alv.stack``). Four simulated gateways
send batches as fast as they can; once a few hundred presses are acknowledged
the ballot process is killed with SIGKILL, mid-burst, and started again.
Every press that was answered OK must be in the record, with its key, and the
member's counted press must be the latest one stored.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from alv.stack import Stack
from services.ballot.rules import seq_newer
from tests.ballot.actions import batch as as_sent
from tests.ballot.actions import press
from tests.conftest import unique_meeting_code
from tests.support.apps import as_caller
from tests.support.builders import make_meeting
from tests.support.databases import DatabaseFactory
from tests.support.stacks import running_stack

pytestmark = [pytest.mark.anyio, pytest.mark.db]

GATEWAYS = 4
HANDSETS_PER_GATEWAY = 10
KILL_AFTER_OK = 300


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    token_values: dict[str, str],
    database_factory: DatabaseFactory,
) -> Iterator[Stack]:
    """Only the two services this test needs."""
    with running_stack(
        name="crash",
        data_dir=tmp_path_factory.mktemp("crash"),
        database_factory=database_factory,
        parts=("registration", "ballot"),
    ) as stack:
        yield stack


def members_csv(count: int) -> str:
    rows = [f"GM{1000 + i},Gemeente {i},{20_000 + 1_000 * i}" for i in range(count)]
    return "code,name,population\n" + "\n".join(rows) + "\n"


async def seat_many(registration: httpx.AsyncClient, tokens: dict[str, str], meeting: str) -> None:
    count = GATEWAYS * HANDSETS_PER_GATEWAY
    cards = await make_meeting(
        registration, admin=tokens["secretariat"], code=meeting, members_csv=members_csv(count)
    )
    for i, card in enumerate(sorted(cards.values())):
        response = await registration.post(
            f"/api/meetings/{meeting}/registrations",
            json={"card_code": card, "handset": f"{100_000 + i:06d}"},
            headers=as_caller(tokens["desk"]),
        )
        assert response.status_code == 201, response.text


class Burst:
    """Gateways pressing as fast as they can; remembers every press answered OK."""

    def __init__(self, url: str, token: str, meeting: str) -> None:
        self.url = url
        self.headers = as_caller(token)
        self.path = f"/api/meetings/{meeting}/presses"
        self.acked: dict[tuple[str, int], int] = {}
        self.enough = anyio.Event()
        # Requests cut off after they were sent: the kill came mid-batch.
        self.interrupted = 0

    async def gateway(self, number: int) -> None:
        handsets = [
            f"{100_000 + number * HANDSETS_PER_GATEWAY + i:06d}"
            for i in range(HANDSETS_PER_GATEWAY)
        ]
        chance = random.Random(number)
        seqs = dict.fromkeys(handsets, 65_530)  # across the wrap-around, too
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            for _ in itertools.count():
                batch: list[dict[str, Any]] = []
                for handset in chance.sample(handsets, chance.randint(3, len(handsets))):
                    seqs[handset] = (seqs[handset] + 1) % 65_536
                    batch.append(press(handset, seqs[handset], chance.randint(1, 3)))
                try:
                    response = await client.post(
                        self.path, json=as_sent(*batch), headers=self.headers
                    )
                except httpx.TransportError as exc:
                    # Killed: what was not answered was never acknowledged.
                    self.interrupted += not isinstance(exc, httpx.ConnectError)
                    return
                if response.status_code != 200:
                    return
                for sent, result in zip(batch, response.json()["results"], strict=True):
                    if result["status"] == "OK":
                        self.acked[(sent["handset"], sent["seq"])] = sent["key"]
                if len(self.acked) >= KILL_AFTER_OK:
                    self.enough.set()


async def test_acknowledged_presses_survive_a_kill(stack: Stack) -> None:
    config, tokens = stack.config, stack.config.tokens
    meeting = unique_meeting_code()
    chair, auditor = as_caller(tokens["chair"]), as_caller(tokens["auditor"])
    async with (
        httpx.AsyncClient(base_url=config.url("registration"), timeout=10) as registration,
        httpx.AsyncClient(base_url=config.url("ballot"), timeout=10) as ballot,
    ):
        await seat_many(registration, tokens, meeting)
        created = await ballot.post(
            f"/api/meetings/{meeting}/votes", json={"kind": "motie", "title": "M"}, headers=chair
        )
        vote_id = created.json()["id"]
        assert (await ballot.post(f"/api/votes/{vote_id}/open", headers=chair)).status_code == 200

        burst = Burst(config.url("ballot"), tokens["gateway"], meeting)
        async with anyio.create_task_group() as group:
            for number in range(GATEWAYS):
                group.start_soon(burst.gateway, number)
            with anyio.fail_after(60):
                await burst.enough.wait()
            await anyio.to_thread.run_sync(lambda: stack.stop("ballot", kill=True))
        assert len(burst.acked) >= KILL_AFTER_OK
        assert burst.interrupted >= 1

        await anyio.to_thread.run_sync(lambda: stack.restart("ballot", "serve", "ballot"))
        stored = (await ballot.get(f"/api/votes/{vote_id}/presses", headers=auditor)).json()

    by_press = {(p["handset"], p["seq"]): p for p in stored}
    lost = [acked for acked in burst.acked if acked not in by_press]
    assert lost == []
    for (handset, seq), key in burst.acked.items():
        assert (by_press[(handset, seq)]["status"], by_press[(handset, seq)]["key"]) == ("OK", key)
    # The latest stored press of every handset is the counted one, and only it.
    latest: dict[str, dict[str, Any]] = {}
    for row in stored:
        if row["status"] == "OK":
            current = latest.get(row["handset"])
            if current is None or seq_newer(row["seq"], current["seq"]):
                latest[row["handset"]] = row
    assert {(p["handset"], p["seq"]) for p in stored if p["counted"]} == {
        (p["handset"], p["seq"]) for p in latest.values()
    }
