"""The receipt check: with its own stemkaart a municipality sees its own presses."""

from __future__ import annotations

import datetime
import json
from typing import Any

import httpx
import pytest

from services.results.receipt import receipt_votes
from services.results.schemas import BallotOption, BallotVote
from services.results.schemas_record import BallotPress
from services.results.throttle import MemoryThrottle
from tests.results.conftest import Services, act, cast, new_vote, seat

pytestmark = [pytest.mark.anyio]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.datetime(2023, 12, 1, 10, 0, tzinfo=datetime.UTC)

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


async def cards(services: Services, meeting: str) -> dict[str, str]:
    response = await services.registration.get(
        f"/api/meetings/{meeting}/cards", headers=services.auth("secretariat")
    )
    assert response.status_code == 200, response.text
    return {card["member"]: card["code"] for card in response.json()}


async def check(services: Services, meeting: str, code: str) -> httpx.Response:
    return await services.results.post(f"/api/meetings/{meeting}/receipt", json={"card_code": code})


async def two_votes(services: Services, meeting: str) -> tuple[int, int]:
    """A named vote where Amsterdam changed its mind, and a secret one."""
    await seat(services, meeting)
    named = await new_vote(services, meeting, kind="motie", title="Motie X")
    await act(services, named, "open")
    await cast(services, meeting, {"000363": 1, "000088": 2}, seq=10)
    await cast(services, meeting, {"000363": 2}, seq=11)  # Amsterdam: tegen after all
    await act(services, named, "close")
    secret = await new_vote(services, meeting, title="Voorstel geheim", named=False)
    await act(services, secret, "open")
    await cast(services, meeting, {"000363": 2, "000088": 1}, seq=20)
    await act(services, secret, "close")
    return named, secret


@pytest.mark.db
class TestReceipt:
    async def test_own_presses_choice_only_where_named(
        self, services: Services, meeting_code: str
    ) -> None:
        named, secret = await two_votes(services, meeting_code)
        codes = await cards(services, meeting_code)
        response = await check(services, meeting_code, codes["GM0363"])
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["member"], body["name"]) == ("GM0363", "Amsterdam")
        by_id = {v["vote_id"]: v for v in body["votes"]}
        assert list(by_id) == [named, secret]
        presses = by_id[named]["presses"]
        assert [(p["choice"], p["counted"], p["answer"]) for p in presses] == [
            ("voor", False, "geteld"),
            ("tegen", True, "geteld"),
        ]
        assert by_id[named]["counted"] is True
        hidden = by_id[secret]
        assert hidden["counted"] is True
        assert [(p["choice"], p["counted"]) for p in hidden["presses"]] == [(None, True)]
        # Never the choice of a secret vote, in any form; never another's press.
        assert "key" not in json.dumps(hidden)
        assert "tegen" not in json.dumps(hidden) and "voor" not in json.dumps(hidden)
        assert all(p["handset"] == "000363" for v in body["votes"] for p in v["presses"])

    async def test_wrong_and_revoked_cards_see_the_same_nothing(
        self, services: Services, meeting_code: str
    ) -> None:
        await two_votes(services, meeting_code)
        codes = await cards(services, meeting_code)
        reissued = await services.registration.post(
            f"/api/meetings/{meeting_code}/members/GM0363/card/reissue",
            json={"reason": "verloren"},
            headers=services.auth("secretariat"),
        )
        assert reissued.status_code == 200, reissued.text
        answers = []
        for code in (
            codes["GM0363"],  # revoked now
            codes["GM0088"][:-2] + ("AA" if not codes["GM0088"].endswith("AA") else "BB"),
            "ALV1.NIETS.GM0001.1.AAAAAAAAAAAAAAAA",
            "hallo",
        ):
            # Each from a fresh count: the throttle is the next test's subject.
            services.results_app.state.receipt_throttle = MemoryThrottle()
            answers.append(await check(services, meeting_code, code))
        assert {a.status_code for a in answers} == {404}
        bodies = {json.dumps(a.json(), sort_keys=True) for a in answers}
        assert len(bodies) == 1
        assert json.loads(bodies.pop())["code"] == "card_not_valid"
        fresh = await check(services, meeting_code, reissued.json()["code"])
        assert fresh.status_code == 200  # the new card works
        # Registration tells whose card a code is to the auditors' token only.
        url = f"/api/meetings/{meeting_code}/cards/holder"
        for role, status in (("desk", 403), ("chair", 403), ("auditor", 200)):
            answer = await services.registration.post(
                url, json={"card_code": reissued.json()["code"]}, headers=services.auth(role)
            )
            assert answer.status_code == status, role

    async def test_repeated_guesses_are_slowed(self, services: Services, meeting_code: str) -> None:
        await two_votes(services, meeting_code)
        codes = await cards(services, meeting_code)
        clock = Clock()
        services.results_app.state.receipt_throttle = MemoryThrottle(clock=clock)
        wrong = "ALV1.NIETS.GM0001.1.AAAAAAAAAAAAAAAA"
        for _ in range(3):
            assert (await check(services, meeting_code, wrong)).status_code == 404
        # Now even the right code waits: it is not checked until then.
        slowed = await check(services, meeting_code, codes["GM0363"])
        assert (slowed.status_code, slowed.json()["code"]) == (429, "too_many_attempts")
        assert slowed.json()["retry_after"] == 1
        clock.advance(1)
        assert (await check(services, meeting_code, wrong)).status_code == 404  # fourth
        clock.advance(2)
        assert (await check(services, meeting_code, wrong)).status_code == 404  # fifth: locked
        locked = await check(services, meeting_code, codes["GM0363"])
        assert (locked.status_code, locked.json()["retry_after"]) == (429, 900)
        clock.advance(900)
        assert (await check(services, meeting_code, codes["GM0363"])).status_code == 200
        # A right code forgets the wrong ones.
        assert (await check(services, meeting_code, wrong)).status_code == 404
        assert (await check(services, meeting_code, codes["GM0363"])).status_code == 200


@pytest.mark.db
class TestReceiptPage:
    async def test_the_page_in_dutch(self, services: Services, meeting_code: str) -> None:
        named, secret = await two_votes(services, meeting_code)
        codes = await cards(services, meeting_code)
        form = await services.results.get(f"/record/{meeting_code}/controle")
        assert form.status_code == 200
        assert "Controleer uw stem" in form.text and 'name="card_code"' in form.text
        page = await services.results.post(
            f"/record/{meeting_code}/controle",
            content=f"card_code={codes['GM0088']}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert page.status_code == 200, page.text
        assert "Schiermonnikoog (GM0088)" in page.text
        assert "Uw stem is vastgelegd en telt mee." in page.text
        secret_part = page.text.split(f'data-testid="receipt-vote-{secret}"')[1].split(
            "</article>"
        )[0]
        assert "keuze" not in secret_part and "voor" not in secret_part
        named_part = page.text.split(f'data-testid="receipt-vote-{named}"')[1]
        assert "<td>tegen</td>" in named_part.split("</article>")[0]
        wrong = await services.results.post(
            f"/record/{meeting_code}/controle",
            content="card_code=ALV1.X.GM0001.1.AAAAAAAAAAAAAAAA",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert wrong.status_code == 404
        assert "Met deze stemkaart is niets te vinden." in wrong.text
        assert 'data-testid="receipt"' not in wrong.text


def test_a_secret_vote_never_carries_a_choice() -> None:
    """Every combination of key, status and counted: no choice outside named votes."""
    at = datetime.datetime(2023, 12, 1, 10, 0, tzinfo=datetime.UTC)
    options = [BallotOption(key=k, label=f"optie {k}", role="choice") for k in (1, 2, 3)]
    for named in (True, False):
        vote = BallotVote(
            id=7,
            meeting="alv-2023-12",
            position=1,
            kind="ordevoorstel",
            title="x",
            options=options,
            majority={"numerator": 1, "denominator": 2, "inclusive": False},  # type: ignore[arg-type]
            abstentions_cast=True,
            named=named,
            status="closed",
        )
        presses: list[Any] = [
            BallotPress(
                id=n,
                vote_id=7,
                receiver="R01",
                handset="000363",
                seq=n,
                key=key,
                rssi=-60,
                battery=90,
                received_at=at,
                stored_at=at + datetime.timedelta(seconds=n),
                status=status,
                member="GM0363",
                counted=counted,
            )
            for n, (key, status, counted) in enumerate(
                (k, s, c) for k in range(10) for s in ("OK", "BADKEY") for c in (True, False)
            )
        ]
        (entry,) = receipt_votes([vote], presses)
        assert len(entry.presses) == len(presses)
        choices = {p.choice for p in entry.presses}
        assert choices == (
            {None}
            if not named
            else {"optie 1", "optie 2", "optie 3"} | {f"toets {k}" for k in (0, 4, 5, 6, 7, 8, 9)}
        )
