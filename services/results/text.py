"""How a vote is named in the record, on the page and in the PDF alike."""

from __future__ import annotations

from services.common.labels import VOTE_KINDS
from services.results.schemas import VoteDefinition


def heading(vote: VoteDefinition) -> str:
    """ "Motie: Armoedebeleid", but "Motie 3: armoedebeleid" as it is."""
    kind = VOTE_KINDS.get(vote.kind, vote.kind)
    return vote.title if vote.title.lower().startswith(kind.lower()) else f"{kind}: {vote.title}"
