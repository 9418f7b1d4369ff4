"""Pictures of the record, drawn once as shapes and rendered as SVG or into the PDF.

Pure: values in, a ``Scene`` (shapes on a canvas, y downwards) out; ``to_svg``
writes it as an SVG document, ``report_pdf`` draws the same scene with
reportlab. So the page and the printed report show the same picture.

Printed in black and white they must still read: every bar has its number
and label beside it, options differ by fill pattern (solid, hatched, dotted,
outlined), not by colour, and the lines of the attendance chart differ by
dash. Hatching is drawn as explicit line segments, not an SVG ``<pattern>``,
so both renderers draw exactly the same.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from xml.sax.saxutils import escape

Fill = Literal["solid", "light", "hatch", "crosshatch", "dots", "empty"]
Anchor = Literal["start", "middle", "end"]
INK = "#000000"
GREY = "#777777"
LIGHT = "#c8c8c8"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str | None = None  # a colour, or None: outline only
    stroke: str | None = INK
    width: float = 1.0


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = INK
    width: float = 1.0
    dash: tuple[float, ...] = ()


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str = INK


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float = 12.0
    anchor: Anchor = "start"
    bold: bool = False
    fill: str = INK
    mono: bool = False


Shape = Rect | Line | Circle | Text


@dataclass
class Scene:
    width: float
    height: float
    title: str
    shapes: list[Shape] = field(default_factory=list)

    def add(self, *shapes: Shape) -> None:
        self.shapes.extend(shapes)


# --- fills ---------------------------------------------------------------------------


def _diagonals(x: float, y: float, w: float, h: float, step: float, rising: bool) -> list[Line]:
    """45-degree lines every ``step`` clipped to the rectangle."""
    lines = []
    offset = step
    while offset < w + h:
        # Along the line: from the left or top edge to the right or bottom edge.
        x1, y1 = (x + offset, y) if offset <= w else (x + w, y + offset - w)
        x2, y2 = (x, y + offset) if offset <= h else (x + offset - h, y + h)
        if rising:  # mirror vertically
            y1, y2 = 2 * y + h - y1, 2 * y + h - y2
        lines.append(Line(x1, y1, x2, y2, width=1.2))
        offset += step
    return lines


def filled(x: float, y: float, w: float, h: float, fill: Fill) -> list[Shape]:
    """A box with a pattern that survives a black-and-white printer."""
    if w <= 0 or h <= 0:
        return []
    outline = Rect(x, y, w, h, fill=None, width=1.2)
    if fill == "solid":
        return [Rect(x, y, w, h, fill="#303030", width=1.2)]
    if fill == "light":
        return [Rect(x, y, w, h, fill=LIGHT, width=1.2)]
    if fill == "hatch":
        return [*_diagonals(x, y, w, h, 6, rising=False), outline]
    if fill == "crosshatch":
        return [
            *_diagonals(x, y, w, h, 7, rising=False),
            *_diagonals(x, y, w, h, 7, rising=True),
            outline,
        ]
    if fill == "dots":
        dots: list[Shape] = [
            Circle(x + i, y + j, 1.3) for i in _steps(3.5, w, 7) for j in _steps(3.5, h, 7)
        ]
        return [*dots, outline]
    return [outline]


def _steps(start: float, end: float, step: float) -> list[float]:
    values = []
    value = start
    while value < end:
        values.append(value)
        value += step
    return values


ROLE_FILLS: dict[str, Fill] = {"for": "solid", "against": "hatch", "abstain": "dots"}
CHOICE_FILLS: tuple[Fill, ...] = ("solid", "hatch", "crosshatch", "light", "dots")


def fill_for(role: str, index: int) -> Fill:
    """Voor solid, tegen hatched, onthouding dotted; choices in turn by position."""
    if role in ROLE_FILLS:
        return ROLE_FILLS[role]
    return CHOICE_FILLS[index % len(CHOICE_FILLS)]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# --- the result of a vote ---------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    weight: int
    members: int
    percentage: str | None  # "98,68%"; None outside the base
    role: str  # for, against, abstain, choice, or "none" (niet gestemd)
    counts: bool = True  # inside the base (what counts as cast)
    winner: bool = False


BAR_WIDTH, LABEL_WIDTH, NUMBERS_WIDTH = 640.0, 150.0, 230.0


def bar_chart(bars: Sequence[Bar], *, title: str) -> Scene:
    """Horizontal bars, each with its votes, municipalities and percentage beside it."""
    row = 34.0
    track = BAR_WIDTH - LABEL_WIDTH - NUMBERS_WIDTH
    scene = Scene(width=BAR_WIDTH, height=row * len(bars) + 26, title=title)
    largest = max((bar.weight for bar in bars), default=0) or 1
    for index, bar in enumerate(bars):
        top = 8 + index * row
        label = ("» " if bar.winner else "") + _short(bar.label, 22)
        scene.add(Text(0, top + 19, label, size=13, bold=bar.winner))
        length = track * bar.weight / largest
        fill: Fill = "empty" if bar.role == "none" else fill_for(bar.role, index)
        scene.add(*filled(LABEL_WIDTH, top + 4, max(length, 1.5), 20, fill))
        numbers = f"{_number(bar.weight)} {'stem' if bar.weight == 1 else 'stemmen'}"
        numbers += f" · {bar.members} gem."
        if bar.percentage:
            numbers += f" · {bar.percentage}"
        elif not bar.counts and bar.role != "none":
            numbers += " · telt niet mee"
        scene.add(Text(LABEL_WIDTH + length + 8, top + 19, numbers, size=12))
    baseline = 8 + row * len(bars)
    scene.add(Line(LABEL_WIDTH, 4, LABEL_WIDTH, baseline, width=1.5))
    return scene


# --- attendance through the day ------------------------------------------------------------


@dataclass(frozen=True)
class AttendancePoint:
    at: datetime.datetime
    members: int
    weight: int


@dataclass(frozen=True)
class VoteMark:
    sequence: int
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None


ATTENDANCE_WIDTH, PANEL_HEIGHT = 640.0, 130.0
PLOT_LEFT, PLOT_RIGHT = 62.0, 20.0


def _local(moment: datetime.datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


def attendance_chart(
    points: Sequence[AttendancePoint],
    marks: Sequence[VoteMark],
    *,
    until: datetime.datetime,
    title: str = "Aanwezigheid",
) -> Scene:
    """Present weight (top) and present municipalities (bottom) against the time of
    day, as steps; each vote a shaded band from its opening to its close, numbered."""
    scene = Scene(width=ATTENDANCE_WIDTH, height=2 * PANEL_HEIGHT + 92, title=title)
    if not points:
        scene.add(Text(ATTENDANCE_WIDTH / 2, 60, "Nog niemand aangemeld.", anchor="middle"))
        return scene
    start = points[0].at
    end = max(until, points[-1].at, *(m.closed_at or m.opened_at for m in marks))
    span = max((end - start).total_seconds(), 1.0)
    plot = ATTENDANCE_WIDTH - PLOT_LEFT - PLOT_RIGHT

    def x_of(moment: datetime.datetime) -> float:
        return PLOT_LEFT + plot * (moment - start).total_seconds() / span

    panels = (
        ("stemmen", [p.weight for p in points], (), 24.0),
        ("gemeenten", [p.members for p in points], (5.0, 3.0), 24.0 + PANEL_HEIGHT + 28),
    )
    for mark in marks:
        left = x_of(mark.opened_at)
        right = max(x_of(mark.closed_at or end), left + 2)
        for _, _, _, top in panels:
            scene.add(Rect(left, top, right - left, PANEL_HEIGHT, fill="#e6e6e6", stroke=None))
            scene.add(Text(left + 2, top + PANEL_HEIGHT - 4, str(mark.sequence), size=9, fill=GREY))
    for name, values, dash, top in panels:
        highest = max(values) or 1
        bottom = top + PANEL_HEIGHT

        def y_of(value: int, bottom: float = bottom, highest: int = highest) -> float:
            return bottom - (PANEL_HEIGHT - 8) * value / highest

        scene.add(
            Line(PLOT_LEFT, top, PLOT_LEFT, bottom),
            Line(PLOT_LEFT, bottom, PLOT_LEFT + plot, bottom),
        )
        scene.add(Text(PLOT_LEFT - 6, y_of(highest) + 4, _number(highest), size=10, anchor="end"))
        scene.add(Text(PLOT_LEFT - 6, bottom, "0", size=10, anchor="end"))
        scene.add(Text(PLOT_LEFT, top - 8, f"aanwezig: {name}", size=11, bold=True))
        previous_x, previous_y = x_of(points[0].at), y_of(values[0])
        for point, value in zip(points[1:], values[1:], strict=True):
            x, y = x_of(point.at), y_of(value)
            scene.add(
                Line(previous_x, previous_y, x, previous_y, width=2, dash=dash),
                Line(x, previous_y, x, y, width=2, dash=dash),
            )
            previous_x, previous_y = x, y
        scene.add(Line(previous_x, previous_y, x_of(end), previous_y, width=2, dash=dash))
        last = values[-1]
        scene.add(Text(PLOT_LEFT + plot, y_of(last) - 4, _number(last), size=10, anchor="end"))
    axis = 2 * PANEL_HEIGHT + 80
    ticks = _ticks(start, end) or [start]  # a span of minutes: where it starts
    for tick in ticks:
        x = x_of(tick)
        scene.add(
            Line(x, axis - 14, x, axis - 10), Text(x, axis, _local(tick), size=10, anchor="middle")
        )
    return scene


def _ticks(start: datetime.datetime, end: datetime.datetime) -> list[datetime.datetime]:
    """Whole quarters, half hours or hours: at most about eight along the axis."""
    span = (end - start).total_seconds()
    for minutes in (5, 10, 15, 30, 60, 120, 240):
        if span / (minutes * 60) <= 8:
            break
    step = datetime.timedelta(minutes=minutes)
    local = start.astimezone()
    first = local.replace(minute=0, second=0, microsecond=0)
    ticks = []
    tick = first
    while tick <= end:
        if tick >= start:
            ticks.append(tick)
        tick += step
    return ticks


# --- the chain of results -------------------------------------------------------------


@dataclass(frozen=True)
class ChainItem:
    sequence: int
    title: str
    hash: str


CHAIN_WIDTH, LINK_HEIGHT, LINK_GAP = 640.0, 46.0, 22.0


def short_hash(value: str) -> str:
    """The first 16 hex digits in groups of four: read out and typed back (alv verify)."""
    return " ".join(value[i : i + 4] for i in range(0, 16, 4))


def chain_chart(items: Sequence[ChainItem], *, title: str = "Keten van uitslagen") -> Scene:
    """The stored results as links of a chain, top to bottom: each hash covers the one above."""
    height = len(items) * (LINK_HEIGHT + LINK_GAP) + 10
    scene = Scene(width=CHAIN_WIDTH, height=max(height, 40), title=title)
    if not items:
        scene.add(Text(CHAIN_WIDTH / 2, 26, "Nog geen uitslagen vastgelegd.", anchor="middle"))
        return scene
    for index, item in enumerate(items):
        top = 5 + index * (LINK_HEIGHT + LINK_GAP)
        scene.add(Rect(40, top, CHAIN_WIDTH - 80, LINK_HEIGHT, fill=None, width=2))
        scene.add(Text(56, top + 20, f"{item.sequence}.", size=13, bold=True))
        scene.add(Text(90, top + 20, _short(item.title, 48), size=13))
        scene.add(Text(90, top + 38, short_hash(item.hash) + " …", size=12, mono=True))
        if index:
            # Two rings between the links: the hash of this one covers the previous.
            middle = CHAIN_WIDTH / 2
            gap_top = top - LINK_GAP
            scene.add(
                Rect(middle - 7, gap_top - 6, 14, LINK_GAP / 2 + 10, fill=None, width=2.5),
                Rect(
                    middle - 7,
                    gap_top + LINK_GAP / 2 - 4,
                    14,
                    LINK_GAP / 2 + 10,
                    fill=None,
                    width=2.5,
                ),
            )
    return scene


# --- rendering as SVG -----------------------------------------------------------------


def _svg_shape(shape: Shape) -> str:
    if isinstance(shape, Rect):
        fill = shape.fill or "none"
        stroke = f' stroke="{shape.stroke}" stroke-width="{shape.width:g}"' if shape.stroke else ""
        return (
            f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{shape.w:.1f}"'
            f' height="{shape.h:.1f}" fill="{fill}"{stroke}/>'
        )
    if isinstance(shape, Line):
        dash = f' stroke-dasharray="{" ".join(f"{d:g}" for d in shape.dash)}"' if shape.dash else ""
        return (
            f'<line x1="{shape.x1:.1f}" y1="{shape.y1:.1f}" x2="{shape.x2:.1f}"'
            f' y2="{shape.y2:.1f}" stroke="{shape.stroke}" stroke-width="{shape.width:g}"{dash}/>'
        )
    if isinstance(shape, Circle):
        return (
            f'<circle cx="{shape.cx:.1f}" cy="{shape.cy:.1f}" r="{shape.r:g}" fill="{shape.fill}"/>'
        )
    family = "monospace" if shape.mono else "sans-serif"
    weight = ' font-weight="bold"' if shape.bold else ""
    return (
        f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" font-size="{shape.size:g}"'
        f' font-family="{family}" text-anchor="{shape.anchor}" fill="{shape.fill}"{weight}>'
        f"{escape(shape.text)}</text>"
    )


def to_svg(scene: Scene) -> str:
    """A standalone SVG document; inline in HTML as it is (no JavaScript, no links)."""
    body = "\n".join(_svg_shape(shape) for shape in scene.shapes)
    title = escape(scene.title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {scene.width:g} {scene.height:g}"'
        f' width="{scene.width:g}" height="{scene.height:g}" role="img" aria-label="{title}">'
        f"<title>{title}</title>\n{body}\n</svg>"
    )


def text_of(scene: Scene) -> list[str]:
    """Every text in the scene, in drawing order (what a reader of the picture sees)."""
    return [shape.text for shape in scene.shapes if isinstance(shape, Text)]
