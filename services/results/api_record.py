"""The published record: stemgedrag and the exports of a whole meeting (public)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.common.bounds import MeetingCode
from services.common.errors import TooManyAttempts, problem_responses
from services.results import export, publish, receipt
from services.results.deps import (
    BallotClientDep,
    ClientDep,
    RegistrationClientDep,
    SecretariatAuth,
    SessionDep,
    ThrottleDep,
)
from services.results.errors import (
    AlreadyPublished,
    CardNotValid,
    MeetingNotFound,
    ProefstemmingHasNoOutcome,
    VoteNotClosed,
    VoteNotFound,
)
from services.results.schemas_record import (
    PublicationRead,
    PublicationUpdate,
    ReceiptRead,
    ReceiptRequest,
    StemgedragRead,
    StemgedragVote,
)
from services.results.service import publication

router = APIRouter(prefix="/api", tags=["record"])


def json_download(document: dict[str, Any], filename: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/meetings/{meeting}/publication")
async def read_publication(meeting: MeetingCode, session: SessionDep) -> PublicationRead:
    """Whether the stemgedrag (who voted what in named votes) is public yet."""
    return publish.publication_read(await publication(session, meeting))


@router.put("/meetings/{meeting}/publication", responses=problem_responses(AlreadyPublished))
async def update_publication(
    meeting: MeetingCode, data: PublicationUpdate, session: SessionDep, role: SecretariatAuth
) -> PublicationRead:
    """``after_meeting`` (default: the secretariat publishes) or ``at_once``; audited."""
    return await publish.set_publication_mode(
        session, meeting=meeting, mode=data.mode, actor=role.name
    )


@router.post("/meetings/{meeting}/publication/publish")
async def publish_stemgedrag(
    meeting: MeetingCode, session: SessionDep, role: SecretariatAuth
) -> PublicationRead:
    """Publish the stemgedrag of every named vote; audited. Again: changes nothing."""
    return await publish.publish_stemgedrag(session, meeting=meeting, actor=role.name)


@router.get("/meetings/{meeting}/stemgedrag")
async def meeting_stemgedrag(
    meeting: MeetingCode, session: SessionDep, ballot: BallotClientDep
) -> StemgedragRead:
    """Per decided vote what every municipality voted, with its weight.

    Named votes only, once published; a secret vote, and a named vote before
    publication (``stemgedrag_withheld``), show totals and ``members: null``.
    """
    return await publish.stemgedrag(session, ballot=ballot, meeting=meeting)


@router.get(
    "/votes/{vote_id}/stemgedrag",
    responses=problem_responses(VoteNotFound, ProefstemmingHasNoOutcome, VoteNotClosed),
)
async def vote_stemgedrag(
    vote_id: int, session: SessionDep, ballot: BallotClientDep
) -> StemgedragVote:
    return await publish.vote_stemgedrag(session, ballot=ballot, vote_id=vote_id)


@router.get(
    "/meetings/{meeting}/export.json",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
async def export_json(
    meeting: MeetingCode, session: SessionDep, ballot: BallotClientDep
) -> Response:
    """The public export: every decided vote with its raw data and chain fields.

    Secret votes carry their totals only (``inputs: null``); the auditors'
    export at ``/api/audit/meetings/{meeting}/export.json`` has everything.
    """
    document = await publish.export_document(
        session, ballot=ballot, meeting=meeting, scope="public"
    )
    return json_download(document, f"{meeting}-uitslagen.json")


@router.get(
    "/meetings/{meeting}/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_csv(
    meeting: MeetingCode, session: SessionDep, ballot: BallotClientDep
) -> Response:
    """Totals per option of every decided vote, and the stemgedrag of named votes."""
    record = await publish.stemgedrag(session, ballot=ballot, meeting=meeting)
    return Response(
        export.export_csv(record.votes).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{meeting}-stemgedrag.csv"'},
    )


@router.post(
    "/meetings/{meeting}/receipt",
    responses=problem_responses(MeetingNotFound, CardNotValid, TooManyAttempts),
)
async def vote_receipt(
    meeting: MeetingCode,
    data: ReceiptRequest,
    ballot: BallotClientDep,
    registration: RegistrationClientDep,
    throttle: ThrottleDep,
    client: ClientDep,
) -> ReceiptRead:
    """With its own stemkaart code, a municipality sees every press recorded for it
    and which one counted; the choice only for named votes.

    404 ``card_not_valid`` for a wrong or revoked card alike; 429
    ``too_many_attempts`` (with ``retry_after`` seconds) after repeated wrong codes.
    """
    return await receipt.receipt(
        ballot=ballot,
        registration=registration,
        throttle=throttle,
        client=client,
        meeting=meeting,
        card_code=data.card_code,
    )
