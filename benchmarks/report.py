"""The PDF report of a full meeting: the time to make it, its size and pages.

    python -m benchmarks.report [--members 342] [--votes 20] [--out FILE]

The meeting is synthetic but computed the real way: per vote a ballot record
(every member present, pressing voor, tegen or onthouding by a fixed pattern;
every fifth vote secret, every seventh a choice between three options), its
outcome computed and linked in a chain in memory (``service._link``), the
stemgedrag published, and a day of arrivals and departures for the
attendance chart. The report touches no database: it is measured once, in
the SQLite column. CPU time of this process, best of ``--runs``.
"""

from __future__ import annotations

import argparse
import datetime
import time
from pathlib import Path

from benchmarks.common import Figures, command_line
from services.results import export
from services.results.attendance import PresenceChange, attendance
from services.results.models import ResultsMeeting
from services.results.report_pdf import ReportInput, render_report
from services.results.schemas import (
    BallotCounted,
    BallotElector,
    BallotMajority,
    BallotOption,
    BallotRecord,
    BallotVote,
)
from services.results.schemas_record import StemgedragVote
from services.results.service import _link

START = datetime.datetime(2023, 12, 1, 9, 0, tzinfo=datetime.UTC)
FOR_AGAINST = [
    BallotOption(key=1, label="voor", role="for"),
    BallotOption(key=2, label="tegen", role="against"),
    BallotOption(key=3, label="onthouding", role="abstain"),
]
CHOICE = [
    BallotOption(key=1, label="optie 1", role="choice"),
    BallotOption(key=2, label="optie 2", role="choice"),
    BallotOption(key=3, label="optie 3", role="choice"),
]


def members(count: int) -> list[BallotElector]:
    return [
        BallotElector(
            member=f"GM{i:04d}", name=f"Gemeente {i}", weight=1 + (i * 37) % 75, handset=f"{i:06d}"
        )
        for i in range(1, count + 1)
    ]


def _record(number: int, electorate: list[BallotElector], meeting: str) -> BallotRecord:
    opened = START + datetime.timedelta(minutes=60 + 12 * number)
    choice = number % 7 == 0
    vote = BallotVote(
        id=number,
        meeting=meeting,
        position=number,
        kind="ordevoorstel" if choice else "motie",
        title=f"{'Ordevoorstel' if choice else 'Motie'} {number}: synthetisch agendapunt",
        agenda_item=str(number),
        options=CHOICE if choice else FOR_AGAINST,
        majority=BallotMajority(numerator=1, denominator=2, inclusive=False),
        abstentions_cast=choice,
        named=number % 5 != 0,
        status="closed",
        opened_at=opened,
        closed_at=opened + datetime.timedelta(seconds=75),
        amends_vote_id=number - 1 if number % 6 == 0 else None,
    )
    counted = [
        BallotCounted(
            member=elector["member"],
            key=1 + (index * (number + 3)) % 3,
            handset=elector["handset"],
            seq=number,
            stored_at=opened + datetime.timedelta(seconds=5 + index % 40),
        )
        for index, elector in enumerate(electorate)
        if index % 23 != number % 23  # a few do not vote
    ]
    return BallotRecord(vote=vote, electorate=electorate, counted=counted)


def synthetic_votes(*, members_count: int, votes: int, meeting: str) -> list[StemgedragVote]:
    electorate = members(members_count)
    head = ResultsMeeting(code=meeting, length=0, head_hash=None)
    entries = []
    for number in range(1, votes + 1):
        record = _record(number, electorate, meeting)
        entries.append(export.stemgedrag_vote(_link(head, record), record))
    return entries


def synthetic_day(members_count: int) -> list[PresenceChange]:
    """Arrivals from 9:00 to 10:30, a tenth leaving at lunch and some coming back."""
    changes = []
    for i in range(1, members_count + 1):
        code = f"GM{i:04d}"
        arrive = START + datetime.timedelta(seconds=(i * 97) % 5400)
        changes.append(PresenceChange(at=arrive, action="handset.bound", member=code))
        if i % 10 == 0:
            leave = START + datetime.timedelta(hours=3, seconds=(i * 31) % 1800)
            changes.append(PresenceChange(at=leave, action="handset.returned", member=code))
            if i % 20 == 0:
                back = leave + datetime.timedelta(minutes=40)
                changes.append(PresenceChange(at=back, action="handset.bound", member=code))
    return changes


def synthetic_report(*, members_count: int = 342, votes: int = 20) -> ReportInput:
    meeting = "alv-2023-12"
    entries = synthetic_votes(members_count=members_count, votes=votes, meeting=meeting)
    weights = {e["member"]: e["weight"] for e in members(members_count)}
    last_close = entries[-1].closed_at or START
    return ReportInput(
        meeting_code=meeting,
        meeting_name="Algemene ledenvergadering 1 december 2023",
        meeting_date=datetime.date(2023, 12, 1),
        votes=entries,
        attendance=attendance(synthetic_day(members_count), weights),
        attendance_note=None,
        stemgedrag_public=True,
        head=entries[-1].hash,
        made_at=last_close + datetime.timedelta(minutes=30),
    )


async def run_bench(kind: str, args: argparse.Namespace) -> Figures:
    return measure(kind, args)


def measure(kind: str, args: argparse.Namespace) -> Figures:
    figures = Figures("report", kind)
    if kind != "sqlite":
        return figures
    print(f"report ({args.members} members, {args.votes} votes):", flush=True)
    report = synthetic_report(members_count=args.members, votes=args.votes)
    times = []
    for _ in range(args.runs):
        started = time.process_time()
        pdf = render_report(report)
        times.append(time.process_time() - started)
    label = f"{args.members} members, {args.votes} votes"
    figures.add(f"PDF report, {label}: CPU to render", min(times), "s")
    figures.add(f"PDF report, {label}: size", len(pdf) / 1024, "KiB")
    figures.add(f"PDF report, {label}: pages", pdf.count(b"/Type /Page\n"), "pages")
    if args.out:
        Path(args.out).write_bytes(pdf)
    return figures


def main(argv: list[str] | None = None) -> None:
    command_line(
        "report",
        run_bench,
        argv,
        members={"type": int, "default": 342},
        votes={"type": int, "default": 20},
        runs={"type": int, "default": 3},
        out={"help": "write the PDF here"},
    )


if __name__ == "__main__":
    main()
