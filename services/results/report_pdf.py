"""The commissie's report as a PDF (A4, reportlab): what the VNG prints and signs.

Values in, bytes out: no database, no FastAPI. Contents, in order: the
meeting and its decisions at a glance; attendance through the day; every
vote with its times, its links to other votes, its decision, its chart with
numbers and its link in the hash chain; the stemgedrag per municipality of
the named votes as one table (once published); the chain drawn; and the
statement with a signature block for the commissie van stemopneming.

Printed in black and white it reads the same: the charts use patterns and
numbers (``charts.py``), never colour alone. Text is set in Bitstream Vera,
which reportlab ships and embeds, so ë, â, – and ≥ print on every machine.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.graphics.shapes import Circle as RLCircle
from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.graphics.shapes import Line as RLLine
from reportlab.graphics.shapes import Rect as RLRect
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from services.common.labels import capitalised, dutch_date, dutch_number
from services.results.charts import AttendancePoint, Circle, Line, Rect, Scene, Text, short_hash
from services.results.figures import chain_of, day_chart, result_chart
from services.results.schemas_record import StemgedragVote
from services.results.text import clock, counted, heading

FONT, BOLD, MONO = "Vera", "VeraBd", "Courier"
FRAME_WIDTH = A4[0] - 4 * cm
SIGNATORIES = ("voorzitter", "lid", "lid", "lid")
CHAIN_PER_PICTURE = 10
MATRIX_COLUMNS = 12  # named votes per band of the stemgedrag table
SHORT_CHOICES = {"for": "V", "against": "T", "abstain": "O"}


@cache
def _fonts() -> None:
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "VeraBd.ttf")))


def _style(name: str, size: float, *, bold: bool = False, space: float = 4) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=BOLD if bold else FONT,
        fontSize=size,
        leading=size * 1.3,
        spaceAfter=space,
        alignment=TA_LEFT,
    )


TITLE = _style("title", 20, bold=True, space=6)
H1 = _style("h1", 14, bold=True, space=6)
H2 = _style("h2", 12, bold=True, space=4)
BODY = _style("body", 10)
SMALL = _style("small", 8, space=2)
HASH = ParagraphStyle("hash", fontName=MONO, fontSize=8, leading=10, spaceAfter=4)


@dataclass(frozen=True)
class ReportInput:
    meeting_code: str
    meeting_name: str
    meeting_date: datetime.date | None
    votes: Sequence[StemgedragVote]
    attendance: Sequence[AttendancePoint]
    # Why attendance may be missing (registration unreachable), else None.
    attendance_note: str | None
    stemgedrag_public: bool
    head: str | None
    made_at: datetime.datetime


# --- scenes as reportlab drawings --------------------------------------------------------


class SceneFlowable(Flowable):
    """A ``charts.Scene`` scaled to the frame's width (y flipped: reportlab's goes up)."""

    def __init__(self, scene: Scene, width: float = FRAME_WIDTH) -> None:
        super().__init__()
        self.scene = scene
        self.scale = min(1.0, width / scene.width)
        self.width = scene.width * self.scale
        self.height = scene.height * self.scale

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        drawing = Drawing(self.width, self.height)
        group = Group()
        h = self.scene.height
        for shape in self.scene.shapes:
            if isinstance(shape, Rect):
                group.add(
                    RLRect(
                        shape.x,
                        h - shape.y - shape.h,
                        shape.w,
                        shape.h,
                        fillColor=colors.HexColor(shape.fill) if shape.fill else None,
                        strokeColor=colors.HexColor(shape.stroke) if shape.stroke else None,
                        strokeWidth=shape.width,
                    )
                )
            elif isinstance(shape, Line):
                group.add(
                    RLLine(
                        shape.x1,
                        h - shape.y1,
                        shape.x2,
                        h - shape.y2,
                        strokeColor=colors.HexColor(shape.stroke),
                        strokeWidth=shape.width,
                        strokeDashArray=list(shape.dash) or None,
                    )
                )
            elif isinstance(shape, Circle):
                group.add(
                    RLCircle(
                        shape.cx,
                        h - shape.cy,
                        shape.r,
                        fillColor=colors.HexColor(shape.fill),
                        strokeColor=None,
                    )
                )
            elif isinstance(shape, Text):
                group.add(
                    String(
                        shape.x,
                        h - shape.y,
                        shape.text,
                        fontName=MONO if shape.mono else (BOLD if shape.bold else FONT),
                        fontSize=shape.size,
                        fillColor=colors.HexColor(shape.fill),
                        textAnchor=shape.anchor,
                    )
                )
        group.scale(self.scale, self.scale)
        drawing.add(group)
        drawing.drawOn(self.canv, 0, 0)


# --- the parts ------------------------------------------------------------------------------


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _grid(rows: list[list[str]], widths: list[float], *, header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style.append(("FONT", (0, 0), (-1, 0), BOLD, 9))
    table.setStyle(TableStyle(style))
    return table


def _summary(votes: Sequence[StemgedragVote]) -> list[Flowable]:
    rows = [["nr.", "stemming", "besluit"]]
    for v in votes:
        decided = "nietig verklaard" if v.status == "annulled" else v.sentence or ""
        if v.status != "annulled" and v.not_computable is not None:
            decided = "uitslag niet te berekenen"
        rows.append(
            [
                str(v.sequence),
                Paragraph(escape(heading(v.vote)), SMALL),
                Paragraph(escape(decided), SMALL),
            ]
        )
    return [_p("Besluiten", H1), _grid(rows, [1.0 * cm, 7.5 * cm, 8.5 * cm])]


def _links(vote: StemgedragVote, titles: dict[int, str]) -> list[str]:
    found = []
    for vote_id, words in (
        (vote.amends_vote_id, "amendement op"),
        (vote.part_of_vote_id, "onderdeel van"),
        (vote.follows_vote_id, "nieuwe stemming na"),
    ):
        if vote_id is not None:
            found.append(
                f"{words} stemming {vote_id} ({titles.get(vote_id, 'niet in dit verslag')})"
            )
    return found


def _vote(v: StemgedragVote, titles: dict[int, str]) -> list[Flowable]:
    meta = [
        f"Agendapunt {v.vote.agenda_item}" if v.vote.agenda_item else None,
        "hoofdelijke stemming" if v.vote.named else "geheime stemming",
        f"vereist: {v.required.description} van de uitgebrachte stemmen ({v.base.description})",
    ]
    times = (
        "bij acclamatie, zonder stemming"
        if v.vote.decided_by == "acclamation"
        else f"geopend {clock(v.opened_at)} · gesloten {clock(v.closed_at)}"
    )
    parts: list[Flowable] = [
        _p(f"{v.sequence}. {heading(v.vote)}", H2),
        _p(" · ".join(m for m in meta if m), SMALL),
        _p(times, SMALL),
    ]
    for link in _links(v, titles):
        parts.append(_p(capitalised(link), SMALL))
    if v.status == "annulled":
        reason = f": {v.annulled_reason}" if v.annulled_reason else ""
        parts.append(
            _p(f"Deze stemming is nietig verklaard{reason}. Zij heeft niets besloten.", BODY)
        )
    elif v.not_computable is not None:
        why = f"Uitslag niet te berekenen: {v.not_computable}."
        parts.append(_p(why, _style("decision", 11, bold=True)))
    else:
        parts.append(_p(f"{capitalised(v.sentence)}.", _style("decision", 11, bold=True)))
    chart = result_chart(v)
    if chart is not None:
        parts.append(SceneFlowable(chart, width=FRAME_WIDTH * 0.9))
        parts.append(
            _p(
                f"Aanwezig {dutch_number(v.electorate.members)} gemeenten met"
                f" {dutch_number(v.electorate.weight)} stemmen. {counted(v)}.",
                SMALL,
            )
        )
    if v.stemgedrag_withheld:
        parts.append(_p("Het stemgedrag per gemeente wordt na de vergadering gepubliceerd.", SMALL))
    if v.hash:
        parts.append(Paragraph(f"schakel {v.sequence}: {v.hash}", HASH))
    return [KeepTogether(parts), Spacer(1, 6)]


def _abbreviation(v: StemgedragVote, key: int | None) -> str:
    if key is None:
        return "–"
    role = next((t.role for t in v.totals if t.key == key), "choice")
    return SHORT_CHOICES.get(role, str(key))


def _stemgedrag(votes: Sequence[StemgedragVote], *, public: bool) -> list[Flowable]:
    named = [v for v in votes if v.vote.named and v.vote.decided_by == "vote"]
    parts: list[Flowable] = [PageBreak(), _p("Stemgedrag per gemeente", H1)]
    if not named:
        return [*parts, _p("In deze vergadering is niet hoofdelijk gestemd.")]
    if not public:
        return [
            *parts,
            _p(
                "Het stemgedrag per gemeente wordt na de vergadering gepubliceerd door het"
                " secretariaat. Tot dan staan hier alleen de uitslagen."
            ),
        ]
    parts.append(
        _p(
            "Per hoofdelijke stemming (kolom: volgnummer) wat elke aanwezige gemeente stemde:"
            " V voor, T tegen, O onthouding, een cijfer de toets bij een keuze, – aanwezig maar"
            " niet gestemd; leeg: niet aanwezig. † nietig verklaard.",
            SMALL,
        )
    )
    for start in range(0, len(named), MATRIX_COLUMNS):
        band = named[start : start + MATRIX_COLUMNS]
        members: dict[str, tuple[str, int]] = {}
        cells: dict[str, dict[int, str]] = {}
        for v in band:
            for m in v.members or []:
                members.setdefault(m.member, (m.name, m.weight))
                cells.setdefault(m.member, {})[v.sequence] = _abbreviation(v, m.key)
        numbers = [f"{v.sequence}{'†' if v.status == 'annulled' else ''}" for v in band]
        rows = [["gemeente", "st.", *numbers]]
        for code, (name, weight) in sorted(members.items(), key=lambda item: (item[1][0], item[0])):
            rows.append([name, str(weight), *[cells[code].get(v.sequence, "") for v in band]])
        column = (FRAME_WIDTH - 6.2 * cm) / MATRIX_COLUMNS
        table = _grid(rows, [5.2 * cm, 1.0 * cm, *[column] * len(band)])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 7.5),
                    ("FONT", (0, 0), (-1, 0), BOLD, 7.5),
                    ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                    ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.2, colors.HexColor("#bbbbbb")),
                ]
            )
        )
        parts += [table, Spacer(1, 10)]
    return parts


def _signatures(head: str | None) -> list[Flowable]:
    statement = (
        "De commissie van stemopneming verklaart dat de uitslagen in dit verslag overeenkomen"
        " met de uitslagen die in de vergadering zijn vastgesteld, en dat de keten van uitslagen"
        " eindigt in de kop hieronder."
    )
    rows = [["", "naam", "handtekening", "datum"]]
    rows += [[capitalised(role), "", "", ""] for role in SIGNATORIES]
    table = Table(rows, colWidths=[2.4 * cm, 6 * cm, 5.6 * cm, 3 * cm], rowHeights=[16] + [42] * 4)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("FONT", (0, 0), (-1, 0), BOLD, 9),
                ("VALIGN", (0, 1), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 1), (-1, -1), 0.8, colors.black),
            ]
        )
    )
    return [
        CondPageBreak(9 * cm),
        _p("Ondertekening door de commissie van stemopneming", H1),
        _p(statement),
        Paragraph(f"kop van de keten: {head or '–'}", HASH),
        Spacer(1, 6),
        table,
    ]


def _page(canvas: Canvas, document: SimpleDocTemplate, *, footer: str) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 8)
    canvas.drawString(2 * cm, 1.2 * cm, footer)
    canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"pagina {document.page}")
    canvas.restoreState()


def render_report(report: ReportInput) -> bytes:
    """The whole report as PDF bytes."""
    _fonts()
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=f"Verslag van de stemmingen – {report.meeting_name}",
        author="ALV Stemsysteem",
        subject=f"Vergadering {report.meeting_code}",
    )
    votes = list(report.votes)
    titles = {v.vote.id: heading(v.vote) for v in votes}
    date = f", {dutch_date(report.meeting_date)}" if report.meeting_date else ""
    story: list[Flowable] = [
        _p("Vereniging van Nederlandse Gemeenten · algemene ledenvergadering", SMALL),
        _p("Verslag van de stemmingen", TITLE),
        _p(f"{report.meeting_name}{date} ({report.meeting_code})", H2),
        _p(
            f"Opgemaakt {report.made_at.astimezone().strftime('%d-%m-%Y %H:%M')}."
            f" {len(votes)} besluiten. Stemgedrag per gemeente: "
            + ("gepubliceerd." if report.stemgedrag_public else "nog niet gepubliceerd."),
            SMALL,
        ),
        Spacer(1, 8),
    ]
    if not votes:
        story.append(_p("Er zijn nog geen stemmingen afgerond."))
    else:
        story += _summary(votes)
    story += [CondPageBreak(11 * cm), _p("Aanwezigheid", H1)]
    if report.attendance_note:
        story.append(_p(report.attendance_note, SMALL))
    story.append(SceneFlowable(day_chart(report.attendance, votes, now=report.made_at)))
    story.append(
        _p(
            "Boven: de aanwezige stemmen, onder: de aanwezige gemeenten, door de dag."
            " Grijze banden met een nummer: de stemmingen, van openen tot sluiten.",
            SMALL,
        )
    )
    if votes:
        story += [PageBreak(), _p("De stemmingen", H1)]
        for v in votes:
            story += _vote(v, titles)
        story += _stemgedrag(votes, public=report.stemgedrag_public)
        story += [PageBreak(), _p("Keten van uitslagen", H1)]
        story.append(
            _p(
                "Elke uitslag is bij het sluiten eenmalig berekend en vastgelegd met een"
                " SHA-256-hash over de gegevens van de stemming, de uitslag en de vorige"
                " schakel. Wie de export voor de commissie heeft, controleert alles met"
                " alv verify EXPORT --expect-head KOP.",
                SMALL,
            )
        )
        # A page holds about ten links; a longer chain goes on over the next.
        for start in range(0, len(votes), CHAIN_PER_PICTURE):
            chunk = votes[start : start + CHAIN_PER_PICTURE]
            story.append(SceneFlowable(chain_of(chunk), width=FRAME_WIDTH * 0.85))
    story += _signatures(report.head)
    footer = (
        f"{report.meeting_name} · kop {short_hash(report.head)}"
        if report.head
        else report.meeting_name
    )

    def on_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        _page(canvas, doc, footer=footer)

    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()
