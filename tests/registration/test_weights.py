from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registration.imports import parse_members_csv
from services.registration.weights import population_reference_date, weight_for
from tests.conftest import REFERENCE


class TestWeightFor:
    @pytest.mark.parametrize(
        ("population", "weight"),
        [
            (0, 1),
            (999, 1),
            (1_000, 1),
            (1_999, 1),
            (2_000, 2),
            (74_999, 74),
            (75_000, 75),
            (75_999, 75),
            (76_000, 75),
            (900_000, 75),
        ],
    )
    def test_boundaries_of_article_10(self, population: int, weight: int) -> None:
        assert weight_for(population) == weight

    def test_negative_population_is_refused(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            weight_for(-1)

    @given(st.integers(min_value=0, max_value=10_000_000))
    def test_weight_is_whole_thousands_clamped_to_1_and_75(self, population: int) -> None:
        weight = weight_for(population)
        assert 1 <= weight <= 75
        if 1 < weight < 75:
            assert weight * 1000 <= population < (weight + 1) * 1000


class TestReferenceDate:
    def test_is_first_of_january_of_the_previous_year(self) -> None:
        assert population_reference_date(datetime.date(2023, 12, 1)) == datetime.date(2022, 1, 1)


class TestReferenceFigures:
    """The totals stated in the data's README, recomputed from the files."""

    @pytest.mark.parametrize(
        ("year", "rows", "total", "capped", "minimum"),
        [(2022, 345, 12_990, 50, 3), (2023, 342, 13_074, 53, 3), (2024, 342, 13_111, 53, 3)],
    )
    def test_weights_of_all_municipalities(
        self, year: int, rows: int, total: int, capped: int, minimum: int
    ) -> None:
        parsed = parse_members_csv((REFERENCE / f"population-{year}-01-01.csv").read_text())
        weights = [weight_for(row.population or 0) for row in parsed.rows]
        assert not parsed.skipped
        assert len(weights) == rows
        assert sum(weights) == total
        assert weights.count(75) == capped
        assert weights.count(1) == minimum
