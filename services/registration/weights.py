"""Article 10 of the VNG statutes: the number of votes of a member municipality.

"As many votes as whole multiples of 1,000 inhabitants, at least 1 and at most
75", measured on 1 January of the year before the meeting (CBS figures).
"""

from __future__ import annotations

import datetime

from services.common.bounds import MAX_VOTES, MIN_VOTES

INHABITANTS_PER_VOTE = 1000
# The largest figure any import or form accepts. The largest municipality has
# under a million inhabitants; the bound keeps a typo (or a 23-digit number)
# from being read as a population, and fits every integer column.
MAX_POPULATION = 100_000_000


def weight_for(population: int) -> int:
    if population < 0:
        raise ValueError(f"population cannot be negative: {population}")
    return min(MAX_VOTES, max(MIN_VOTES, population // INHABITANTS_PER_VOTE))


def population_bound() -> str:
    """``MAX_POPULATION`` as a Dutch text says it: 100.000.000."""
    return f"{MAX_POPULATION:,}".replace(",", ".")


def population_reference_date(meeting_date: datetime.date) -> datetime.date:
    """1 January of the year before the meeting (article 10, paragraph 3)."""
    return datetime.date(meeting_date.year - 1, 1, 1)
