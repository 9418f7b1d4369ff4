"""A press counts only in the vote it was made in; refusals are stored and visible.

When a press was made is when the gateway first heard it (PROTOCOL.md 1.1);
the gateway says how long it held it (``sent_at - received_at``, one clock),
and ballot places that duration on its own clock (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import datetime

import pytest

from services.common.database import utcnow
from tests.ballot.actions import (
    BINDINGS,
    act,
    batch,
    counted,
    get,
    new_vote,
    open_new_vote,
    press,
    send,
    send_batch,
    stored,
)
from tests.ballot.conftest import Services, seat

pytestmark = [pytest.mark.anyio, pytest.mark.db]

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
async def vote_id(services: Services, meeting_code: str) -> int:
    await seat(services, meeting_code, BINDINGS)
    return await open_new_vote(services, meeting_code)


async def vote_times(
    services: Services, vote_id: int
) -> tuple[datetime.datetime, datetime.datetime]:
    vote = await get(services, f"/api/votes/{vote_id}")
    return (
        datetime.datetime.fromisoformat(vote["opened_at"]),
        datetime.datetime.fromisoformat(vote["closed_at"]),
    )


class TestWhenAPressWasMade:
    async def test_heard_an_hour_before_the_open_never_counts(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        early = press("000363", 1, 1, received_at=utcnow() - HOUR)
        assert await send(services, meeting_code, early) == ["NOPOLL"]
        assert await counted(services, vote_id) == {}
        # The auditors see it in the listing of the vote that was open, with why.
        assert await stored(services, vote_id) == [("000363", 1, "NOPOLL", "heard_before_open")]

    async def test_stamped_an_hour_after_it_was_sent_is_refused(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        future = press("000363", 1, 1, received_at=utcnow() + HOUR)
        assert await send(services, meeting_code, future) == ["NOPOLL"]
        assert await counted(services, vote_id) == {}
        assert await stored(services, vote_id) == [("000363", 1, "NOPOLL", "heard_after_sent")]

    async def test_a_skewed_gateway_clock_does_not_move_a_press(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        # The gateway's clock is an hour ahead: both its times are, the hold is not.
        ahead = utcnow() + HOUR
        body = batch(press("000363", 1, 2, received_at=ahead), sent_at=ahead)
        assert await send_batch(services, meeting_code, body) == ["OK"]
        assert await counted(services, vote_id) == {"GM0363": 2}

    async def test_a_press_held_across_a_vote_change_is_late_for_its_own_vote(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        assert await send(services, meeting_code, press("000088", 1, 2)) == ["OK"]
        await act(services, vote_id, "close")
        opened, _ = await vote_times(services, vote_id)
        later = await open_new_vote(services, meeting_code, title="Voorstel 2")
        # Heard the moment vote 1 opened, held by the gateway until now.
        held = press("000363", 1, 1, received_at=opened)
        assert await send(services, meeting_code, held) == ["LATE"]
        assert await counted(services, later) == {}
        assert await counted(services, vote_id) == {"GM0088": 2}
        assert ("000363", 1, "LATE", "arrived_after_close") in await stored(services, vote_id)
        assert await stored(services, later) == []

    async def test_a_press_held_briefly_in_the_open_vote_counts(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        opened = await get(services, f"/api/votes/{vote_id}")
        held = press(
            "000363", 1, 3, received_at=datetime.datetime.fromisoformat(opened["opened_at"])
        )
        assert await send(services, meeting_code, held) == ["OK"]
        assert await counted(services, vote_id) == {"GM0363": 3}

    async def test_every_refusal_is_counted_by_status_and_reason(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        def refused(text: str, status: str, reason: str) -> float:
            label = f'ballot_press_refusals_total{{reason="{reason}",status="{status}"}}'
            return sum(
                float(line.split()[-1]) for line in text.splitlines() if line.startswith(label)
            )

        before = (await services.ballot.get("/metrics")).text
        early = press("000363", 1, 1, received_at=utcnow() - HOUR)
        assert await send(services, meeting_code, early, press("000088", 1, 9)) == [
            "NOPOLL",
            "BADKEY",
        ]
        after = (await services.ballot.get("/metrics")).text
        for status, reason in (("NOPOLL", "heard_before_open"), ("BADKEY", "bad_key")):
            assert refused(after, status, reason) - refused(before, status, reason) == 1

    async def test_times_are_required_and_strict(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        good = batch(press("000363", 1, 1))
        for body in (
            {"presses": good["presses"]},  # no sent_at
            {**good, "presses": [{**good["presses"][0], "received_at": 0}]},
            {**good, "sent_at": 0},
            {**good, "presses": [{**good["presses"][0], "received_at": "2023-12-01T10:00:00"}]},
            {**good, "presses": [{**good["presses"][0], "handset": "٠٠٠٣٦٣"}]},
            {**good, "presses": [{**good["presses"][0], "seq": True}]},
        ):
            response = await services.ballot.post(
                f"/api/meetings/{meeting_code}/presses", json=body, headers=services.auth("gateway")
            )
            assert response.status_code == 422, body
        assert await counted(services, vote_id) == {}


class TestABindingEndsWhenTheDeskEndsIt:
    async def swap(self, services: Services, meeting: str, member: str, handset: str) -> None:
        response = await services.registration.post(
            f"/api/meetings/{meeting}/registrations/{member}/swap",
            json={"handset": handset},
            headers=services.auth("desk"),
        )
        assert response.status_code == 200, response.text

    async def test_the_old_handset_is_denied_after_a_swap(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        assert await send(services, meeting_code, press("000363", 1, 1)) == ["OK"]
        await self.swap(services, meeting_code, "GM0363", "000999")
        assert await send(services, meeting_code, press("000999", 1, 2)) == ["OK"]
        assert await send(services, meeting_code, press("000363", 2, 1)) == ["DENY"]
        assert await counted(services, vote_id) == {"GM0363": 2}
        assert ("000363", 2, "DENY", "binding_ended") in await stored(services, vote_id)

    async def test_denied_before_the_new_handset_presses(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        await self.swap(services, meeting_code, "GM0363", "000999")
        assert await send(services, meeting_code, press("000363", 1, 1)) == ["DENY"]
        assert await counted(services, vote_id) == {}

    async def test_and_in_every_later_vote(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        await self.swap(services, meeting_code, "GM0363", "000999")
        await act(services, vote_id, "close")
        later = await open_new_vote(services, meeting_code, title="Voorstel 2")
        assert await send(services, meeting_code, press("000363", 1, 1)) == ["DENY"]
        assert await send(services, meeting_code, press("000999", 1, 2)) == ["OK"]
        assert await counted(services, later) == {"GM0363": 2}
        assert ("000363", 1, "DENY", "binding_ended") in await stored(services, later)

    async def test_a_returned_handset_is_denied(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        assert await send(services, meeting_code, press("000088", 1, 1)) == ["OK"]
        response = await services.registration.post(
            f"/api/meetings/{meeting_code}/registrations/GM0088/return",
            headers=services.auth("desk"),
        )
        assert response.status_code == 200, response.text
        assert await send(services, meeting_code, press("000088", 2, 2)) == ["DENY"]
        # What was pressed while it was bound stays counted.
        assert await counted(services, vote_id) == {"GM0088": 1}
        assert ("000088", 2, "DENY", "binding_ended") in await stored(services, vote_id)

    async def test_ballot_learns_of_a_swap_before_the_desk_is_answered(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        told = services.back.calls
        await self.swap(services, meeting_code, "GM0363", "000999")
        # Counted by path: the outbox may also hand ballot an earlier test's
        # undelivered changes (another meeting) while this one runs.
        bindings = f"/api/meetings/{meeting_code}/bindings"
        assert services.back.asked_since(told).count(bindings) == 1
        # Registration is not asked: ballot knew.
        asked = services.link.calls
        services.link.up = False
        assert await send(services, meeting_code, press("000363", 1, 1)) == ["DENY"]
        assert await send(services, meeting_code, press("000999", 1, 1)) == ["OK"]
        assert services.link.asked_since(asked) == []

    async def test_a_swap_ballot_missed_is_learnt_when_the_new_handset_presses(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        services.back.up = False  # ballot cannot be told
        await self.swap(services, meeting_code, "GM0363", "000999")
        assert await send(services, meeting_code, press("000999", 1, 2)) == ["OK"]
        assert await send(services, meeting_code, press("000363", 1, 1)) == ["DENY"]
        assert await counted(services, vote_id) == {"GM0363": 2}

    async def test_a_swap_ballot_missed_is_delivered_when_it_is_back(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        services.back.up = False
        await self.swap(services, meeting_code, "GM0363", "000999")
        services.back.up = True
        outbox = services.registration_app.state.binding_outbox
        await outbox.deliver_pending()
        assert await outbox.undelivered() == 0
        services.link.up = False  # ballot needs nobody to answer the old handset
        assert await send(services, meeting_code, press("000363", 1, 1)) == ["DENY"]


class TestRepeats:
    async def test_a_late_press_repeated_in_the_next_vote_stays_late(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        await act(services, vote_id, "close")
        assert await send(services, meeting_code, press("000363", 4, 1)) == ["LATE"]
        later = await open_new_vote(services, meeting_code, title="Voorstel 2")
        # The handset retransmits: heard again, now during the next vote.
        assert await send(services, meeting_code, press("000363", 4, 1, "R02")) == ["LATE"]
        assert await counted(services, later) == {}
        assert await stored(services, later) == []

    async def test_a_counter_restarted_long_after_is_a_new_press(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        await act(services, vote_id, "close")
        # Heard a minute ago, when no vote was open (and none had just closed).
        old = press("000363", 4, 1, received_at=utcnow() - datetime.timedelta(minutes=1))
        assert await send(services, meeting_code, old) == ["NOPOLL"]
        later = await open_new_vote(services, meeting_code, title="Voorstel 2")
        assert await send(services, meeting_code, press("000363", 4, 1)) == ["OK"]
        assert await counted(services, later) == {"GM0363": 1}

    async def test_a_repeat_in_the_same_vote_keeps_its_status(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        assert await send(services, meeting_code, press("000088", 3, 9)) == ["BADKEY"]
        assert await send(services, meeting_code, press("000088", 3, 9, "R02")) == ["BADKEY"]
        assert await stored(services, vote_id) == [("000088", 3, "BADKEY", "bad_key")]

    async def test_a_new_vote_key_after_a_counter_restart_counts(
        self, services: Services, meeting_code: str, vote_id: int
    ) -> None:
        assert await send(services, meeting_code, press("000088", 3, 1)) == ["OK"]
        await act(services, vote_id, "close")
        later = await new_vote(services, meeting_code, title="Voorstel 2")
        await act(services, later, "open")
        # The same seq, another key: not a retransmission but a new press.
        assert await send(services, meeting_code, press("000088", 3, 2)) == ["OK"]
        assert await counted(services, later) == {"GM0088": 2}
