"""The report as the organizer's dashboard reads it: the same `Figure`s as the chat reply,
the JSON and the CSV (`messages.figures`), laid out as tiles, with the chart as SVG and the
week-by-week numbers as its table. Nothing here counts: a tile is a figure, so the page and
`mentorbot report --json` cannot disagree (tests/test_web_dashboard.py checks that they
don't). Privacy is the report's: students are named only in the list of those waiting for a
mentor, letters only counted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.infra.zones import format_day, format_local
from bot.reports import messages, svg
from bot.reports.messages import Figure
from bot.reports.rules import Report

GLANCE = {
    "matching.match_rate": "Match rate",
    "matching.looking_unmatched": "Looking for a mentor, not matched",
    "health.needs_checkin": "At-risk relationships: need a check-in",
    "health.due_soon": "Relationships due soon",
    "letters.at_risk": "Letters at risk (counted)",
    "intros.silent_faculty": "Faculty who did not answer",
    "nudges.acted_share": "Reminders acted on",
}
"""The figures shown first, with the label they carry there, and the section each one
links to."""

PANELS = (messages.SECTION_PEOPLE, messages.SECTION_MATCHING, messages.SECTION_NETWORKS,
          messages.SECTION_HEALTH, messages.SECTION_INTROS, messages.SECTION_MEETINGS,
          messages.SECTION_LETTERS, messages.SECTION_NUDGES)


@dataclass(frozen=True)
class Tile:
    key: str  # the figure's key, as in the JSON and the CSV
    label: str
    value: int | float | None
    shown: str
    scope: str  # what part of the group it counts, when the report is filtered
    anchor: str  # the panel it belongs to


@dataclass(frozen=True)
class TileGroup:
    """Consecutive figures counted the same way: their tiles, then how, then what to do."""

    tiles: tuple[Tile, ...]
    how: str
    todos: tuple[str, ...]


@dataclass(frozen=True)
class Panel:
    heading: str
    anchor: str
    groups: tuple[TileGroup, ...]


@dataclass(frozen=True)
class WeekRow:
    first_day: str  # ISO, as in the JSON
    label: str
    match_rate: float | None
    rate_shown: str
    contacts: int


@dataclass(frozen=True)
class SilentRow:
    name: str
    expired: int
    asked: int
    turned_off: str  # the day the bot turned accepting off, or ""


@dataclass(frozen=True)
class Dashboard:
    report: Report
    period: str
    as_of: str  # when the figures were counted
    scope: str
    glance: tuple[Tile, ...]
    panels: tuple[Panel, ...]
    chart: str  # inline SVG
    chart_summary: str
    weeks: tuple[WeekRow, ...]
    silent: tuple[SilentRow, ...]
    looking: tuple[str, ...]
    csv_filename: str


def anchor(heading: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in heading.lower()).strip("-")


def _tile(figure: Figure, report: Report, label: str | None = None) -> Tile:
    return Tile(figure.key, label or figure.label, figure.value, figure.shown,
                messages.figure_scope(figure.key, report.scope), anchor(figure.section))


def _groups(figures: Iterable[Figure], report: Report) -> tuple[TileGroup, ...]:
    groups: list[TileGroup] = []
    run: list[Figure] = []

    def flush() -> None:
        if run:
            groups.append(TileGroup(tuple(_tile(f, report) for f in run),
                                    messages.sentence(run[0].how),
                                    tuple(messages.sentence(f.todo) for f in run if f.todo)))
            run.clear()

    for figure in figures:
        if run and figure.how != run[0].how:
            flush()
        run.append(figure)
    flush()
    return tuple(groups)


def csv_filename(report: Report) -> str:
    """`report-GROUP-DATE.csv`, with the filters when there are any."""
    parts = [report.group_slug, report.last_day.isoformat(),
             *(p for p in (report.scope.stage, report.scope.kind) if p)]
    return f"report-{'-'.join(parts)}.csv"


def build(report: Report) -> Dashboard:
    figures = messages.figures(report)
    by_key = {f.key: f for f in figures}
    return Dashboard(
        report=report,
        period=messages.period_text(report),
        as_of=format_local(report.period.end, "UTC"),
        scope=messages.scope_text(report.scope),
        glance=tuple(_tile(by_key[key], report, label) for key, label in GLANCE.items()),
        panels=tuple(Panel(heading, anchor(heading),
                           _groups((f for f in figures if f.section == heading), report))
                     for heading in PANELS),
        chart=svg.svg(report),
        chart_summary=messages.chart_alt_text(report),
        weeks=tuple(WeekRow(w.first_day.isoformat(), format_day(w.first_day), w.match_rate,
                            messages.percent(w.match_rate), w.contacts)
                    for w in report.weeks),
        silent=tuple(SilentRow(f.name, f.expired, f.asked,
                               format_day(f.turned_off.date()) if f.turned_off else "")
                     for f in report.silent_faculty),
        looking=report.looking,
        csv_filename=csv_filename(report),
    )
