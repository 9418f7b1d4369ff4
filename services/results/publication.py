"""Publication of the stemgedrag: whether it is public, and outcomes without it.

Pure: values in, values out. The VNG publishes every municipality's
stemgedrag *after* the meeting; outcomes (totals, percentages, the decision)
are public the moment a vote closes. So until the secretariat publishes (or
the meeting is set to publish at once), every public view of a named vote
shows what a secret vote shows: totals, no member codes. The auditors' views
always have everything.

What carries member codes of a named vote, and is withheld here: the per
option ``codes`` of the tallies, the ``codes`` of the non-voters, and the
"Niet gestemd" line of the explanation that lists them.
"""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass
from typing import Any, Literal

from services.results.schemas import OutcomeRead, TallyRead

PublicationMode = Literal["after_meeting", "at_once"]
MODES: tuple[PublicationMode, ...] = ("after_meeting", "at_once")
DEFAULT_MODE: PublicationMode = "after_meeting"


@dataclass(frozen=True)
class PublicationState:
    meeting: str
    mode: PublicationMode = DEFAULT_MODE
    published_at: datetime.datetime | None = None
    published_by: str | None = None

    @property
    def stemgedrag_public(self) -> bool:
        return self.mode == "at_once" or self.published_at is not None


def _explanation_without(lines: list[str], codes: list[str] | None) -> list[str]:
    if not codes:
        return list(lines)
    listed = f" ({', '.join(codes)})"
    return [
        line.removesuffix(listed) if line.startswith("Niet gestemd") else line for line in lines
    ]


def outcome_json_without_stemgedrag(outcome: dict[str, Any]) -> dict[str, Any]:
    """A stored outcome (parsed ``outcome_json``) with no member codes left in it."""
    bare = copy.deepcopy(outcome)
    codes = bare["non_voters"].get("codes")
    bare["non_voters"]["codes"] = None
    for tally in bare["tallies"]:
        tally["codes"] = None
    bare["explanation"] = _explanation_without(bare["explanation"], codes)
    return bare


def outcome_without_stemgedrag(outcome: OutcomeRead) -> OutcomeRead:
    """An outcome as the public sees it before publication (a secret vote's already is)."""
    if not outcome.vote.named:
        return outcome
    return outcome.model_copy(
        update={
            "non_voters": outcome.non_voters.model_copy(update={"codes": None}),
            "tallies": [
                TallyRead.model_validate({**t.model_dump(), "codes": None}) for t in outcome.tallies
            ],
            "explanation": _explanation_without(outcome.explanation, outcome.non_voters.codes),
        }
    )
