"""A year of weeks on the report's chart: the date labels, in the PNG (`mentorbot report
--chart`) and the dashboard's SVG alike, are one week in four, dated, and never touch."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from sqlalchemy import select

from bot.app.core import Core
from bot.app.nudges import nudge_catalog
from bot.infra.models import InterestGroup
from bot.reports import chart, store, svg
from bot.reports.rules import Report, Week
from tests.support.report_data import NOW, build

FIRST = date(2025, 12, 29)  # a Monday; the year runs into 2026


@pytest.fixture
def year(core: Core) -> Report:
    with core.db.session() as session:
        build(session)
        group = session.scalar(select(InterestGroup))
        assert group is not None
        report = store.report(session, group, NOW, nudge_catalog())
    weeks = tuple(Week(first_day=FIRST + timedelta(weeks=i), match_rate=min(1.0, i / 60),
                       contacts=i % 7) for i in range(52))
    return replace(report, weeks=weeks)


def test_the_png_labels_one_week_in_four_and_no_two_labels_touch(year: Report) -> None:
    drawn = chart.figure(year)
    canvas = FigureCanvasAgg(drawn)
    canvas.draw()
    renderer = canvas.get_renderer()
    labels = [t for t in drawn.axes[0].get_xticklabels() if t.get_text()]
    assert [t.get_text() for t in labels][:3] == ["29 Dec", "26 Jan", "23 Feb"]
    assert len(labels) == 13 and labels[-1].get_text() == "30 Nov"
    boxes = [t.get_window_extent(renderer) for t in labels]
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left.x1 < right.x0, (left, right)
    assert chart.png(year).startswith(b"\x89PNG")


def test_the_svg_labels_the_same_weeks_far_enough_apart(year: Report) -> None:
    """The SVG's labels are slanted 40°: neighbours stand apart by the gap between them
    times sin 40°, which must exceed the 12-pixel font."""
    drawn = svg.svg(year)
    labels = re.findall(r'<text x="([\d.]+)" y="[\d.]+" transform="rotate\(-40[^"]*"'
                        r' text-anchor="end">(\d\d \w{3})</text>', drawn)
    assert [text for _, text in labels][:3] == ["29 Dec", "26 Jan", "23 Feb"]
    assert len(labels) == 13 and labels[-1][1] == "30 Nov"
    xs = [float(x) for x, _ in labels]
    gaps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
    assert max(gaps) - min(gaps) < 0.5  # evenly spaced
    assert min(gaps) * math.sin(math.radians(40)) > 12 * 1.5
