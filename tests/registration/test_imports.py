"""Pure parsing: the contacts CSV, e-mail addresses, CBS's OData documents."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest

from services.registration.cbs import parse_cbs_population, period_for
from services.registration.imports import UnreadableFile, is_valid_email, parse_contacts_csv
from services.registration.weights import weight_for


class TestEmail:
    @pytest.mark.parametrize(
        "address",
        [
            "secretaris@amsterdam.nl",
            "j.de.vries@gemeente-utrecht.nl",
            "info+alv@sudwestfryslan.nl",
            "o'brien@example.frl",
        ],
    )
    def test_accepts_real_addresses(self, address: str) -> None:
        assert is_valid_email(address)

    @pytest.mark.parametrize(
        "address",
        [
            "",
            "secretaris",
            "secretaris@",
            "@amsterdam.nl",
            "secretaris@amsterdam",
            "secre taris@amsterdam.nl",
            "a@b@amsterdam.nl",
            "secretaris@amsterdam..nl",
            "secretaris@-amsterdam.nl",
            "secretaris@amsterdam.n1",
            "secretaris.@amsterdam.nl",
            "secretaris@amsterdam.nl,griffie@amsterdam.nl",
            "x" * 65 + "@amsterdam.nl",
        ],
    )
    def test_refuses_typos(self, address: str) -> None:
        assert not is_valid_email(address)


class TestContactsCsv:
    def test_rows_and_reasons(self) -> None:
        parsed = parse_contacts_csv(
            "code,name,email\n"
            "GM0363,P. Jansen,secretaris@amsterdam.nl\n"
            "GM0088,,a@b.nl\n"
            "GM0344,K. de Boer,kdeboer@utrecht\n"
            "XX01,Iemand,iemand@x.nl\n"
            "gm0363,Dubbel,dubbel@amsterdam.nl\n"
        )
        assert [(r.code, r.name, r.email) for r in parsed.rows] == [
            ("GM0363", "P. Jansen", "secretaris@amsterdam.nl")
        ]
        assert [s.line for s in parsed.skipped] == [3, 4, 5, 6]
        assert "geen geldig e-mailadres" in parsed.skipped[1].reason
        assert "dubbel" in parsed.skipped[3].reason

    def test_missing_column(self) -> None:
        with pytest.raises(UnreadableFile, match="email"):
            parse_contacts_csv("code,name\nGM0363,P. Jansen\n")


class TestCbs:
    def test_period_is_the_year_of_the_reference_date(self) -> None:
        # PeriodenCodes: "2023JJ00" titled "2023"; with measure M000352
        # ("Bevolking op 1 januari") it is the population on 1 January 2023.
        assert period_for(datetime.date(2023, 1, 1)) == "2023JJ00"
        with pytest.raises(ValueError):
            period_for(datetime.date(2023, 7, 1))

    def test_2023_figures_equal_the_published_csv(
        self, cbs_documents: dict[str, Any], population_2023: str
    ) -> None:
        parsed = parse_cbs_population(
            cbs_documents["observations"],
            cbs_documents["regions"],
            reference_date=datetime.date(2023, 1, 1),
        ).parsed
        populations = {row.code: row.population for row in parsed.rows}
        assert sum(p or 0 for p in populations.values()) == 17_811_291
        published = csv.DictReader(io.StringIO(population_2023))
        assert populations == {row["code"]: int(row["population"]) for row in published}
        assert {row.name for row in parsed.rows} >= {"Groningen", "'s-Gravenhage", "Utrecht"}
        weights = [weight_for(p or 0) for p in populations.values()]
        assert (sum(weights), weights.count(75), weights.count(1)) == (13_074, 53, 3)

    def test_impossible_is_skipped_never_zero(self, cbs_documents: dict[str, Any]) -> None:
        parsed = parse_cbs_population(
            cbs_documents["observations"],
            cbs_documents["regions"],
            reference_date=datetime.date(2023, 1, 1),
        ).parsed
        assert all(row.population for row in parsed.rows)
        reasons = [s.reason for s in parsed.skipped]
        assert any(r.startswith("GM0001 Adorp: geen inwonertal voor 2023JJ00") for r in reasons)

    def test_merged_in_the_meeting_year_is_a_member_without_figure(
        self, cbs_documents: dict[str, Any]
    ) -> None:
        # A meeting in 2023 counts 1 January 2022; Voorne aan Zee exists from 2023.
        parsed = parse_cbs_population(
            cbs_documents["observations"],
            cbs_documents["regions"],
            reference_date=datetime.date(2022, 1, 1),
        ).parsed
        by_code = {row.code: row for row in parsed.rows}
        assert len(by_code) == 342
        assert by_code["GM1992"].name == "Voorne aan Zee"
        assert by_code["GM1992"].population is None
        assert "GM0501" not in by_code  # Brielle merged into it
        assert any("GM0501 Brielle: bestaat niet meer in 2023" in s.reason for s in parsed.skipped)

    def test_without_the_meeting_year_the_reference_year_decides(self) -> None:
        observation = {"Measure": "M000352", "Perioden": "2030JJ00", "ValueAttribute": "None"}
        parsed = parse_cbs_population(
            {
                "value": [
                    {**observation, "RegioS": "GM0001", "Value": 1500},
                    {
                        **observation,
                        "RegioS": "GM0002",
                        "Value": None,
                        "ValueAttribute": "Impossible",
                    },
                    {**observation, "RegioS": "NL01", "Value": 1500},
                ]
            },
            {"value": [{"Identifier": "GM0001", "Title": "Ergens"}]},
            reference_date=datetime.date(2030, 1, 1),
        ).parsed
        assert [(r.code, r.population) for r in parsed.rows] == [("GM0001", 1500)]
        assert len(parsed.skipped) == 1

    def test_refuses_a_partial_download(self, cbs_documents: dict[str, Any]) -> None:
        with pytest.raises(UnreadableFile, match="volgende pagina"):
            parse_cbs_population(
                {**cbs_documents["observations"], "@odata.nextLink": "https://…?$skip=10000"},
                cbs_documents["regions"],
                reference_date=datetime.date(2023, 1, 1),
            )

    def test_refuses_data_without_the_period(self, cbs_documents: dict[str, Any]) -> None:
        with pytest.raises(UnreadableFile, match="2019JJ00"):
            parse_cbs_population(
                cbs_documents["observations"],
                cbs_documents["regions"],
                reference_date=datetime.date(2019, 1, 1),
            )
