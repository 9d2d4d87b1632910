"""The organizer's dashboard and `mentorbot report GROUP --json` agree: every tile, every
week and every name on the page is the report's (one source: `bot.reports`), with and
without filters. And what the filters count, on the hand-checked group of
tests/support/report_data.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app.cli import main
from bot.app.core import Core
from bot.app.nudges import nudge_catalog
from bot.infra.models import InterestGroup, StudentProfile
from bot.infra.settings import get_settings
from bot.reports import dashboard, messages, store, svg
from bot.reports.rules import Scope
from bot.web.rules import Page
from tests.support.report_data import NOW, STUDENT_NAMES, ReportData, build
from tests.support.web import WebServer, read_dashboard, web_server


@pytest.fixture
def data(cli: Core) -> ReportData:
    cli.clock.set(NOW)  # type: ignore[attr-defined]
    with cli.db.session() as session:
        return build(session)


@pytest.fixture
def web(cli: Core, data: ReportData) -> Iterator[WebServer]:
    with web_server(cli) as server:
        assert server.open(server.link(data.organizer_id, Page.REPORT, data.group_id)).status \
            == 303
        yield server


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    get_settings.cache_clear()
    assert main(["report", "em", "--json", f"--at={NOW.isoformat()}", *args]) == 0
    return dict(json.loads(capsys.readouterr().out))


def _value(value: Any) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("query", [
    (), ("--weeks", "4", "--kind", "career"), ("--weeks", "20", "--stage", "ms3",
                                               "--kind", "research"),
])
def test_the_dashboard_shows_what_report_json_says(web: WebServer,
                                                  capsys: pytest.CaptureFixture[str],
                                                  query: tuple[str, ...]) -> None:
    document = _cli_json(capsys, *query)
    params = "&".join(f"{query[i].lstrip('-')}={query[i + 1]}" for i in range(0, len(query), 2))
    page = web.get(f"/web/report/em?{params}")
    assert page.status == 200, page.shown
    shown = read_dashboard(page.text)
    figures = {f["key"]: f for f in document["figures"]}
    assert set(shown.tiles) == set(figures)  # every figure is a tile, and nothing else is
    for key, (value, text) in shown.tiles.items():
        assert (value, text) == (_value(figures[key]["value"]), figures[key]["shown"]), key
    assert shown.weeks == [(w["first_day"], messages.percent(w["match_rate"]),
                            str(w["contacts"])) for w in document["weeks"]]
    assert shown.looking == document["students_looking_unmatched"]
    assert shown.silent == [f["name"] for f in document["faculty_not_answering"]]
    period = document["period"]
    assert f"the last {period['weeks']} weeks" in page.shown


def test_the_dashboard_names_no_student_beside_a_letter(web: WebServer,
                                                        data: ReportData) -> None:
    page = read_dashboard(web.get("/web/report/em").text)
    letters = {k: v for k, v in page.tiles.items() if k.startswith("letters.")}
    assert letters["letters.at_risk"] == ("2", "2")
    text = web.get("/web/report/em").shown
    for name in STUDENT_NAMES.values():
        if name in ("Fay Nguyen", "Gus Ortega"):  # waiting for a mentor: named, as in chat
            assert text.count(name) == 1
        else:
            assert name not in text
    for program in ("Boston EM Residency", "Harborview", "Outsider Program"):
        assert program not in text


def test_the_chart_is_svg_with_a_text_alternative(cli: Core, data: ReportData) -> None:
    with cli.db.session() as session:
        report = store.report(session, session.get_one(InterestGroup, data.group_id), NOW,
                              nudge_catalog())
    drawn = svg.svg(report)
    assert drawn.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in drawn
    assert ('<title id="chart-title">EM Interest Group: match rate and contacts per '
            'week</title>') in drawn
    assert f'<desc id="chart-desc">{messages.chart_alt_text(report)}</desc>' in drawn
    assert drawn.count("<rect ") == len(report.weeks) + 1  # a bar a week, and the legend's
    assert "Week of 12 Oct: match rate 50%" in drawn
    assert "style=" not in drawn and "<script" not in drawn  # a strict CSP allows it
    view = dashboard.build(report)
    assert [w.rate_shown for w in view.weeks][:2] == ["50%", "62%"]


def test_a_name_is_escaped_in_the_chart_and_the_page(cli: Core, data: ReportData,
                                                     web: WebServer) -> None:
    with cli.db.session() as session:
        group = session.get_one(InterestGroup, data.group_id)
        group.name = 'EM <script>alert("x")</script> & Co'
    page = web.get("/web/report/em")
    assert "<script>" not in page.text
    assert "EM &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page.text
    assert 'EM &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co: match rate' in \
        page.text  # inside the SVG's title


# --- what the filters count ---------------------------------------------------------------------


def _report(core: Core, data: ReportData, scope: Scope) -> Any:
    with core.db.session() as session:
        return store.report(session, session.get_one(InterestGroup, data.group_id), NOW,
                            nudge_catalog(), scope=scope)


def test_a_mentor_kind_narrows_mentorships_and_requests_only(cli: Core,
                                                             data: ReportData) -> None:
    whole = _report(cli, data, Scope())
    career = _report(cli, data, Scope(kind="career"))
    research = _report(cli, data, Scope(kind="research"))
    clinical = _report(cli, data, Scope(kind="clinical"))
    # Active mentorships of the group's students: career S1, S3, S4, S5; research S1, S10;
    # clinical S2 (S9's ended, S11 is no member).
    assert (career.matching.matched, research.matching.matched,
            clinical.matching.matched) == (4, 2, 1)
    assert career.matching.rate == 0.4 and whole.matching.rate == 0.6
    totals = [r.health.total for r in (career, research, clinical)]
    assert totals == [4, 2, 1] and sum(totals) == whole.health.total
    for field in ("on_track", "due_soon", "needs_checkin"):
        assert sum(getattr(r.health, field) for r in (career, research, clinical)) == \
            getattr(whole.health, field)
    # Every request of the data is for a career mentor (the default kind).
    assert career.intros == whole.intros and research.intros.sent == 0
    # Dr. Cy Dunn's accepting was turned off for want of an answer: not a kind's matter.
    assert [(f.name, f.expired, f.asked) for f in research.silent_faculty] == [
        ("Dr. Cy Dunn", 0, 0)]
    # Mentor networks compare the kinds; the rest is not about one mentorship.
    for narrowed in (career, research):
        assert narrowed.coverage == whole.coverage
        assert (narrowed.looking, narrowed.letters, narrowed.nudges, narrowed.meetings,
                narrowed.participants) == (whole.looking, whole.letters, whole.nudges,
                                           whole.meetings, whole.participants)
        assert [w.contacts for w in narrowed.weeks] == [w.contacts for w in whole.weeks]
    assert [w.match_rate for w in research.weeks][-1] == 0.2


def test_a_stage_narrows_the_students_and_what_is_theirs(cli: Core, data: ReportData) -> None:
    with cli.db.session() as session:
        for key in ("S1", "S6"):
            session.get_one(StudentProfile, data.people[key]).stage = "ms2"
    whole = _report(cli, data, Scope())
    ms2 = _report(cli, data, Scope(stage="ms2"))
    ms3 = _report(cli, data, Scope(stage="ms3"))
    assert (ms2.participants.students, ms3.participants.students) == (2, 8)
    assert ms2.participants.faculty == ms3.participants.faculty == whole.participants.faculty
    assert ms2.looking == ("Fay Nguyen",)  # Ana Lima has her mentors
    assert ms2.matching.matched == 1
    # Ana's letters (planned, due 20 Jan; asked, due 15 Jan: both at risk) and Fay's
    # (declined).
    assert ms2.letters.total == 3 and ms2.letters.total + ms3.letters.total == whole.letters.total
    assert (ms2.letters.not_asked, ms2.letters.not_agreed) == (1, 1)
    assert ms2.intros.sent == 2  # Fay's two requests; Ana made none
    # Reminders: only to students at the stage (the faculty's are not a stage's).
    assert ms2.nudges.planned + ms3.nudges.planned == whole.nudges.planned - 1
    assert _report(cli, data, Scope(stage="premed")).matching.rate is None


def test_the_json_and_csv_say_what_was_counted(cli: Core, data: ReportData,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    document = _cli_json(capsys, "--stage", "ms3", "--kind", "career")
    assert document["scope"] == {"stage": "ms3", "kind": "career"}
    assert _cli_json(capsys)["scope"] == {"stage": None, "kind": None}
    report = _report(cli, data, Scope(stage="ms3", kind="career"))
    text = messages.report_reply(report).text
    assert ("Filtered: students at stage ms3 only; career mentors only where a figure is "
            "about mentorships.") in text
    assert messages.figure_scope("health.due_soon", report.scope) == "ms3 students · career mentors"
    assert messages.figure_scope("participants.faculty", report.scope) == "every kind"
    assert dashboard.csv_filename(report) == "report-em-2027-01-04-ms3-career.csv"
