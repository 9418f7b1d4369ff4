"""Ballot accepts only votes the decision module decides: offered majorities,
options that fit the kind of vote."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.ballot.agenda import read_csv, read_json
from services.domain.decision import MAJORITY_RULES, MajorityRule
from tests.ballot.actions import BINDINGS, act, new_vote, open_new_vote
from tests.ballot.conftest import Services, seat
from tests.support.legacy import store_majority

AT_LEAST_HALF = {"numerator": 1, "denominator": 2, "inclusive": True}
MORE_THAN_A_THIRD = {"numerator": 1, "denominator": 3, "inclusive": False}
NOT_OFFERED = [
    pytest.param(AT_LEAST_HALF, "ten minste de helft", id="at-least-1/2"),
    pytest.param(MORE_THAN_A_THIRD, "meer dan 1/3", id="more-than-1/3"),
    pytest.param({"numerator": 3, "denominator": 5, "inclusive": False}, "meer dan 3/5", id="3/5"),
]


def terms(rule: MajorityRule) -> dict[str, Any]:
    return {
        "numerator": rule.numerator,
        "denominator": rule.denominator,
        "inclusive": rule.inclusive,
    }


class TestAgendaFiles:
    def test_csv_rows_with_a_rule_not_offered_are_skipped_with_the_reason(self) -> None:
        agenda = read_csv(
            "soort;titel;meerderheid\n"
            "voorstel;Gewoon;1/2\n"
            "voorstel;Statuten;>=2/3\n"
            "voorstel;Half;>=1/2\n"
            "voorstel;Derde;1/3\n"
            "voorstel;Drie vijfde;≥3/5\n"
        )
        assert [vote.title for _, vote in agenda.votes] == ["Gewoon", "Statuten"]
        assert [(s.row, s.title) for s in agenda.skipped] == [
            (4, "Half"),
            (5, "Derde"),
            (6, "Drie vijfde"),
        ]
        assert "'ten minste de helft' is geen meerderheid" in agenda.skipped[0].reason
        assert "'meer dan 1/3' is geen meerderheid" in agenda.skipped[1].reason
        assert "kies uit: meer dan de helft (1/2)" in agenda.skipped[2].reason

    def test_json_entries_with_a_rule_not_offered_are_skipped(self) -> None:
        agenda = read_json(
            json.dumps(
                [
                    {"kind": "motie", "title": "Goed", "majority": terms(MAJORITY_RULES[2])},
                    {"kind": "motie", "title": "Half", "majority": AT_LEAST_HALF},
                ]
            )
        )
        assert [vote.title for _, vote in agenda.votes] == ["Goed"]
        assert agenda.skipped[0].row == 2
        assert "ten minste de helft" in agenda.skipped[0].reason

    @pytest.mark.parametrize("fraction", ["١/٢", "1/２", "²/3", "+1/2", "1 / 2 / 3"])
    def test_a_fraction_is_written_in_ascii_digits(self, fraction: str) -> None:
        agenda = read_csv(f"soort;titel;meerderheid\nvoorstel;X;{fraction}\n")
        assert agenda.votes == []
        assert "geen breuk" in agenda.skipped[0].reason

    @pytest.mark.parametrize("options", ["١=Jansen|2=De Vries", "1=Jansen|²=De Vries"])
    def test_an_option_key_is_an_ascii_digit(self, options: str) -> None:
        agenda = read_csv(f"soort;titel;opties\nverkiezing;X;{options}\n")
        assert agenda.votes == []
        assert "niet van de vorm 1=naam" in agenda.skipped[0].reason

    def test_an_agenda_row_with_candidates_for_a_voorstel_is_skipped(self) -> None:
        agenda = read_csv("soort;titel;opties\nvoorstel;X;1=ja|2=nee\nmotie;Y;\n")
        assert [vote.title for _, vote in agenda.votes] == ["Y"]
        assert "een voorstel heeft precies één optie voor" in agenda.skipped[0].reason


@pytest.mark.anyio
@pytest.mark.db
class TestBallotChecksTheRule:
    @pytest.mark.parametrize("rule", MAJORITY_RULES, ids=lambda rule: rule.notation)
    async def test_every_offered_rule_is_accepted(
        self, services: Services, meeting_code: str, rule: MajorityRule
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes",
            json={"kind": "voorstel", "title": "X", "majority": terms(rule)},
            headers=services.auth("chair"),
        )
        assert response.status_code == 201, response.text
        assert response.json()["majority"] == terms(rule)

    @pytest.mark.parametrize(("majority", "words"), NOT_OFFERED)
    async def test_a_rule_results_cannot_decide_is_refused(
        self, services: Services, meeting_code: str, majority: dict[str, Any], words: str
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes",
            json={"kind": "voorstel", "title": "X", "majority": majority},
            headers=services.auth("chair"),
        )
        assert response.status_code == 422, response.text
        assert f"'{words}' is geen meerderheid" in response.json()["detail"]
        votes = await services.ballot.get(f"/api/meetings/{meeting_code}/votes")
        assert votes.json() == []

    async def test_the_agenda_import_skips_such_rows(
        self, services: Services, meeting_code: str
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes/import",
            content=b"soort;titel;meerderheid\nvoorstel;Goed;>=2/3\nvoorstel;Half;>=1/2\n",
            headers={**services.auth("chair"), "Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert [v["title"] for v in report["created"]] == ["Goed"]
        assert [(s["row"], s["title"]) for s in report["skipped"]] == [(3, "Half")]
        assert "ten minste de helft" in report["skipped"][0]["reason"]


ONE_FOR = [{"key": 1, "label": "voor", "role": "for"}]
TWO_CANDIDATES = [
    {"key": 1, "label": "Jansen", "role": "choice"},
    {"key": 2, "label": "De Vries", "role": "choice"},
]
FOR_AGAINST = [
    {"key": 1, "label": "voor", "role": "for"},
    {"key": 2, "label": "tegen", "role": "against"},
]


@pytest.mark.anyio
@pytest.mark.db
class TestOptionsFitTheKind:
    @pytest.mark.parametrize(
        ("kind", "options", "needed"),
        [
            ("voorstel", ONE_FOR, "precies één optie voor en één optie tegen"),
            ("motie", TWO_CANDIDATES, "precies één optie voor en één optie tegen"),
            ("verkiezing", FOR_AGAINST, "ten minste twee keuzeopties"),
            ("ordevoorstel", TWO_CANDIDATES[:1], "ten minste twee keuzeopties"),
        ],
    )
    async def test_options_results_cannot_decide_are_refused(
        self,
        services: Services,
        meeting_code: str,
        kind: str,
        options: list[dict[str, Any]],
        needed: str,
    ) -> None:
        response = await services.ballot.post(
            f"/api/meetings/{meeting_code}/votes",
            json={"kind": kind, "title": "X", "options": options},
            headers=services.auth("chair"),
        )
        assert response.status_code == 422, response.text
        assert f"een {kind} heeft {needed}" in response.json()["detail"]

    async def test_holding_again_takes_no_hand_typed_candidates(
        self, services: Services, meeting_code: str
    ) -> None:
        """A second round comes from the outcome (``/runoff``), never from typed options."""
        await seat(services, meeting_code, BINDINGS)
        vote_id = await open_new_vote(
            services, meeting_code, kind="verkiezing", options=TWO_CANDIDATES
        )
        await act(services, vote_id, "close")
        response = await act(services, vote_id, "again", options=TWO_CANDIDATES[:1])
        assert response.status_code == 422, response.text
        assert "options" in response.json()["detail"]
        votes = await services.ballot.get(f"/api/meetings/{meeting_code}/votes")
        assert [v["id"] for v in votes.json()] == [vote_id]


@pytest.mark.anyio
@pytest.mark.db
class TestAVoteStoredBeforeTheCheck:
    """A vote whose rule was stored unchecked, by an older ballot."""

    async def legacy_vote(
        self, services: Services, database_urls: dict[str, str], meeting: str
    ) -> int:
        await seat(services, meeting, BINDINGS)
        vote_id = await open_new_vote(services, meeting)
        await act(services, vote_id, "close")
        store_majority(database_urls["ballot"], vote_id, **AT_LEAST_HALF)
        return vote_id

    async def test_it_is_still_read_as_stored(
        self, services: Services, database_urls: dict[str, str], meeting_code: str
    ) -> None:
        vote_id = await self.legacy_vote(services, database_urls, meeting_code)
        for path in (f"/api/votes/{vote_id}", f"/api/meetings/{meeting_code}/votes"):
            response = await services.ballot.get(path)
            assert response.status_code == 200, response.text
        record = await services.ballot.get(
            f"/api/votes/{vote_id}/record", headers=services.auth("auditor")
        )
        assert record.status_code == 200, record.text
        assert record.json()["vote"]["majority"] == AT_LEAST_HALF

    async def test_holding_it_again_needs_an_offered_rule(
        self, services: Services, database_urls: dict[str, str], meeting_code: str
    ) -> None:
        vote_id = await self.legacy_vote(services, database_urls, meeting_code)
        refused = await act(services, vote_id, "again")
        assert refused.status_code == 422, refused.text
        assert "ten minste de helft" in refused.json()["detail"]
        again = await act(services, vote_id, "again", majority=terms(MAJORITY_RULES[0]))
        assert again.status_code == 201, again.text
        assert again.json()["majority"] == terms(MAJORITY_RULES[0])
        assert again.json()["follows_vote_id"] == vote_id

    async def test_a_copy_keeps_an_offered_rule(
        self, services: Services, meeting_code: str
    ) -> None:
        await seat(services, meeting_code, BINDINGS)
        two_thirds = terms(MAJORITY_RULES[2])
        vote_id = await open_new_vote(services, meeting_code, majority=two_thirds)
        await act(services, vote_id, "close")
        again = await act(services, vote_id, "again")
        assert again.status_code == 201, again.text
        assert again.json()["majority"] == two_thirds
        assert (await new_vote(services, meeting_code, title="Nog een")) > vote_id
