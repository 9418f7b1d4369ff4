"""The chair's control view as htmx asks it: the page, its live part, and every
action through the page, refused in Dutch without changing anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.results.conftest import Services, cast, new_vote, run_vote, seat
from tests.support.builders import make_meeting, numbered_members_csv
from tests.support.people import as_person

pytestmark = [pytest.mark.anyio, pytest.mark.db]

HTMX = {"HX-Request": "true"}


async def person(services: Services, database_urls: dict[str, str], role: str) -> dict[str, str]:
    return await as_person(services.registration, database_urls["registration"], role)


@dataclass
class Chair:
    """The chair, logged in, as htmx asks for the control view."""

    services: Services
    headers: dict[str, str]


@pytest.fixture
async def chair(services: Services, database_urls: dict[str, str]) -> Chair:
    return Chair(services, {**await person(services, database_urls, "chair"), **HTMX})


async def status_of(services: Services, vote_id: int) -> str:
    response = await services.ballot.get(f"/api/votes/{vote_id}")
    return str(response.json()["status"])


async def act(chair: Chair, meeting: str, vote_id: int, action: str, **form: Any) -> httpx.Response:
    return await chair.services.results.post(
        f"/chair/{meeting}/control/votes/{vote_id}/{action}",
        data={k: str(v) for k, v in form.items()},
        headers=chair.headers,
    )


async def live(chair: Chair, meeting: str, query: str = "") -> str:
    response = await chair.services.results.get(
        f"/chair/{meeting}/control/live{query}", headers=chair.headers
    )
    assert response.status_code == 200, response.text
    return response.text


class TestWhoMayUseIt:
    async def test_only_the_chair_in_dutch(
        self, services: Services, meeting_code: str, database_urls: dict[str, str]
    ) -> None:
        await seat(services, meeting_code)
        page = f"/chair/{meeting_code}/control"
        anonymous = await services.results.get(page, headers={"Accept": "text/html"})
        assert anonymous.status_code == 303
        assert "/login?next=" in anonymous.headers["location"]
        desk_person = await person(services, database_urls, "desk")
        desk = await services.results.get(page, headers={**desk_person, "Accept": "text/html"})
        assert desk.status_code == 403
        assert "mag dit niet" in desk.text

    async def test_a_refused_person_changes_nothing(
        self, services: Services, meeting_code: str, database_urls: dict[str, str]
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await new_vote(services, meeting_code)
        refused = await services.results.post(
            f"/chair/{meeting_code}/control/votes/{vote_id}/open",
            headers={**await person(services, database_urls, "desk"), **HTMX},
        )
        assert refused.status_code == 403
        assert refused.headers["HX-Retarget"] == "#problem"
        assert "Niet gelukt" in refused.text
        assert await status_of(services, vote_id) == "prepared"


class TestThePage:
    async def test_an_empty_agenda_says_what_to_do(
        self, services: Services, meeting_code: str, chair: Chair
    ) -> None:
        await seat(services, meeting_code)
        response = await services.results.get(
            f"/chair/{meeting_code}/control", headers=chair.headers
        )
        assert response.status_code == 200
        assert "ALV 1 december 2023" in response.text
        assert "nog geen stemmingen op de agenda" in response.text
        # Present municipalities and their weight, always in view.
        assert 'data-testid="present-members">4<' in response.text
        assert 'data-testid="present-weight">' in response.text
        # Seated, their handsets never heard yet: to check before the first vote.
        assert "Stemkastjes: 4\n    gekoppelde stemkastjes om na te kijken" in response.text
        assert "control.js" not in response.text

    async def test_open_not_voted_by_weight_and_close(
        self, services: Services, meeting_code: str, chair: Chair
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await new_vote(services, meeting_code, title="Jaarrekening")
        opened = await act(chair, meeting_code, vote_id, "open")
        assert opened.status_code == 200, opened.text
        assert "Stemming 1 (Jaarrekening) is geopend." in opened.text
        assert opened.headers["HX-Trigger"] == "control-changed"
        assert await status_of(services, vote_id) == "open"
        await cast(services, meeting_code, {"000363": 1}, seq=vote_id)
        text = await live(chair, meeting_code)
        assert 'data-testid="not-voted-count">3 gemeenten<' in text
        # The heaviest first (then by name): whom the chair waits for.
        names = ["Groningen (75)", "Utrecht (75)", "Schiermonnikoog (1)"]
        positions = [text.index(name) for name in names]
        assert positions == sorted(positions)
        assert "Amsterdam (" not in text
        closed = await act(chair, meeting_code, vote_id, "close")
        assert "is gesloten" in closed.text
        assert await status_of(services, vote_id) == "closed"
        assert "Het voorstel is aangenomen" in await live(chair, meeting_code)

    async def test_a_refusal_is_shown_in_the_problem_area_and_changes_nothing(
        self, services: Services, meeting_code: str, chair: Chair
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code)
        again = await act(chair, meeting_code, vote_id, "close")
        assert again.status_code == 409
        assert again.headers["HX-Retarget"] == "#problem"
        assert "Niet gelukt" in again.text
        short = await act(chair, meeting_code, vote_id, "annul", reason="x")
        assert short.status_code == 422
        assert "ten minste 3 tekens" in short.text
        missing = await act(chair, meeting_code, vote_id, "annul")
        assert "Vul de reden in." in missing.text
        assert await status_of(services, vote_id) == "closed"
        unknown = await act(chair, meeting_code, 2_000_000, "open")
        assert unknown.status_code == 404
        bad = await act(chair, meeting_code, vote_id, "explode")
        assert bad.status_code == 422

    async def test_a_vote_of_another_meeting_is_not_this_pages(
        self, services: Services, meeting_code: str, chair: Chair
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await new_vote(services, meeting_code)
        other = f"{meeting_code}-b"
        await seat(services, other, bindings={})
        refused = await act(chair, other, vote_id, "open")
        assert refused.status_code == 404
        assert await status_of(services, vote_id) == "prepared"

    async def test_annul_asks_the_reason_first(
        self, services: Services, meeting_code: str, chair: Chair
    ) -> None:
        await seat(services, meeting_code)
        vote_id = await run_vote(services, meeting_code)
        form = await services.results.get(
            f"/chair/{meeting_code}/control/votes/{vote_id}/annul", headers=chair.headers
        )
        assert 'name="reason"' in form.text and "nietig verklaren" in form.text
        done = await act(chair, meeting_code, vote_id, "annul", reason="storing in zaal B")
        assert "is nietig verklaard" in done.text
        assert await status_of(services, vote_id) == "annulled"

    async def test_acclamation(self, services: Services, meeting_code: str, chair: Chair) -> None:
        await seat(services, meeting_code)
        vote_id = await new_vote(services, meeting_code, kind="motie", title="Motie Z")
        refused = await act(chair, meeting_code, vote_id, "acclaim")
        assert refused.status_code == 422
        assert await status_of(services, vote_id) == "prepared"
        done = await act(chair, meeting_code, vote_id, "acclaim", adopted=1)
        assert "is bij acclamatie aangenomen" in done.text
        assert "bij acclamatie aangenomen" in await live(chair, meeting_code)


class TestAmendmentsFirst:
    async def test_opening_a_proposal_asks_the_chair_first(
        self, services: Services, meeting_code: str, chair: Chair
    ) -> None:
        await seat(services, meeting_code)
        proposal = await new_vote(services, meeting_code, title="Voorstel begroting")
        amendment = await new_vote(
            services, meeting_code, kind="amendement", title="Amendement A", amends_vote_id=proposal
        )
        text = await live(chair, meeting_code)
        assert f'data-testid="undecided-{proposal}"' in text
        assert "Eerst het amendement: 2 (Amendement A) nog niet beslist." in text
        asked = await act(chair, meeting_code, proposal, "open")
        assert asked.status_code == 200
        assert asked.headers["HX-Retarget"] == "#dialog"
        assert 'data-testid="confirm-anyway"' in asked.text
        assert await status_of(services, proposal) == "prepared"
        confirmed = await act(chair, meeting_code, proposal, "open", confirmed=1)
        assert "is geopend" in confirmed.text
        assert await status_of(services, proposal) == "open"
        assert await status_of(services, amendment) == "prepared"


class TestElection:
    async def test_one_click_runoff_between_the_best_two(
        self, services: Services, meeting_code: str, chair: Chair
    ) -> None:
        await seat(services, meeting_code)
        candidates = [
            {"key": k, "label": n, "role": "choice"}
            for k, n in enumerate(("Mark Boumans", "Sharon Dijksma", "Jan de Vries"), 1)
        ]
        election = await run_vote(
            services,
            meeting_code,
            {"000363": 1, "000344": 2, "000088": 3},
            kind="verkiezing",
            title="Vicevoorzitter",
            options=candidates,
        )
        text = await live(chair, meeting_code)
        assert "Herstemming tussen Mark Boumans en Sharon Dijksma" in text
        done = await act(chair, meeting_code, election, "runoff")
        assert done.status_code == 200, done.text
        assert "krijgt een herstemming" in done.text
        votes = (await services.ballot.get(f"/api/meetings/{meeting_code}/votes")).json()
        runoff = votes[-1]
        assert runoff["follows_vote_id"] == election
        assert [o["label"] for o in runoff["options"]] == ["Mark Boumans", "Sharon Dijksma"]
        # One runoff: the button is gone, a second click is refused.
        assert "Herstemming tussen" not in await live(chair, meeting_code)
        twice = await act(chair, meeting_code, election, "runoff")
        assert twice.status_code == 409
        assert len((await services.ballot.get(f"/api/meetings/{meeting_code}/votes")).json()) == 2


class TestProefstemming:
    async def test_non_responders_with_their_handsets(
        self, services: Services, meeting_code: str, chair: Chair
    ) -> None:
        await seat(services, meeting_code)
        test = await run_vote(
            services, meeting_code, {"000363": 1}, close=False, kind="proefstemming", title="Test"
        )
        text = await live(chair, meeting_code)
        assert "niet gereageerd" in text
        assert 'data-testid="not-voted-count">3 gemeenten<' in text
        assert "kastje 000344" in text
        assert "kastje 000363" not in text
        await act(chair, meeting_code, test, "close")
        # Still shown after closing: the desk is checking those handsets.
        assert "kastje 000344" in await live(chair, meeting_code)


class TestNotVotedCompact:
    async def test_a_count_the_heaviest_ten_and_everyone_on_request(
        self, services: Services, meeting_code: str, chair: Chair
    ) -> None:
        cards = await make_meeting(
            services.registration,
            admin=services.tokens["secretariat"],
            code=meeting_code,
            members_csv=numbered_members_csv(13),
        )
        for member, card in cards.items():
            response = await services.registration.post(
                f"/api/meetings/{meeting_code}/registrations",
                json={"card_code": card, "handset": f"{int(member[2:]):06d}"},
                headers=services.auth("desk"),
            )
            assert response.status_code == 201, response.text
        await run_vote(services, meeting_code, {}, close=False)
        text = await live(chair, meeting_code)
        assert 'data-testid="not-voted-count">13 gemeenten<' in text
        assert text.count("<li>") == 10
        assert 'data-testid="not-voted-all"' in text
        everyone = await live(chair, meeting_code, "?alles=1")
        assert everyone.count("<li>") == 13
        # Polling keeps it expanded until the chair folds it again.
        assert f"/chair/{meeting_code}/control/live?alles=1" in everyone
        assert 'data-testid="not-voted-fewer"' in everyone
