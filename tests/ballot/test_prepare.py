"""Preparing the agenda through the API: edit, remove, links, the warning before
a proposal with undecided amendments, the runoff, and agenda import with links."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ballot.actions import BINDINGS, act, get, new_vote, open_new_vote, press, send
from tests.ballot.conftest import Services, seat

pytestmark = [pytest.mark.anyio, pytest.mark.db]

CANDIDATES = [
    {"key": 1, "label": "Mark Boumans", "role": "choice"},
    {"key": 2, "label": "Jan Jansen", "role": "choice"},
    {"key": 3, "label": "Els de Vries", "role": "choice"},
    {"key": 4, "label": "blanco", "role": "abstain"},
]


async def votes(services: Services, meeting: str) -> list[dict[str, Any]]:
    return list(await get(services, f"/api/meetings/{meeting}/votes"))


async def edit(services: Services, vote_id: int, **fields: Any) -> Any:
    body = {"kind": "voorstel", "title": "Voorstel 1", **fields}
    return await services.ballot.put(
        f"/api/votes/{vote_id}", json=body, headers=services.auth("chair")
    )


async def remove(services: Services, vote_id: int) -> Any:
    return await services.ballot.delete(f"/api/votes/{vote_id}", headers=services.auth("chair"))


class TestEdit:
    async def test_a_prepared_vote_changes_everything_but_its_place(
        self, services: Services, meeting_code: str
    ) -> None:
        first = await new_vote(services, meeting_code, title="Eerst")
        vote_id = await new_vote(services, meeting_code)
        response = await edit(
            services,
            vote_id,
            kind="verkiezing",
            title="Verkiezing vicevoorzitter",
            office="vicevoorzitter",
            options=CANDIDATES,
            majority={"numerator": 2, "denominator": 3, "inclusive": True},
            abstentions_cast=True,
            named=False,
        )
        assert response.status_code == 200, response.text
        edited = response.json()
        assert (edited["kind"], edited["office"], edited["named"]) == (
            "verkiezing",
            "vicevoorzitter",
            False,
        )
        assert [o["label"] for o in edited["options"]][:3] == [
            "Mark Boumans",
            "Jan Jansen",
            "Els de Vries",
        ]
        assert [v["id"] for v in await votes(services, meeting_code)] == [first, vote_id]

    async def test_an_opened_vote_is_not_changed(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code)
        response = await edit(services, vote_id, title="Anders")
        assert response.status_code == 409
        assert response.json()["code"] == "not_prepared"
        assert "alleen een voorbereide stemming kan worden gewijzigd" in response.json()["detail"]
        assert (await votes(services, meeting_code))[0]["title"] == "Voorstel 1"

    async def test_a_proposal_with_amendments_stays_amendable(
        self, services: Services, meeting_code: str
    ) -> None:
        proposal = await new_vote(services, meeting_code)
        await new_vote(
            services, meeting_code, kind="amendement", title="A", amends_vote_id=proposal
        )
        response = await edit(services, proposal, kind="proefstemming", title="Proef")
        assert response.status_code == 409
        assert response.json()["code"] == "still_linked"

    async def test_only_the_chair_edits(self, services: Services, meeting_code: str) -> None:
        vote_id = await new_vote(services, meeting_code)
        response = await services.ballot.put(
            f"/api/votes/{vote_id}",
            json={"kind": "voorstel", "title": "X"},
            headers=services.auth("desk"),
        )
        assert response.status_code == 403


class TestRemove:
    async def test_a_prepared_vote_goes(self, services: Services, meeting_code: str) -> None:
        keep = await new_vote(services, meeting_code, title="Blijft")
        gone = await new_vote(services, meeting_code, title="Weg")
        response = await remove(services, gone)
        assert response.status_code == 204
        assert [v["id"] for v in await votes(services, meeting_code)] == [keep]
        assert (await services.ballot.get(f"/api/votes/{gone}")).status_code == 404

    async def test_not_while_another_vote_links_to_it(
        self, services: Services, meeting_code: str
    ) -> None:
        motion = await new_vote(services, meeting_code, kind="motie", title="Motie")
        part = await new_vote(
            services, meeting_code, kind="motie", title="Motie, deel 2", part_of_vote_id=motion
        )
        response = await remove(services, motion)
        assert response.status_code == 409
        assert response.json()["code"] == "still_linked"
        assert response.json()["votes"] == [part]
        assert len(await votes(services, meeting_code)) == 2
        assert (await remove(services, part)).status_code == 204
        assert (await remove(services, motion)).status_code == 204

    async def test_a_vote_that_was_opened_stays(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code)
        await act(services, vote_id, "close")
        response = await remove(services, vote_id)
        assert response.status_code == 409
        assert response.json()["code"] == "not_prepared"


class TestLinks:
    @pytest.mark.parametrize(
        ("fields", "reason"),
        [
            ({"kind": "motie", "amends": True}, "alleen een amendement"),
            ({"kind": "amendement", "part_of": True}, "alleen een motie"),
            ({"kind": "amendement", "amends": "proef"}, "niet een proefstemming"),
        ],
    )
    async def test_a_link_the_agenda_cannot_have_is_refused(
        self, services: Services, meeting_code: str, fields: dict[str, Any], reason: str
    ) -> None:
        proposal = await new_vote(services, meeting_code)
        test = await new_vote(services, meeting_code, kind="proefstemming", title="Proef")
        body: dict[str, Any] = {"kind": fields["kind"], "title": "Gekoppeld"}
        if "amends" in fields:
            body["amends_vote_id"] = test if fields["amends"] == "proef" else proposal
        if "part_of" in fields:
            body["part_of_vote_id"] = proposal
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes", json=body, headers=services.auth("chair")
        )
        assert response.status_code == 422
        assert response.json()["code"] == "bad_link"
        assert reason in response.json()["detail"]
        assert len(await votes(services, meeting_code)) == 2

    async def test_the_agenda_as_a_tree_with_the_undecided_amendments(
        self, services: Services, meeting_code: str
    ) -> None:
        amendment = await new_vote(services, meeting_code, kind="amendement", title="A1")
        proposal = await new_vote(services, meeting_code, title="Voorstel")
        response = await edit(
            services, amendment, kind="amendement", title="A1", amends_vote_id=proposal
        )
        assert response.status_code == 200, response.text
        tree = await get(services, f"/api/meetings/{meeting_code}/agenda")
        assert [(n["id"], [c["id"] for c in n["children"]]) for n in tree] == [
            (proposal, [amendment])
        ]
        assert tree[0]["undecided_amendments"] == [amendment]


class TestAmendmentsFirst:
    async def test_a_proposal_with_an_undecided_amendment_is_not_opened_unasked(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        proposal = await new_vote(services, meeting_code)
        amendment = await new_vote(
            services, meeting_code, kind="amendement", title="Amendement A", amends_vote_id=proposal
        )
        response = await act(services, proposal, "open")
        assert response.status_code == 409
        problem = response.json()
        assert (problem["code"], problem["amendments"]) == ("undecided_amendments", [amendment])
        assert "Amendement A" in problem["detail"]
        state = await get(services, f"/api/meetings/{meeting_code}/state")
        assert state["state"] == "CLOSED"
        response = await act(services, proposal, "acclaim", adopted=True)
        assert response.json()["code"] == "undecided_amendments"

        # The amendment first; then the proposal opens without a question.
        assert (await act(services, amendment, "open")).status_code == 200
        assert (await act(services, amendment, "close")).status_code == 200
        assert (await act(services, proposal, "open")).status_code == 200

    async def test_the_chair_may_confirm_and_open_it_anyway(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        proposal = await new_vote(services, meeting_code)
        await new_vote(
            services, meeting_code, kind="amendement", title="A", amends_vote_id=proposal
        )
        response = await act(services, proposal, "open", despite_undecided_amendments=True)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "open"


class TestRunoff:
    async def election(self, services: Services, meeting: str, keys: dict[str, int]) -> int:
        """An election closed with these presses (Amsterdam and Utrecht 75, Schiermonnikoog 1)."""
        await seat(services, meeting, BINDINGS)
        vote_id = await open_new_vote(
            services,
            meeting,
            kind="verkiezing",
            title="Verkiezing vicevoorzitter",
            office="vicevoorzitter",
            options=CANDIDATES,
        )
        await send(services, meeting, *(press(h, vote_id, k) for h, k in keys.items()))
        await act(services, vote_id, "close")
        return vote_id

    async def test_the_best_two_go_to_a_second_round(
        self, services: Services, meeting_code: str
    ) -> None:
        # Boumans 75, Jansen 75 would tie for first; Els de Vries 1; no majority of 151.
        vote_id = await self.election(
            services, meeting_code, {"000363": 1, "000344": 2, "000088": 3}
        )
        response = await act(services, vote_id, "runoff")
        assert response.status_code == 201, response.text
        runoff = response.json()
        assert runoff["title"] == "Verkiezing vicevoorzitter (tweede ronde)"
        assert (runoff["status"], runoff["follows_vote_id"]) == ("prepared", vote_id)
        assert (runoff["kind"], runoff["office"]) == ("verkiezing", "vicevoorzitter")
        assert [(o["key"], o["label"], o["role"]) for o in runoff["options"]] == [
            (1, "Mark Boumans", "choice"),
            (2, "Jan Jansen", "choice"),
            (3, "blanco", "abstain"),
        ]
        # Prepared, so the chair may still change it, or take it away and ask again.
        assert (
            await edit(services, runoff["id"], **{**runoff, "title": "Tweede ronde"})
        ).status_code == 200
        again = await act(services, vote_id, "runoff")
        assert again.json()["code"] == "already_held_again"
        assert (await remove(services, runoff["id"])).status_code == 204
        assert (await act(services, vote_id, "runoff")).status_code == 201

    async def test_not_when_someone_was_elected(
        self, services: Services, meeting_code: str
    ) -> None:
        vote_id = await self.election(
            services, meeting_code, {"000363": 1, "000344": 1, "000088": 3}
        )
        response = await act(services, vote_id, "runoff")
        assert response.status_code == 409
        assert response.json()["code"] == "no_runoff"
        assert "Mark Boumans is gekozen" in response.json()["detail"]
        assert len(await votes(services, meeting_code)) == 1

    async def test_not_when_the_second_place_is_tied(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, {**BINDINGS, "GM0014": "000014"})
        vote_id = await open_new_vote(
            services, meeting_code, kind="verkiezing", title="V", options=CANDIDATES
        )
        # 75 each for three candidates: no best two.
        keys = {"000363": 1, "000344": 2, "000014": 3}
        await send(services, meeting_code, *(press(h, vote_id, k) for h, k in keys.items()))
        await act(services, vote_id, "close")
        response = await act(services, vote_id, "runoff")
        assert response.json()["code"] == "no_runoff"
        assert "gelijke stand" in response.json()["detail"]

    async def test_not_of_a_proposal(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code)
        await act(services, vote_id, "close")
        response = await act(services, vote_id, "runoff")
        assert response.json()["code"] == "no_runoff"


AGENDA_WITH_LINKS = """soort;titel;agendapunt;wijzigt;onderdeel_van
amendement;Amendement A op het jaarplan;5;Jaarplan 2024;
voorstel;Jaarplan 2024;5;;
motie;Motie Armoede;7;;
motie;Motie Armoede, dictum 2;7;;Motie Armoede
amendement;Amendement zonder doel;8;Bestaat niet;
amendement;Amendement op een proef;9;Proef;
proefstemming;Proef;1;;
motie;Onderdeel van een onderdeel;7;;Motie Armoede, dictum 2
"""


class TestImportWithLinks:
    async def test_links_by_name_even_to_a_row_further_down(
        self, services: Services, meeting_code: str
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes/import",
            content=AGENDA_WITH_LINKS.encode(),
            headers={**services.auth("chair"), "Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text
        report = response.json()
        created = {v["title"]: v for v in report["created"]}
        assert list(created) == [
            "Amendement A op het jaarplan",
            "Jaarplan 2024",
            "Motie Armoede",
            "Motie Armoede, dictum 2",
            "Proef",
        ]
        listed = {v["title"]: v for v in await votes(services, meeting_code)}
        assert (
            listed["Amendement A op het jaarplan"]["amends_vote_id"]
            == listed["Jaarplan 2024"]["id"]
        )
        assert listed["Motie Armoede, dictum 2"]["part_of_vote_id"] == listed["Motie Armoede"]["id"]
        reasons = {s["row"]: s["reason"] for s in report["skipped"]}
        assert "'Bestaat niet' is geen titel of agendapunt" in reasons[6]
        assert "niet een proefstemming" in reasons[7]
        assert "zelf geen onderdeel" in reasons[9]


class TestMeetingBase:
    async def test_votes_follow_the_meeting_unless_they_say_otherwise(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        url = f"/api/meetings/{meeting_code}/settings"
        assert await get(services, url) == {"abstentions_cast": False}
        await open_new_vote(services, meeting_code, title="Al geopend")
        await new_vote(services, meeting_code, title="Volgt")
        await new_vote(services, meeting_code, title="Eigen", abstentions_cast=False)
        response = await services.ballot.put(
            url, json={"abstentions_cast": True}, headers=services.auth("chair")
        )
        assert response.json() == {"abstentions_cast": True}
        listed = {v["title"]: v for v in await votes(services, meeting_code)}
        assert listed["Volgt"]["abstentions_cast"] is True
        assert listed["Volgt"]["follows_meeting_base"] is True
        assert (listed["Eigen"]["abstentions_cast"], listed["Eigen"]["follows_meeting_base"]) == (
            False,
            False,
        )
        assert listed["Al geopend"]["abstentions_cast"] is False  # held with the old base
        created = await new_vote(services, meeting_code, title="Nieuw")
        assert (await get(services, f"/api/votes/{created}"))["abstentions_cast"] is True

    async def test_only_the_chair_sets_the_base(
        self, services: Services, meeting_code: str
    ) -> None:
        response = await services.ballot.put(
            f"/api/meetings/{meeting_code}/settings",
            json={"abstentions_cast": True},
            headers=services.auth("desk"),
        )
        assert response.status_code == 403
