"""The pictures as pure functions: values in, SVG out; saved as test artefacts."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest

from benchmarks.report import synthetic_report, synthetic_votes
from services.results import charts
from services.results.attendance import PresenceChange, attendance
from services.results.charts import Bar, Line, Rect, Text, text_of, to_svg
from services.results.figures import bars_for, chain_of, day_chart, result_chart
from services.results.report_pdf import render_report
from tests.support.browser import artifact_path
from tests.support.pdf import pages, texts

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime.datetime(2023, 12, 1, 9, 0, tzinfo=datetime.UTC)


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


HAND_COMPUTED = [
    Bar("voor", 75, 1, "98,68%", "for", winner=True),
    Bar("tegen", 1, 1, "1,32%", "against"),
    Bar("onthouding", 75, 1, None, "abstain", counts=False),
    Bar("niet gestemd", 75, 1, None, "none", counts=False),
]


class TestBarChart:
    def test_numbers_beside_every_bar(self) -> None:
        scene = charts.bar_chart(HAND_COMPUTED, title="Motie X")
        words = text_of(scene)
        assert words == [
            "» voor",
            "75 stemmen · 1 gem. · 98,68%",
            "tegen",
            "1 stem · 1 gem. · 1,32%",
            "onthouding",
            "75 stemmen · 1 gem. · telt niet mee",
            "niet gestemd",
            "75 stemmen · 1 gem.",
        ]
        svg = to_svg(scene)
        root = parsed(svg)
        assert root.attrib["role"] == "img"
        assert root.find(f"{SVG}title").text == "Motie X"  # type: ignore[union-attr]
        assert "<script" not in svg and "href" not in svg
        artifact_path("chart-result.svg").write_text(svg, encoding="utf-8")

    def test_bars_scale_with_their_weight(self) -> None:
        scene = charts.bar_chart(HAND_COMPUTED, title="x")
        solid = [s for s in scene.shapes if isinstance(s, Rect) and s.fill == "#303030"]
        (voor,) = solid
        hatched_outline = [
            s for s in scene.shapes if isinstance(s, Rect) and s.fill is None and s.y == voor.y + 34
        ]
        assert hatched_outline[0].w == pytest.approx(voor.w / 75)

    def test_patterns_tell_options_apart_without_colour(self) -> None:
        scene = charts.bar_chart(HAND_COMPUTED, title="x")
        fills = {s.fill for s in scene.shapes if isinstance(s, Rect)}
        assert fills <= {"#303030", charts.LIGHT, None}  # grey shades and outlines only
        hatch = [s for s in scene.shapes if isinstance(s, Line) and s.x1 != s.x2 and s.y1 != s.y2]
        dots = [s for s in scene.shapes if isinstance(s, charts.Circle)]
        assert hatch and dots  # tegen hatched, onthouding dotted

    def test_hatching_stays_inside_its_box(self) -> None:
        for line in charts.filled(10, 20, 37, 19, "crosshatch"):
            if isinstance(line, Line):
                for x, y in ((line.x1, line.y1), (line.x2, line.y2)):
                    assert 10 <= x <= 47 and 20 <= y <= 39

    def test_a_vote_decided_bij_acclamatie_has_no_chart(self) -> None:
        (entry,) = synthetic_votes(members_count=3, votes=1, meeting="alv-2023-12")
        acclaimed = entry.model_copy(
            update={"vote": entry.vote.model_copy(update={"decided_by": "acclamation"})}
        )
        assert result_chart(acclaimed) is None
        assert [b.label for b in bars_for(entry)][-1] == "niet gestemd"


class TestAttendance:
    def test_presence_from_the_desk_log(self) -> None:
        changes = [
            PresenceChange(T0, "handset.bound", "GM0363"),
            PresenceChange(T0 + datetime.timedelta(minutes=5), "handset.bound", "GM0088"),
            PresenceChange(T0 + datetime.timedelta(minutes=6), "handset.swapped", "GM0088"),
            PresenceChange(T0 + datetime.timedelta(minutes=9), "cards.issued", None),
            PresenceChange(T0 + datetime.timedelta(hours=2), "handset.returned", "GM0363"),
            PresenceChange(
                T0 + datetime.timedelta(hours=3), "handset.bound_without_card", "GM0363"
            ),
        ]
        points = attendance(changes, {"GM0363": 75, "GM0088": 1})
        assert [(p.at - T0, p.members, p.weight) for p in points] == [
            (datetime.timedelta(0), 1, 75),
            (datetime.timedelta(minutes=5), 2, 76),
            (datetime.timedelta(hours=2), 1, 1),
            (datetime.timedelta(hours=3), 2, 76),
        ]

    def test_a_day_with_its_votes_marked(self) -> None:
        report = synthetic_report(members_count=342, votes=20)
        scene = day_chart(report.attendance, report.votes, now=report.made_at)
        words = text_of(scene)
        assert "aanwezig: stemmen" in words and "aanwezig: gemeenten" in words
        assert "342" in words  # everyone arrived
        numbered = [w for w in words if w.isdigit() and 1 <= int(w) <= 20]
        # Every vote numbered in both panels.
        assert numbered == [str(n) for n in range(1, 21) for _ in range(2)]
        svg = to_svg(scene)
        parsed(svg)
        artifact_path("chart-attendance.svg").write_text(svg, encoding="utf-8")

    def test_nobody_yet(self) -> None:
        scene = charts.attendance_chart([], [], until=T0)
        assert text_of(scene) == ["Nog niemand aangemeld."]


class TestChain:
    def test_links_in_order_with_their_short_hash(self) -> None:
        entries = synthetic_votes(members_count=5, votes=4, meeting="alv-2023-12")
        scene = chain_of(entries)
        words = text_of(scene)
        assert words[0::3] == ["1.", "2.", "3.", "4."]
        assert words[2] == charts.short_hash(entries[0].hash or "") + " …"
        assert len(words[2].split()) == 5  # four groups of four, and the ellipsis
        svg = to_svg(scene)
        parsed(svg)
        artifact_path("chart-chain.svg").write_text(svg, encoding="utf-8")

    def test_text_is_escaped(self) -> None:
        scene = charts.Scene(10, 10, "a < b", [Text(0, 0, "<script>&")])
        svg = to_svg(scene)
        assert "<script>" not in svg
        assert parsed(svg).find(f"{SVG}text").text == "<script>&"  # type: ignore[union-attr]


def test_report_of_a_full_meeting() -> None:
    """342 municipalities, 20 votes: every municipality in the stemgedrag table."""
    report = synthetic_report(members_count=342, votes=20)
    pdf = render_report(report)
    artifact_path("report-342-members-20-votes.pdf").write_bytes(pdf)
    text = " ".join(texts(pdf))
    assert all(f"Gemeente {i}\n" in text or f"Gemeente {i} " in text for i in (1, 171, 342))
    assert f"kop van de keten: {report.head}" in " ".join(text.split())
    rendered = pages(pdf, dpi=40)
    assert 10 <= len(rendered) <= 40
