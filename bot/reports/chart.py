"""The report's chart as a PNG: the match rate at the end of each week (a line, against the
target) and the contacts logged in each week (bars), drawn by matplotlib's Agg renderer.

matplotlib is imported when a chart is drawn, not when the command registry is built: it
takes most of a second to import, and only a report draws."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

from bot.reports import messages, rules
from bot.reports.rules import Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIZE_INCHES = (8.0, 4.5)
DPI = 100
RATE_COLOUR = "#2E86AB"
TARGET_COLOUR = "#C0392B"
CONTACTS_COLOUR = "#B8D8E8"
MAX_LABELLED_WEEKS = 13
"""At most this many weeks carry a date label, in the PNG and the dashboard's SVG alike: with
more (a year is 52), every second, third or fourth week is labelled, so the labels never
run into each other; every week still has its bar and point."""


def label_every(weeks: int) -> int:
    """Label one week in this many (1: every week)."""
    return 1 if weeks <= MAX_LABELLED_WEEKS else -(-weeks // MAX_LABELLED_WEEKS)


def slant_labels(weeks: int) -> bool:
    """Whether the date labels are slanted: past half the labelled maximum, level labels
    would touch."""
    return weeks > MAX_LABELLED_WEEKS // 2


def png(report: Report) -> bytes:
    """The chart of `report`, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # lazy: see the module doc

    out = io.BytesIO()
    FigureCanvasAgg(figure(report)).print_png(out)
    return out.getvalue()


def figure(report: Report) -> Figure:
    """The chart of `report` as a matplotlib figure (what `png` renders)."""
    from matplotlib.figure import Figure  # lazy: see the module doc
    from matplotlib.ticker import MaxNLocator, PercentFormatter  # lazy: see the module doc

    weeks = report.weeks
    positions = list(range(len(weeks)))
    drawn = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    rate_axes = drawn.add_subplot()
    contact_axes = rate_axes.twinx()
    # The line in front of the bars: the rate is what the chart is about.
    rate_axes.set_zorder(contact_axes.get_zorder() + 1)
    rate_axes.patch.set_visible(False)

    contact_axes.bar(positions, [w.contacts for w in weeks], color=CONTACTS_COLOUR,
                     label="contacts logged")
    contact_axes.set_ylabel("contacts logged per week")
    contact_axes.set_ylim(0, max([w.contacts for w in weeks] + [1]) * 1.15)
    contact_axes.yaxis.set_major_locator(MaxNLocator(integer=True))

    rates = [math.nan if w.match_rate is None else w.match_rate * 100 for w in weeks]
    rate_axes.plot(positions, rates, color=RATE_COLOUR, marker="o", linewidth=2,
                   label="match rate")
    rate_axes.axhline(rules.TARGET_MATCH_RATE * 100, color=TARGET_COLOUR, linestyle="--",
                      linewidth=1, label=f"target {messages.percent(rules.TARGET_MATCH_RATE)}")
    rate_axes.set_ylim(0, 100)
    rate_axes.yaxis.set_major_formatter(PercentFormatter(100))
    rate_axes.set_ylabel("match rate")
    labelled = positions[::label_every(len(weeks))]
    slanted = slant_labels(len(weeks))
    rate_axes.set_xticks(labelled, [f"{weeks[i].first_day:%d %b}" for i in labelled],
                         rotation=45 if slanted else 0, ha="right" if slanted else "center",
                         rotation_mode="anchor", fontsize=8)
    rate_axes.set_xticks(positions, minor=True)
    rate_axes.set_xlabel("week starting")
    rate_axes.set_title(messages.chart_title(report))
    handles = [*rate_axes.get_legend_handles_labels()[0],
               *contact_axes.get_legend_handles_labels()[0]]
    rate_axes.legend(handles=handles, loc="upper left", fontsize=8)
    return drawn
