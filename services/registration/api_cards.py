"""HTTP routes for stemkaarten: issue, render, re-issue, e-mail and the send log."""

from __future__ import annotations

from typing import Literal

import anyio.to_thread
from fastapi import APIRouter, Response

from services.common.bounds import MeetingCode, MemberCode
from services.common.errors import problem_responses
from services.registration import cards, mailing, service
from services.registration.deps import (
    AuditorAuth,
    DatabaseDep,
    SecretariatAuth,
    SessionDep,
    SettingsDep,
)
from services.registration.errors import (
    CardNotValid,
    MailingBusy,
    MailNotConfigured,
    MeetingNotFound,
    MemberNotFound,
    NoCard,
    PopulationMissing,
)
from services.registration.render import render_pdf, render_png
from services.registration.schemas import (
    CardHolder,
    CardRead,
    CardReissue,
    CardScan,
    MailLogEntry,
    SendReport,
    SendRequest,
)

router = APIRouter(prefix="/api", tags=["cards"])


@router.post(
    "/meetings/{meeting}/cards", responses=problem_responses(MeetingNotFound, PopulationMissing)
)
async def issue_cards(
    meeting: MeetingCode, session: SessionDep, role: SecretariatAuth
) -> list[CardRead]:
    found = await service.get_meeting(session, meeting)
    return await cards.issue_cards(session, meeting=found, actor=role.name)


@router.get("/meetings/{meeting}/cards", responses=problem_responses(MeetingNotFound))
async def list_cards(
    meeting: MeetingCode, session: SessionDep, _: SecretariatAuth
) -> list[CardRead]:
    found = await service.get_meeting(session, meeting)
    return await cards.list_cards(session, meeting=found)


@router.get(
    "/meetings/{meeting}/members/{member}/card.{kind}",
    responses={
        **problem_responses(MeetingNotFound, MemberNotFound, NoCard, PopulationMissing),
        200: {"content": {"image/png": {}, "application/pdf": {}}},
    },
    response_class=Response,
)
async def card_image(
    meeting: MeetingCode,
    member: MemberCode,
    kind: Literal["png", "pdf"],
    session: SessionDep,
    _: SecretariatAuth,
) -> Response:
    """The member's current stemkaart: ``card.png`` or ``card.pdf`` (A4)."""
    renderers = {"png": (render_png, "image/png"), "pdf": (render_pdf, "application/pdf")}
    found = await service.get_meeting(session, meeting)
    holder, card = await cards.current_card(session, meeting=found, member_code=member)
    render, media_type = renderers[kind]
    # Rendering takes a tenth of a second of CPU: keep it off the event loop.
    content = await anyio.to_thread.run_sync(render, cards.card_face(found, holder, card))
    filename = f"stemkaart-{found.code}-{holder.code}.{kind}"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.post(
    "/meetings/{meeting}/members/{member}/card/reissue",
    responses=problem_responses(MeetingNotFound, MemberNotFound, NoCard, PopulationMissing),
)
async def reissue_card(
    meeting: MeetingCode,
    member: MemberCode,
    data: CardReissue,
    session: SessionDep,
    role: SecretariatAuth,
) -> CardRead:
    """Lost, or mailed to the wrong person: the old code stops working."""
    found = await service.get_meeting(session, meeting)
    return await cards.reissue_card(
        session, meeting=found, member_code=member, reason=data.reason, actor=role.name
    )


@router.post(
    "/meetings/{meeting}/cards/send",
    responses=problem_responses(MeetingNotFound, MailNotConfigured, MailingBusy),
)
async def send_cards(
    meeting: MeetingCode,
    data: SendRequest,
    database: DatabaseDep,
    settings: SettingsDep,
    role: SecretariatAuth,
) -> SendReport:
    """E-mail the current cards to the gemeentesecretarissen; every attempt is logged.
    One run per meeting at a time: 409 ``mailing_busy`` while another is sending.
    A run of batches names itself in ``run`` (``api-`` keeps its names apart
    from the console's) and hands its first batch's ``started`` on as
    ``not_tried_since``."""
    return await mailing.send_cards(
        database,
        settings,
        meeting_code=meeting,
        request=data,
        actor=role.name,
        run=f"api-{data.run}" if data.run else None,
    )


@router.get("/meetings/{meeting}/cards/mails", responses=problem_responses(MeetingNotFound))
async def mail_log(
    meeting: MeetingCode, session: SessionDep, _: SecretariatAuth
) -> list[MailLogEntry]:
    found = await service.get_meeting(session, meeting)
    return await mailing.mail_log(session, meeting=found)


@router.post(
    "/meetings/{meeting}/cards/holder", responses=problem_responses(MeetingNotFound, CardNotValid)
)
async def card_holder(
    meeting: MeetingCode, data: CardScan, session: SessionDep, _: AuditorAuth
) -> CardHolder:
    """For the receipt check (results service): the member of a valid, current card.

    A wrong, forged or revoked code all get the same 404 ``card_not_valid``.
    """
    found = await service.get_meeting(session, meeting)
    member = await cards.card_holder(session, meeting=found, code=data.card_code)
    return CardHolder(member=member.code, name=member.name)
