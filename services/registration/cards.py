"""Stemkaarten: issue one per member, re-issue a lost one, and what goes on it.

No FastAPI here; flush, never commit. A re-issued card gets version + 1; the
old version stays in the table with ``revoked_at`` so a scan of it is refused
as revoked (not as unknown), and both events are in the audit log.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.registration import cardcode, repository
from services.registration.desk import member_for_card
from services.registration.errors import (
    CardNotValid,
    CardRevoked,
    ForgedCard,
    MalformedCode,
    NoCard,
    OtherMeetingCard,
    PopulationMissing,
    UnknownCard,
)
from services.registration.models import Meeting, Member, VotingCard, utcnow
from services.registration.render import CardFace
from services.registration.schemas import CardRead
from services.registration.service import get_member


def _card_read(member: Member, card: VotingCard) -> CardRead:
    return CardRead(
        member=member.code,
        name=member.name,
        weight=member.weight,
        version=card.version,
        code=card.code,
    )


def _new_card(meeting: Meeting, member: Member, version: int) -> VotingCard:
    return VotingCard(
        member_id=member.id,
        version=version,
        code=cardcode.issue(
            secret=bytes.fromhex(meeting.card_secret),
            meeting=meeting.code,
            member=member.code,
            version=version,
        ),
    )


async def issue_cards(session: AsyncSession, *, meeting: Meeting, actor: str) -> list[CardRead]:
    """One card per member; members that already have one keep it."""
    members = await repository.members(session, meeting)
    lacking = [member for member in members if member.weight is None]
    if lacking:
        names = ", ".join(f"{m.name} ({m.code})" for m in lacking[:10])
        raise PopulationMissing(
            f"Stemkaarten kunnen nog niet worden gemaakt: geen inwonertal voor {names}."
            " Voer eerst het inwonertal in.",
            members=[m.code for m in lacking],
        )
    cards = []
    issued = 0
    for member in members:
        card = await repository.current_card(session, member)
        if card is None:
            card = _new_card(meeting, member, 1)
            session.add(card)
            issued += 1
        cards.append(_card_read(member, card))
    await session.flush()
    repository.add_audit(session, meeting, actor=actor, action="cards.issued", issued=issued)
    return cards


async def list_cards(session: AsyncSession, *, meeting: Meeting) -> list[CardRead]:
    cards = []
    for member in await repository.members(session, meeting):
        card = await repository.current_card(session, member)
        if card is not None:
            cards.append(_card_read(member, card))
    return cards


async def current_card(
    session: AsyncSession, *, meeting: Meeting, member_code: str
) -> tuple[Member, VotingCard]:
    member = await get_member(session, meeting=meeting, code=member_code)
    card = await repository.current_card(session, member)
    if card is None:
        raise NoCard(
            f"{member.name} heeft nog geen stemkaart. Maak eerst de stemkaarten van de vergadering."
        )
    if member.weight is None:  # a later import left the member without a figure
        raise PopulationMissing(
            f"{member.name} heeft geen inwonertal meer en dus geen stemgewicht."
            " Voer eerst het inwonertal in.",
            members=[member.code],
        )
    return member, card


async def reissue_card(
    session: AsyncSession, *, meeting: Meeting, member_code: str, reason: str, actor: str
) -> CardRead:
    """Revoke the member's current card and issue the next version."""
    member, old = await current_card(session, meeting=meeting, member_code=member_code)
    old.revoked_at = utcnow()
    new = _new_card(meeting, member, old.version + 1)
    session.add(new)
    await session.flush()
    repository.add_audit(
        session,
        meeting,
        actor=actor,
        action="card.revoked",
        member=member,
        version=old.version,
        reason=reason,
    )
    repository.add_audit(
        session, meeting, actor=actor, action="card.reissued", member=member, version=new.version
    )
    return _card_read(member, new)


def card_face(meeting: Meeting, member: Member, card: VotingCard) -> CardFace:
    assert member.weight is not None
    return CardFace(
        meeting_name=meeting.name,
        meeting_date=meeting.date,
        member_name=member.name,
        member_code=member.code,
        weight=member.weight,
        code=card.code,
        version=card.version,
    )


async def card_holder(session: AsyncSession, *, meeting: Meeting, code: str) -> Member:
    """The member of a valid, current stemkaart, for the receipt check.

    Malformed, forged, unknown, of another meeting or revoked: one answer,
    so the check tells a guesser nothing about why a code fails.
    """
    try:
        return await member_for_card(session, meeting=meeting, code=code)
    except (MalformedCode, ForgedCard, OtherMeetingCard, UnknownCard, CardRevoked) as exc:
        raise CardNotValid("Met deze stemkaart is niets te vinden.") from exc
