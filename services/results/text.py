"""How a vote is named in the record, on the page and in the PDF alike."""

from __future__ import annotations

import datetime

from services.common.labels import VOTE_KINDS
from services.results.schemas import VoteDefinition


def heading(vote: VoteDefinition) -> str:
    """ "Motie: Armoedebeleid", but "Motie 3: armoedebeleid" as it is."""
    kind = VOTE_KINDS.get(vote.kind, vote.kind)
    return vote.title if vote.title.lower().startswith(kind.lower()) else f"{kind}: {vote.title}"


def clock(moment: datetime.datetime | None) -> str:
    """A time of the meeting as people read it in the hall (local time): 14:03:27."""
    return moment.astimezone().strftime("%H:%M:%S") if moment else "–"
