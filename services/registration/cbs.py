"""Reading CBS's own open-data format (OData v4, table 03759ned) into member rows.

Staff download two documents from ``datasets.cbs.nl/odata/v1/CBS/03759ned``:
``Observations`` (filtered to measure M000352, "Bevolking op 1 januari") and
``RegioSCodes`` (code -> name). A period ``2023JJ00`` of that measure is the
population on 1 January 2023 (PeriodenCodes: title "2023"), so the figures of
a meeting come from the period of the year of its population reference date.

Which municipalities are members: when the documents also hold the meeting's
own year, the municipalities that exist in that year (so a municipality merged
on 1 January of the meeting's year is a member, without a figure until staff
supply one, and the municipalities it replaced are not); otherwise the ones
with a figure in the reference year. "Impossible"/null values mean the
municipality did not exist then: they are skipped with a reason, never read
as 0. Values in, rows out: no database.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.common.bounds import NAME_LENGTH, is_storable
from services.registration.imports import MemberRow, ParsedMembers, Skipped, UnreadableFile
from services.registration.weights import MAX_POPULATION, population_bound

POPULATION_MEASURE = "M000352"
# The totals over sex, age and marital status; the full table has breakdowns.
TOTALS = {"Geslacht": "T001038", "Leeftijd": "10000", "BurgerlijkeStaat": "T001019"}
_NAME_SUFFIX = " (gemeente)"  # CBS's disambiguation from the province of the same name
_REGION = re.compile(r"GM[0-9]{4}")  # CBS's identifier of a municipality


@dataclass(frozen=True)
class CbsPopulation:
    period: str
    parsed: ParsedMembers


def period_for(reference_date: datetime.date) -> str:
    if (reference_date.month, reference_date.day) != (1, 1):
        raise ValueError(f"CBS counts the population on 1 January, not on {reference_date}")
    return f"{reference_date.year}JJ00"


def _values(document: Mapping[str, Any], what: str) -> list[dict[str, Any]]:
    if not isinstance(document, Mapping) or not isinstance(document.get("value"), list):
        raise UnreadableFile(f"{what} is geen OData-document met een lijst 'value'")
    if document.get("@odata.nextLink"):
        raise UnreadableFile(
            f"{what} is maar een deel van de gegevens (er is een volgende pagina):"
            " download alles en voeg de pagina's samen"
        )
    return [item for item in document["value"] if isinstance(item, dict)]


def _is_total_population(observation: Mapping[str, Any]) -> bool:
    if observation.get("Measure") != POPULATION_MEASURE:
        return False
    return all(observation.get(key, total) == total for key, total in TOTALS.items())


def _name(titles: Mapping[str, str], code: str) -> str:
    title = titles.get(code, "").strip()
    # A name no database can store is no name: the region is skipped, as without one.
    return title.removesuffix(_NAME_SUFFIX) if is_storable(title) else ""


def _figure(observation: Mapping[str, Any]) -> int | None:
    value = observation.get("Value")
    if observation.get("ValueAttribute") not in (None, "None") or value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value != int(value):
        return None
    return int(value) if value >= 0 else None


def parse_cbs_population(
    observations: Mapping[str, Any],
    regions: Mapping[str, Any],
    *,
    reference_date: datetime.date,
) -> CbsPopulation:
    period = period_for(reference_date)
    meeting_period = period_for(datetime.date(reference_date.year + 1, 1, 1))
    titles = {
        str(region.get("Identifier")): str(region.get("Title") or "")
        for region in _values(regions, "RegioSCodes")
    }
    figures: dict[str, dict[str, int | None]] = {period: {}, meeting_period: {}}
    for observation in _values(observations, "Observations"):
        region = str(observation.get("RegioS", ""))
        if (
            _REGION.fullmatch(region)
            and str(observation.get("Perioden")) in figures
            and _is_total_population(observation)
        ):
            figures[str(observation["Perioden"])][region] = _figure(observation)
    reference = figures[period]
    if not any(value is not None for value in reference.values()):
        raise UnreadableFile(
            f"er staan geen inwonertallen voor periode {period} (1 januari"
            f" {reference_date.year}) in de gegevens"
        )
    existing_at_meeting = {code for code, value in figures[meeting_period].items() if value}
    members = existing_at_meeting or {code for code, value in reference.items() if value}
    rows: list[MemberRow] = []
    skipped: list[Skipped] = []
    # "line" of a skipped or read entry: its place in the list of regions by code.
    for line, code in enumerate(sorted(set(reference) | members), start=1):
        name = _name(titles, code)
        population = reference.get(code)
        if not name:
            skipped.append(Skipped(line, f"{code}: geen naam in RegioSCodes"))
        elif len(name) > NAME_LENGTH:
            skipped.append(Skipped(line, f"{code}: naam is langer dan {NAME_LENGTH} tekens"))
        elif population is not None and population > MAX_POPULATION:
            reason = f"inwonertal {population} is groter dan {population_bound()}"
            skipped.append(Skipped(line, f"{code} {name}: {reason}"))
        elif code not in members:
            reason = (
                f"bestaat niet meer in {reference_date.year + 1}"
                if population is not None
                else f"geen inwonertal voor {period} (bestond toen niet)"
            )
            skipped.append(Skipped(line, f"{code} {name}: {reason}"))
        else:
            rows.append(MemberRow(line, code, name, population, reference_date))
    return CbsPopulation(period, ParsedMembers(rows, skipped))
