"""The stembalie: scan a stemkaart, bind a stemkastje, take it back, swap it.

No FastAPI here. Functions take the session first and keyword arguments after;
they flush but never commit: the request owns the transaction. Every refusal is
a specific domain error with a Dutch detail the desk page shows as it is, and
is raised before anything changes.
"""

from __future__ import annotations

import datetime
import re

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.bounds import HANDSET
from services.common.http import ServiceClient, fitted, url_path
from services.registration import cardcode, repository
from services.registration.errors import (
    AlreadyRegistered,
    CardRevoked,
    ForgedCard,
    HandsetInUse,
    HandsetNotBound,
    MalformedCode,
    MalformedHandset,
    NotConfirmed,
    NotRegistered,
    OtherMeetingCard,
    PopulationMissing,
    UnknownCard,
)
from services.registration.models import Meeting, Member, Registration, utcnow
from services.registration.schemas import (
    Admission,
    BallotNotVoted,
    BallotVotes,
    BindingChangeRead,
    BindingChanges,
    Electorate,
    ElectorMember,
    MemberStatus,
    Presence,
    RegistrationRead,
    TestVoteStatus,
)
from services.registration.service import get_member

_HANDSET = re.compile(HANDSET)


def format_time(moment: datetime.datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")


async def member_for_card(session: AsyncSession, *, meeting: Meeting, code: str) -> Member:
    """The member a scanned code belongs to, or the specific reason to refuse it."""
    try:
        claim = cardcode.parse(code)
    except cardcode.MalformedCardCode as exc:
        raise MalformedCode(
            "Dit is geen stemkaartcode. Scan de barcode op de stemkaart opnieuw."
        ) from exc
    if claim.meeting != meeting.code:
        other = await repository.meeting_by_code(session, claim.meeting)
        which = f"'{other.name}'" if other else f"'{claim.meeting}'"
        raise OtherMeetingCard(
            f"Deze stemkaart hoort bij een andere vergadering ({which}), niet bij '{meeting.name}'."
        )
    if not cardcode.is_authentic(claim, bytes.fromhex(meeting.card_secret)):
        raise ForgedCard("Deze stemkaartcode is ongeldig: gewijzigd of vervalst. Niet toelaten.")
    member = await repository.member_by_code(session, meeting, claim.member)
    card = await repository.card_by_version(session, member, claim.version) if member else None
    if member is None or card is None:
        raise UnknownCard("Deze stemkaart is onbekend: zij is nooit uitgegeven.")
    if card.revoked_at is not None:
        raise CardRevoked(
            f"Deze stemkaart van {member.name} is vervangen door een nieuwe en geldt niet meer"
            f" (ingetrokken om {format_time(card.revoked_at)}).",
            member=member.code,
        )
    return member


def _handset(raw: str) -> str:
    handset = raw.strip()
    if not _HANDSET.fullmatch(handset):
        raise MalformedHandset(
            f"'{raw.strip()}' is geen stemkastjenummer: dat zijn precies 6 cijfers (0-9)."
        )
    return handset


def _status(member: Member, registration: Registration | None) -> MemberStatus:
    return MemberStatus(
        member=member.code,
        name=member.name,
        weight=member.weight,
        present=registration is not None,
        handset=registration.handset if registration else None,
        registered_at=registration.registered_at if registration else None,
    )


async def scan(session: AsyncSession, *, meeting: Meeting, code: str) -> MemberStatus:
    member = await member_for_card(session, meeting=meeting, code=code)
    return _status(member, await repository.active_registration(session, member))


async def _ensure_handset_free(
    session: AsyncSession, meeting: Meeting, handset: str, member: Member
) -> None:
    holder = await repository.active_registration_by_handset(session, meeting, handset)
    if holder is not None and holder.member_id != member.id:
        other = await session.get(Member, holder.member_id)
        name = other.name if other else "een andere gemeente"
        raise HandsetInUse(
            f"Stemkastje {handset} is al gekoppeld aan {name}. Neem een ander stemkastje."
        )


async def _flush_binding(session: AsyncSession, handset: str) -> None:
    # Two desks binding at the same instant: the unique indexes decide.
    try:
        await session.flush()
    except IntegrityError as exc:
        raise HandsetInUse(
            f"Stemkastje {handset} of deze gemeente is zojuist aan een andere balie gekoppeld."
        ) from exc


async def _bind(
    session: AsyncSession,
    meeting: Meeting,
    member: Member,
    raw_handset: str,
    *,
    actor: str,
    action: str,
    admitted_by: Admission = "card",
    officer: str | None = None,
    **details: object,
) -> MemberStatus:
    """The one way a handset gets bound, with or without a card."""
    handset = _handset(raw_handset)
    if member.weight is None:
        raise PopulationMissing(
            f"{member.name} heeft nog geen inwonertal en dus geen stemgewicht."
            " Laat de beheerder het inwonertal invoeren."
        )
    current = await repository.active_registration(session, member)
    if current is not None:
        raise AlreadyRegistered(
            f"{member.name} is al aangemeld om {format_time(current.registered_at)}"
            f" met stemkastje {current.handset}.",
            member=member.code,
            handset=current.handset,
            registered_at=current.registered_at.isoformat(),
        )
    await _ensure_handset_free(session, meeting, handset, member)
    registration = Registration(
        meeting_id=meeting.id,
        member_id=member.id,
        handset=handset,
        admitted_by=admitted_by,
        officer=officer,
    )
    session.add(registration)
    await _flush_binding(session, handset)
    if officer is not None:
        details["officer"] = officer
    repository.add_audit(
        session, meeting, actor=actor, action=action, member=member, handset=handset, **details
    )
    repository.add_binding_change(session, meeting, member=member, handset=handset, bound=True)
    return _status(member, registration)


async def register(
    session: AsyncSession, *, meeting: Meeting, code: str, handset: str, actor: str
) -> MemberStatus:
    member = await member_for_card(session, meeting=meeting, code=code)
    return await _bind(session, meeting, member, handset, actor=actor, action="handset.bound")


async def register_without_card(
    session: AsyncSession,
    *,
    meeting: Meeting,
    member_code: str,
    handset: str,
    officer: str,
    confirmed: bool,
    actor: str,
    proof: Admission = "forgotten_card",
) -> MemberStatus:
    """A representative without a barcode (a forgotten stemkaart, or a signed
    machtigingsformulier without one), admitted on the officer's own check."""
    if not confirmed or not officer.strip():
        raise NotConfirmed(
            "Aanmelden zonder barcode kan alleen als de baliemedewerker met naam bevestigt"
            " dat de vertegenwoordiger is gecontroleerd."
        )
    member = await get_member(session, meeting=meeting, code=member_code)
    action = {
        "forgotten_card": "handset.bound_without_card",
        "authorisation_form": "handset.bound_with_authorisation",
    }[proof]
    return await _bind(
        session,
        meeting,
        member,
        handset,
        actor=actor,
        action=action,
        admitted_by=proof,
        officer=officer.strip(),
        confirmed=True,
    )


async def _registered_member(
    session: AsyncSession, meeting: Meeting, member_code: str
) -> tuple[Member, Registration]:
    member = await get_member(session, meeting=meeting, code=member_code)
    registration = await repository.active_registration(session, member)
    if registration is None:
        raise NotRegistered(f"{member.name} is niet aangemeld en heeft geen stemkastje.")
    return member, registration


async def return_handset(
    session: AsyncSession, *, meeting: Meeting, member_code: str, actor: str
) -> MemberStatus:
    member, registration = await _registered_member(session, meeting, member_code)
    registration.returned_at = utcnow()
    await session.flush()
    repository.add_audit(
        session,
        meeting,
        actor=actor,
        action="handset.returned",
        member=member,
        handset=registration.handset,
    )
    repository.add_binding_change(
        session, meeting, member=member, handset=registration.handset, bound=False
    )
    return _status(member, None)


async def swap_handset(
    session: AsyncSession, *, meeting: Meeting, member_code: str, handset: str, actor: str
) -> MemberStatus:
    member, registration = await _registered_member(session, meeting, member_code)
    handset = _handset(handset)
    await _ensure_handset_free(session, meeting, handset, member)
    old = registration.handset
    registration.handset = handset
    await _flush_binding(session, handset)
    repository.add_audit(
        session, meeting, actor=actor, action="handset.swapped", member=member, old=old, new=handset
    )
    # The old handset's binding ends: ballot denies it from now on.
    repository.add_binding_change(session, meeting, member=member, handset=old, bound=False)
    repository.add_binding_change(session, meeting, member=member, handset=handset, bound=True)
    return _status(member, registration)


async def holder_of_handset(
    session: AsyncSession, *, meeting: Meeting, handset: str
) -> MemberStatus:
    """Who a handset is bound to now: the desk scans a returned or broken handset."""
    handset = _handset(handset)
    registration = await repository.active_registration_by_handset(session, meeting, handset)
    if registration is None:
        raise HandsetNotBound(f"Stemkastje {handset} is aan geen enkele gemeente gekoppeld.")
    member = await session.get(Member, registration.member_id)
    assert member is not None  # a foreign key
    return _status(member, registration)


async def holder(session: AsyncSession, *, meeting: Meeting, scanned: str) -> MemberStatus:
    """Who a scanned handset label or stemkaart belongs to: the desk scans either
    to take a handset back or to swap it."""
    if _HANDSET.fullmatch(scanned.strip()):
        return await holder_of_handset(session, meeting=meeting, handset=scanned)
    return await scan(session, meeting=meeting, code=scanned)


async def stempas(session: AsyncSession, *, meeting: Meeting, member_code: str) -> MemberStatus:
    """What the stempas says: a present member, its weight and its handset."""
    member, registration = await _registered_member(session, meeting, member_code)
    return _status(member, registration)


async def recent(session: AsyncSession, *, meeting: Meeting, limit: int) -> list[RegistrationRead]:
    """The desk's latest registrations, newest first (returned ones too)."""
    return [
        RegistrationRead(
            member=member.code,
            name=member.name,
            weight=member.weight,
            handset=registration.handset,
            registered_at=registration.registered_at,
            returned_at=registration.returned_at,
            admitted_by=registration.admitted_by,
            officer=registration.officer,
        )
        for registration, member in await repository.recent_registrations(session, meeting, limit)
    ]


async def search(session: AsyncSession, *, meeting: Meeting, query: str) -> list[MemberStatus]:
    found = await repository.search_members(session, meeting, query.strip())
    return [
        _status(member, await repository.active_registration(session, member)) for member in found
    ]


async def presence(session: AsyncSession, *, meeting: Meeting) -> Presence:
    present = await repository.present_members(session, meeting)
    total_members, total_weight = await repository.totals(session, meeting)
    return Presence(
        present_members=len(present),
        present_weight=sum(member.weight or 0 for member, _ in present),
        total_members=total_members,
        total_weight=total_weight,
    )


async def electorate(session: AsyncSession, *, meeting: Meeting) -> Electorate:
    # Read first: a change committed between the two reads is then also
    # reported after it, and applying it twice is harmless.
    change_id = await repository.last_binding_change(session, meeting)
    present = await repository.present_members(session, meeting)
    members = []
    for member, registration in present:
        if member.weight is None:
            # Its figure was removed after it was bound (an import without
            # one): no vote opens with a present member that has no votes.
            raise PopulationMissing(
                f"{member.name} ({member.code}) is aangemeld, maar heeft geen inwonertal en dus"
                " geen stemgewicht. Vul het inwonertal in; dan kan de stemming open."
            )
        members.append(
            ElectorMember(
                code=member.code,
                name=member.name,
                weight=member.weight,
                handset=registration.handset,
            )
        )
    return Electorate(meeting=meeting.code, change_id=change_id, members=members)


async def binding_changes(
    session: AsyncSession, *, meeting: Meeting, after: int, limit: int, handsets: list[str]
) -> BindingChanges:
    """For ballot: the desk's binding changes after change ``after``, oldest first."""
    changes = await repository.binding_changes(
        session, meeting, after=after, limit=limit, handsets=handsets
    )
    return BindingChanges(
        meeting=meeting.code,
        changes=[
            BindingChangeRead(
                id=c.id, member=c.member_code, handset=c.handset, bound=c.bound, at=c.at
            )
            for c in changes
        ],
    )


async def test_vote(
    ballot: ServiceClient, *, meeting: str, credentials: dict[str, str]
) -> TestVoteStatus:
    """The open proefstemming, if any, and who has not responded to it yet.

    Asked of the ballot service with the desk officer's own credentials, so ballot
    decides whether the desk may see it.
    """
    headers = credentials
    body = await ballot.get_bytes(url_path("/api/meetings/{}/votes", meeting), headers=headers)
    what = "een lijst van stemmingen die niet klopt"
    votes = fitted(BallotVotes, body, upstream=ballot.name, what=what).root
    test = next((v for v in votes if v.kind == "proefstemming" and v.status == "open"), None)
    if test is None:
        return TestVoteStatus(vote_id=None, title=None, missing=[])
    body = await ballot.get_bytes(url_path("/api/votes/{}/missing", test.id), headers=headers)
    what = "een lijst van wie nog niet stemde die niet klopt"
    missing = fitted(BallotNotVoted, body, upstream=ballot.name, what=what).members
    return TestVoteStatus(
        vote_id=test.id,
        title=test.title,
        missing=[
            ElectorMember(code=m.member, name=m.name, weight=m.weight, handset=m.handset)
            for m in missing
        ],
    )
