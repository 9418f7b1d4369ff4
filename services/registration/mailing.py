"""Sending every stemkaart to its gemeentesecretaris, with a send log.

This flow deliberately spans two short transactions instead of one request
transaction: sending a few hundred mails takes minutes, and holding a database
transaction (on SQLite: the write lock the desk needs) across that network I/O
would stall the desk. So: plan in one transaction (read cards and addresses),
send with no transaction open, record every outcome in a second one. A crash
between the two loses only the log of that batch, never a card.

One run at a time per meeting, across processes: the planning transaction
claims the meeting's row (``mailing_run`` until ``mailing_until``) before it
reads whom to mail, with a conditional UPDATE that PostgreSQL's row lock and
SQLite's write lock both serialise. A second run is refused (``MailingBusy``)
while the claim holds. A run of batches (the console's, ``alv cards send``'s)
names itself, keeps the claim between its batches and gives it up with the
batch that leaves nothing remaining; a run that stops asking (a closed tab, a
killed command) loses it ``CLAIM_GRACE`` later.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.database import Database, utcnow
from services.registration import cards, repository, service
from services.registration.config import RegistrationSettings
from services.registration.errors import MailingBusy, MailNotConfigured
from services.registration.mail import Outcome, OutgoingCard, SmtpConfig, send_all
from services.registration.models import CardMail, Meeting, Member, VotingCard
from services.registration.render import render_pdf
from services.registration.schemas import MailLogEntry, SendReport, SendRequest

# How long a run keeps the meeting after its last batch, for the page (or the
# command) to ask for the next one; a run that stops mid-way frees the meeting
# this much later.
CLAIM_GRACE = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class _Planned:
    member_id: int
    card_version: int
    mail: OutgoingCard | None  # None: cannot be sent (the reason is in ``problem``)
    problem: str | None = None


@asynccontextmanager
async def transaction(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.sessionmaker() as session, session.begin():
        yield session


def smtp_config(settings: RegistrationSettings) -> SmtpConfig:
    if not settings.smtp_host or not settings.mail_from:
        raise MailNotConfigured(
            "Er is geen mailserver ingesteld (REGISTRATION_SMTP_HOST en"
            " REGISTRATION_MAIL_FROM): stemkaarten kunnen niet worden gemaild."
        )
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        starttls=settings.smtp_starttls and not settings.smtp_ssl,
        ssl=settings.smtp_ssl,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value(),
        mail_from=settings.mail_from,
        timeout=settings.smtp_timeout,
    )


async def _claim(
    session: AsyncSession, meeting: Meeting, *, run: str, until: datetime.datetime
) -> bool:
    """Whether ``run`` holds the meeting until ``until`` now: it is free, the
    run's own, or its holder's claim has run out."""
    claimed = await session.execute(
        update(Meeting)
        .where(
            Meeting.id == meeting.id,
            or_(
                Meeting.mailing_run.is_(None),
                Meeting.mailing_run == run,
                Meeting.mailing_until < utcnow(),
            ),
        )
        .values(mailing_run=run, mailing_until=until)
        .returning(Meeting.id)
        .execution_options(synchronize_session=False)
    )
    return claimed.first() is not None


async def _release(session: AsyncSession, meeting: Meeting, *, run: str) -> None:
    await session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.mailing_run == run)
        .values(mailing_run=None, mailing_until=None)
        .execution_options(synchronize_session=False)
    )


async def _targets(
    session: AsyncSession, meeting: Meeting, request: SendRequest
) -> tuple[list[Member], int]:
    """The members to send to now, and how many more the request selects."""
    if request.members is not None:
        members = [
            await service.get_member(session, meeting=meeting, code=code)
            for code in request.members
        ]
    else:
        members = list(await repository.members(session, meeting))
    history = await repository.mail_history(session, meeting)
    # One query, not one per member: a run of one card per request (the CLI's)
    # selects from every member each time.
    current = await repository.current_cards(session, meeting)

    def wanted(member: Member, card: VotingCard | None) -> bool:
        attempts = history.get(member.id, [])
        if request.only_failed and (not attempts or attempts[-1].status != "failed"):
            return False
        if request.skip_sent and card is not None:
            sent = {a.card_version for a in attempts if a.status == "sent"}
            if card.version in sent:
                return False
        since = request.not_tried_since
        return since is None or all(a.attempted_at < since for a in attempts)

    selected = [member for member in members if wanted(member, current.get(member.id))]
    limit = request.limit or len(selected)
    return selected[:limit], max(0, len(selected) - limit)


async def _plan(session: AsyncSession, meeting: Meeting, members: list[Member]) -> list[_Planned]:
    planned = []
    for member in members:
        card = await repository.current_card(session, member)
        if card is None:
            planned.append(_Planned(member.id, 0, None, "Nog geen stemkaart uitgegeven."))
        elif member.weight is None:
            reason = "Geen inwonertal en dus geen stemgewicht: voer eerst het inwonertal in."
            planned.append(_Planned(member.id, card.version, None, reason))
        elif not member.contact_email:
            planned.append(
                _Planned(
                    member.id,
                    card.version,
                    None,
                    "Geen e-mailadres van de gemeentesecretaris bekend: importeer de contacten.",
                )
            )
        else:
            mail = OutgoingCard(
                face=cards.card_face(meeting, member, card),
                contact_name=member.contact_name or "",
                recipient=member.contact_email,
            )
            planned.append(_Planned(member.id, card.version, mail))
    return planned


def _entry(mail: CardMail, member: Member) -> MailLogEntry:
    return MailLogEntry(
        member=member.code,
        name=member.name,
        card_version=mail.card_version,
        recipient=mail.recipient,
        status="sent" if mail.status == "sent" else "failed",
        smtp_code=mail.smtp_code,
        error=mail.error,
        attempted_at=mail.attempted_at,
    )


async def _record(
    session: AsyncSession,
    meeting: Meeting,
    planned: list[_Planned],
    outcomes: list[Outcome],
    actor: str,
) -> list[MailLogEntry]:
    attempts = []
    for plan, outcome in zip(planned, outcomes, strict=True):
        member = await session.get(Member, plan.member_id)
        assert member is not None
        recipient = plan.mail.recipient if plan.mail else member.contact_email
        mail = CardMail(
            meeting_id=meeting.id,
            member_id=member.id,
            card_version=plan.card_version,
            recipient=recipient,
            status="sent" if outcome.sent else "failed",
            smtp_code=outcome.smtp_code,
            error=(outcome.error or "")[:500] or None,
        )
        session.add(mail)
        await session.flush()
        repository.add_audit(
            session,
            meeting,
            actor=actor,
            action="card.mailed" if outcome.sent else "card.mail_failed",
            member=member,
            recipient=recipient,
            version=plan.card_version,
            smtp_code=outcome.smtp_code,
            error=mail.error,
        )
        attempts.append(_entry(mail, member))
    return attempts


async def send_cards(
    database: Database,
    settings: RegistrationSettings,
    *,
    meeting_code: str,
    request: SendRequest,
    actor: str,
    run: str | None = None,
) -> SendReport:
    """Mail the cards ``request`` selects, as (a batch of) ``run``: a run of
    batches names itself and keeps the meeting between them; without a name
    this call is a run of its own. ``MailingBusy`` while another run holds it."""
    config = smtp_config(settings)
    # Read before the claim: every attempt of this call is logged after it.
    started = utcnow()
    one_off = run is None
    run = run or f"once-{secrets.token_hex(8)}"
    async with transaction(database) as session:
        meeting = await service.get_meeting(session, meeting_code)
        # Claimed before reading whom to mail, so a run that ended a moment ago
        # is read with its mails and nobody is mailed twice.
        if not await _claim(session, meeting, run=run, until=utcnow() + CLAIM_GRACE):
            raise MailingBusy(
                "Er worden al stemkaarten van deze vergadering verstuurd (in een ander"
                " tabblad, met alv cards send of door een collega). Wacht tot die ronde"
                " klaar is en kijk dan in het verzendlog wat er nog verstuurd moet worden."
            )
        members, remaining = await _targets(session, meeting, request)
        planned = await _plan(session, meeting, members)
        sendable = [plan.mail for plan in planned if plan.mail is not None]
        # Held while sending: each mail may take up to the SMTP timeout.
        sending = datetime.timedelta(seconds=config.timeout * (len(sendable) + 1))
        await _claim(session, meeting, run=run, until=utcnow() + sending + CLAIM_GRACE)
    results = iter(await anyio.to_thread.run_sync(send_all, config, sendable, render_pdf))
    outcomes = [
        next(results) if plan.mail is not None else Outcome(False, None, plan.problem)
        for plan in planned
    ]
    async with transaction(database) as session:
        meeting = await service.get_meeting(session, meeting_code)
        attempts = await _record(session, meeting, planned, outcomes, actor)
        if one_off or remaining == 0:
            await _release(session, meeting, run=run)
        else:
            await _claim(session, meeting, run=run, until=utcnow() + CLAIM_GRACE)
    sent = sum(1 for outcome in outcomes if outcome.sent)
    return SendReport(
        sent=sent,
        failed=len(outcomes) - sent,
        attempts=attempts,
        remaining=remaining,
        started=started,
    )


async def mail_log(session: AsyncSession, *, meeting: Meeting) -> list[MailLogEntry]:
    return [_entry(mail, member) for mail, member in await repository.card_mails(session, meeting)]
