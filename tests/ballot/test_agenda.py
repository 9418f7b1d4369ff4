"""Preparing votes: reading an agenda file, importing it, reordering, holding again."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.ballot.agenda import UnreadableAgenda, read_csv, read_json
from tests.ballot.actions import BINDINGS, act, get, new_vote, open_new_vote
from tests.ballot.conftest import Services, seat

AGENDA_CSV = """soort;titel;agendapunt;opties;meerderheid;hoofdelijk;functie
voorstel;Jaarrekening 2022;4;;;ja;
motie;Motie Armoedebeleid;7a;;;nee;
verkiezing;Vicevoorzitter;9;1=Jansen|2=De Vries;;;vicevoorzitter
voorstel;Statutenwijziging;10;;>=2/3;;
stemming;Onbekende soort;11;;;;
voorstel;;12;;;;
ordevoorstel;Volgorde;13;1=eerst|x=later;;;
motie;Motie met functie;14;;;;penningmeester
"""


class TestReadingAnAgenda:
    def test_csv_with_dutch_columns_and_semicolons(self) -> None:
        agenda = read_csv(AGENDA_CSV)
        assert agenda.read == 8
        assert [(row, vote.title) for row, vote in agenda.votes] == [
            (2, "Jaarrekening 2022"),
            (3, "Motie Armoedebeleid"),
            (4, "Vicevoorzitter"),
            (5, "Statutenwijziging"),
        ]
        _, motie = agenda.votes[1]
        assert motie.named is False
        _, election = agenda.votes[2]
        assert [(o.key, o.label) for o in election.options or []] == [
            (1, "Jansen"),
            (2, "De Vries"),
        ]
        assert election.office == "vicevoorzitter"
        _, statutes = agenda.votes[3]
        assert (statutes.majority.numerator, statutes.majority.denominator) == (2, 3)
        assert statutes.majority.inclusive is True
        assert [(s.row, s.title) for s in agenda.skipped] == [
            (6, "Onbekende soort"),
            (7, None),
            (8, "Volgorde"),
            (9, "Motie met functie"),
        ]
        assert "x=later" in agenda.skipped[2].reason
        assert "alleen een verkiezing vervult een functie" in agenda.skipped[3].reason

    def test_csv_with_english_columns_and_commas(self) -> None:
        agenda = read_csv("kind,title\nmotie,M1\nproefstemming,Test\n")
        assert [vote.kind.value for _, vote in agenda.votes] == ["motie", "proefstemming"]

    @pytest.mark.parametrize("text", ["", "titel;agendapunt\nx;1\n"])
    def test_csv_without_the_needed_columns_is_unreadable(self, text: str) -> None:
        with pytest.raises(UnreadableAgenda):
            read_csv(text)

    def test_json_list_or_object(self) -> None:
        votes = [{"kind": "motie", "title": "M1"}, {"kind": "verkiezing", "title": "V"}]
        agenda = read_json(json.dumps({"votes": votes}))
        assert [vote.title for _, vote in agenda.votes] == ["M1"]
        assert agenda.skipped[0].row == 2
        assert read_json(json.dumps(votes[:1])).read == 1

    @pytest.mark.parametrize("text", ["{", '"votes"', '{"stemmingen": []}'])
    def test_json_that_is_no_list_is_unreadable(self, text: str) -> None:
        with pytest.raises(UnreadableAgenda):
            read_json(text)


@pytest.mark.anyio
@pytest.mark.db
class TestImport:
    async def upload(
        self, services: Services, meeting: str, body: str, kind: str
    ) -> dict[str, Any]:
        response = await services.ballot.post(
            f"/api/meetings/{meeting}/votes/import",
            content=body.encode(),
            headers={**services.auth("chair"), "Content-Type": kind},
        )
        assert response.status_code == 200, response.text
        report: dict[str, Any] = response.json()
        return report

    async def test_import_prepares_votes_after_the_existing_ones(
        self, services: Services, meeting_code: str
    ) -> None:
        first = await new_vote(services, meeting_code, title="Al aangemaakt")
        report = await self.upload(services, meeting_code, AGENDA_CSV, "text/csv")
        assert (report["read"], len(report["created"]), len(report["skipped"])) == (8, 4, 4)
        votes = (await services.ballot.get(f"/api/meetings/{meeting_code}/votes")).json()
        assert votes[0]["id"] == first
        assert [v["title"] for v in votes][1:] == [v["title"] for v in report["created"]]
        assert {v["status"] for v in votes} == {"prepared"}

    async def test_importing_twice_prepares_nothing_twice(
        self, services: Services, meeting_code: str
    ) -> None:
        body = json.dumps([{"kind": "motie", "title": "M1", "agenda_item": "3"}])
        await self.upload(services, meeting_code, body, "application/json")
        again = await self.upload(services, meeting_code, body, "application/json")
        assert again["created"] == []
        assert "bestaat al" in again["skipped"][0]["reason"]

    async def test_an_unreadable_file_is_refused(
        self, services: Services, meeting_code: str
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes/import",
            content=b"not json",
            headers={**services.auth("chair"), "Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert response.json()["code"] == "bad_agenda"

    async def test_only_the_chair_imports(self, services: Services, meeting_code: str) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes/import",
            content=b"kind,title\nmotie,M\n",
            headers={**services.auth("desk"), "Content-Type": "text/csv"},
        )
        assert response.status_code == 403


@pytest.mark.anyio
@pytest.mark.db
class TestReorder:
    async def test_prepared_votes_swap_places_opened_ones_stay(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        done = await open_new_vote(services, meeting_code, title="A")
        await act(services, done, "close")
        b = await new_vote(services, meeting_code, title="B")
        c = await new_vote(services, meeting_code, title="C")
        response = await services.ballot.put(
            f"/api/meetings/{meeting_code}/votes/order",
            json={"vote_ids": [c, b]},
            headers=services.auth("chair"),
        )
        assert response.status_code == 200, response.text
        assert [v["title"] for v in response.json()] == ["A", "C", "B"]

    async def test_the_order_must_name_every_prepared_vote_once(
        self, services: Services, meeting_code: str
    ) -> None:
        b = await new_vote(services, meeting_code, title="B")
        await new_vote(services, meeting_code, title="C")
        response = await services.ballot.put(
            f"/api/meetings/{meeting_code}/votes/order",
            json={"vote_ids": [b, b]},
            headers=services.auth("chair"),
        )
        assert response.status_code == 422
        assert response.json()["code"] == "bad_order"


@pytest.mark.anyio
@pytest.mark.db
class TestHoldAgain:
    async def test_an_annulled_vote_is_held_again_as_a_new_prepared_vote(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code, kind="motie", named=False)
        await act(services, vote_id, "close")
        await act(services, vote_id, "annul", reason="storing ontvanger")
        response = await act(services, vote_id, "again")
        assert response.status_code == 201, response.text
        again = response.json()
        assert (again["status"], again["follows_vote_id"]) == ("prepared", vote_id)
        assert (again["kind"], again["title"], again["named"]) == ("motie", "Voorstel 1", False)
        assert (await act(services, again["id"], "open")).status_code == 200

    async def test_a_copy_keeps_the_options(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code, BINDINGS)
        options = [{"key": k, "label": n, "role": "choice"} for k, n in enumerate("ABC", 1)]
        vote_id = await open_new_vote(
            services, meeting_code, kind="verkiezing", title="VZ", options=options
        )
        await act(services, vote_id, "close")
        response = await act(services, vote_id, "again", title="VZ opnieuw")
        assert response.status_code == 201, response.text
        assert response.json()["title"] == "VZ opnieuw"
        assert [o["label"] for o in response.json()["options"]] == ["A", "B", "C"]

    async def test_only_once(self, services: Services, meeting_code: str) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code)
        await act(services, vote_id, "close")
        assert (await act(services, vote_id, "again")).status_code == 201
        response = await act(services, vote_id, "again")
        assert response.status_code == 409
        assert response.json()["code"] == "already_held_again"

    async def test_an_open_vote_cannot_be_held_again(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(services, meeting_code)
        response = await act(services, vote_id, "again")
        assert response.status_code == 409
        assert response.json()["code"] == "wrong_vote_state"
        record = await get(services, f"/api/votes/{vote_id}/record")
        assert record["vote"]["status"] == "open"
