"""The published record: stemgedrag and the exports of a whole meeting (public)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.common.bounds import MeetingCode
from services.common.errors import problem_responses
from services.results import export, publish
from services.results.deps import BallotClientDep, SessionDep
from services.results.errors import ProefstemmingHasNoOutcome, VoteNotClosed, VoteNotFound
from services.results.schemas_record import StemgedragRead, StemgedragVote

router = APIRouter(prefix="/api", tags=["record"])


def json_download(document: dict[str, Any], filename: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/meetings/{meeting}/stemgedrag")
async def meeting_stemgedrag(
    meeting: MeetingCode, session: SessionDep, ballot: BallotClientDep
) -> StemgedragRead:
    """Per decided vote what every municipality voted, with its weight.

    Named votes only; a secret vote shows its totals and ``members: null``.
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
