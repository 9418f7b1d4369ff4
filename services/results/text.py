"""How a vote is named in the record, on the page and in the PDF alike."""

from __future__ import annotations

from services.results.schemas import VoteDefinition

KINDS = {
    "voorstel": "Voorstel",
    "motie": "Motie",
    "amendement": "Amendement",
    "ordevoorstel": "Ordevoorstel",
    "verkiezing": "Verkiezing",
}


def capitalised(text: str | None) -> str:
    return text[:1].upper() + text[1:] if text else ""


def heading(vote: VoteDefinition) -> str:
    """ "Motie: Armoedebeleid", but "Motie 3: armoedebeleid" as it is."""
    kind = KINDS.get(vote.kind, vote.kind)
    return vote.title if vote.title.lower().startswith(kind.lower()) else f"{kind}: {vote.title}"
