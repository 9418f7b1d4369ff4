"""How a vote is named in the record, on the page and in the PDF alike."""

from __future__ import annotations

import datetime

from services.common.labels import VOTE_KINDS, dutch_number
from services.results.schemas import VoteDefinition
from services.results.schemas_record import StemgedragVote


def heading(vote: VoteDefinition) -> str:
    """ "Motie: Armoedebeleid", but "Motie 3: armoedebeleid" as it is."""
    kind = VOTE_KINDS.get(vote.kind, vote.kind)
    return vote.title if vote.title.lower().startswith(kind.lower()) else f"{kind}: {vote.title}"


def clock(moment: datetime.datetime | None) -> str:
    """A time of the meeting as people read it in the hall (local time): 14:03:27."""
    return moment.astimezone().strftime("%H:%M:%S") if moment else "–"


def counted(v: StemgedragVote) -> str:
    """What was cast and what it took, as the chair says it: "Uitgebracht (voor +
    tegen): 183 stemmen; vereist: meer dan de helft, dat is ten minste 92 stemmen"."""
    line = f"Uitgebracht ({v.base.description}): {dutch_number(v.base.weight)} stemmen"
    if v.required_votes is not None:
        line += (
            f"; vereist: {v.required.description},"
            f" dat is ten minste {dutch_number(v.required_votes)} stemmen"
        )
    return line
