"""A report for a spreadsheet: JSON and CSV built from the same figures as the text
(`bot.reports.messages.figures`), plus the week-by-week series and the two named lists."""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.infra.spreadsheets import cell
from bot.reports import messages
from bot.reports.rules import Report

CSV_COLUMNS = ("section", "figure", "key", "value", "shown", "how counted", "what to do")


def as_json(report: Report) -> dict[str, Any]:
    """The report as a JSON-ready document."""
    return {
        "group": {"slug": report.group_slug, "name": report.group_name},
        "period": {"weeks": report.period.weeks, "first_day": report.first_day.isoformat(),
                   "last_day": report.last_day.isoformat(),
                   "as_of": report.period.end.isoformat()},
        "scope": {"stage": report.scope.stage, "kind": report.scope.kind},
        "figures": [{"section": f.section, "key": f.key, "label": f.label, "value": f.value,
                     "shown": f.shown, "how": f.how, "todo": f.todo}
                    for f in messages.figures(report)],
        "weeks": [{"first_day": w.first_day.isoformat(), "match_rate": w.match_rate,
                   "contacts": w.contacts} for w in report.weeks],
        "faculty_not_answering": [
            {"name": f.name, "requests_expired": f.expired, "requests": f.asked,
             "accepting_turned_off_at": f.turned_off.isoformat() if f.turned_off else None}
            for f in report.silent_faculty],
        "students_looking_unmatched": list(report.looking),
    }


def as_csv(report: Report) -> str:
    """One row per figure, then one per week, then the named lists."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    scope = report.scope
    if scope.stage is not None:
        writer.writerow((messages.SECTION_SCOPE, "Stage", "scope.stage", scope.stage,
                         scope.stage, messages.STAGE_HOW, ""))
    if scope.kind is not None:
        writer.writerow((messages.SECTION_SCOPE, "Mentor kind", "scope.kind", scope.kind,
                         scope.kind, messages.KIND_HOW, ""))
    for f in messages.figures(report):
        writer.writerow((f.section, f.label, f.key, "" if f.value is None else f.value,
                         f.shown, f.how, f.todo))
    for w in report.weeks:
        day = w.first_day.isoformat()
        writer.writerow((messages.SECTION_WEEKS, f"Match rate, week of {day}",
                         f"weeks.{day}.match_rate", "" if w.match_rate is None else w.match_rate,
                         messages.percent(w.match_rate), messages.WEEKS_HOW, ""))
        writer.writerow((messages.SECTION_WEEKS, f"Contacts, week of {day}",
                         f"weeks.{day}.contacts", w.contacts, str(w.contacts),
                         messages.WEEKS_HOW, ""))
    for silent in report.silent_faculty:
        writer.writerow((messages.SECTION_SILENT, cell(silent.name), "faculty_not_answering",
                         silent.expired, f"{silent.expired} of {silent.asked} expired",
                         "requests expired unanswered", ""))
    for name in report.looking:
        writer.writerow((messages.SECTION_LOOKING, cell(name), "students_looking_unmatched", "",
                         "", "looking for a mentor, no active mentor", ""))
    return out.getvalue()
