"""Every figure of the report against a small data set worked out by hand
(tests/support/report_data.py describes it; the numbers below were counted from it on
paper, not produced by the code under test), on SQLite and PostgreSQL; and the pure rules
at their boundaries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app.nudges import nudge_catalog
from bot.infra.db import Database
from bot.infra.models import Contact, InterestGroup, Person
from bot.nudges.kinds import Evidence
from bot.reports import export, messages, rules, store
from bot.reports.rules import Health, LetterRisk, Report
from bot.vocab.nudges import NudgeKind, NudgeState
from tests.support.report_data import NOW, ReportData, at, build


@pytest.fixture
def built(database: Database) -> tuple[Database, ReportData]:
    with database.session() as session:
        data = build(session)
    return database, data


def _report(database: Database, data: ReportData, **kwargs: object) -> Report:
    with database.session() as session:
        group = session.get_one(InterestGroup, data.group_id)
        return store.report(session, group, NOW, nudge_catalog(),
                            **kwargs)  # type: ignore[arg-type]


def test_every_figure_matches_the_hand_count(built: tuple[Database, ReportData]) -> None:
    database, data = built
    report = _report(database, data)

    assert (report.first_day, report.last_day) == (date(2026, 10, 12), date(2027, 1, 4))
    # Members with the student role: S1–S10 (S11 is not a member; the organizer has no role).
    # Faculty members: F1–F4; a place open: F1 (5 places, 3 mentees: M1, M3, M8) and F4
    # (3 places, M4 and M6); F2 is full (M2, M5), F3 not accepting.
    assert report.participants == rules.Participants(students=10, faculty=4,
                                                     faculty_accepting=2)
    # Mentored now: S1, S2, S3, S4, S5 and S10 (M9, with a faculty member outside the group).
    assert (report.matching.students, report.matching.matched) == (10, 6)
    assert report.matching.rate == 0.6 and report.matching.poor
    # Research: S1 (M2), S10 (M9); clinical: S2 (M3); career: S1, S3, S4, S5. Only S1 has two.
    assert dict(report.coverage.by_kind) == {"research": 2, "clinical": 1, "career": 4}
    assert (report.coverage.matched, report.coverage.several_kinds) == (6, 1)
    assert report.coverage.rarest == "clinical"
    # On track: M1 (due 31 Jan), M4 (due 8 Feb). Due soon: M2 (6 Jan), M9 (5 Jan), M5 (due 1
    # Dec, 76 days since its start: under two rhythms of 42). Needs a check-in: M3 (weekly,
    # 34 days since 1 Dec), M6 (91 days since 5 Oct, rhythm 42).
    assert report.health == rules.HealthCounts(on_track=2, due_soon=3, needs_checkin=2)
    # In the period: R1 (open), R3, R7 (accepted: 48 h, 96 h), R5 (declined, 12 h), R4, R6,
    # R9 (expired). R2 is older; R8 is an outsider's, outside the group.
    assert report.intros == rules.Intros(sent=7, accepted=2, declined=1, expired=3,
                                         waiting=1, median_hours=48.0)
    assert report.intros.poor  # 3 of 7 expired
    assert report.silent_faculty == (
        rules.SilentFaculty("Dr. Cy Dunn", expired=2, asked=3, turned_off=at(2027, 1, 1, 10)),
        rules.SilentFaculty("Dr. Ben Cole", expired=1, asked=2),
    )
    # Fay asked to be matched, Gus has a request waiting; Ana asked too but has mentors.
    assert report.looking == ("Fay Nguyen", "Gus Ortega")
    # Check-ins asked in the period: M2 (met), M5 twice (not yet; unanswered), M9
    # (unanswered), M3 (no); M7's was asked before it. Ratings 4 (F1), 3 (F2), 2 (F1): two
    # mentors, so the mean is withheld. The outsider's rating does not count.
    assert report.meetings == rules.Meetings(
        asked=5, answers={"met": 1, "not-yet": 1, "no": 1}, ratings=3, rated_mentors=2,
        mean_rating=None)
    assert report.meetings.withheld
    # Deadlines from 12 Oct on: planned L1, L4, L9; asked L2, L3; agreed L5; declined L10;
    # submitted L6 (L7's deadline is older, L8 is the outsider's). At risk: L1 (planned, 16
    # days left), L2 (asked, 11 days left); L9's deadline has passed.
    assert dict(report.letters.by_state) == {
        "planned": 3, "asked": 2, "agreed": 1, "declined": 1, "packet-sent": 0,
        "submitted": 1, "thanked": 0, "withdrawn": 0}
    assert (report.letters.not_asked, report.letters.not_agreed) == (1, 1)
    # Reminders to members planned in the period: N1–N10, N13, N14, N16, N17 (N11 is a
    # notice, N12 is older, N15 is the outsider's). Sent: all but N8 (failed) and N16
    # (pending). Judged (sent a week or more ago, an answer the bot can see): N1 ✓ (contact
    # 6 days later), N2 ✗, N3 ✓ (done 2 days later), N4 ✗, N5 ✗, N6 ✓ (asked 2 days later),
    # N9 ✗, N10 ✓ (contact with the writer), N14 ✓ (check-in answered), N17 ✗. Not judged:
    # N7 (sent 6 days ago), N13 (intro-pending).
    assert report.nudges == rules.Nudges(planned=14, sent=12, failed=1, snoozed=2,
                                         dismissed=1, judged=10, acted=5)
    assert report.nudges.acted_share == 0.5
    # Contacts of the group's students dated in each week; the match rate at each week's
    # end over the students who had joined by then (S8 joined 20 Nov, S10 on 1 Dec; M7
    # ended 16 Nov; M5 began 20 Oct, M4 on 28 Dec, M9 on 29 Dec).
    assert [w.first_day for w in report.weeks] == [
        date(2026, 10, 12) + timedelta(weeks=i) for i in range(12)]
    assert [w.contacts for w in report.weeks] == [1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1]
    assert [w.match_rate for w in report.weeks] == pytest.approx(
        [4 / 8, 5 / 8, 5 / 8, 5 / 8, 4 / 8, 4 / 9, 4 / 9, 4 / 10, 4 / 10, 4 / 10, 5 / 10,
         6 / 10])


def test_the_text_says_how_each_figure_is_counted_and_what_to_do(
        built: tuple[Database, ReportData]) -> None:
    database, data = built
    text = messages.report_reply(_report(database, data)).as_text()
    lines = text.splitlines()
    assert lines[0] == "Program health: EM Interest Group"
    assert "em · the last 12 weeks (Mon 12 Oct 2026 – Mon 04 Jan 2027)" in text
    expected = [
        "Students: 10 · Faculty: 4",
        "Match rate: 60% (6 of 10 students) · target 70%",
        "  To do: 2 students are looking and unmatched: run /mentor match group:em dry-run",
        "• Fay Nguyen",
        "• Gus Ortega",
        "With a research mentor: 2 · With a clinical mentor: 1 · With a career mentor: 4",
        "More than one kind: 1 of 6 (17%)",
        "On track: 2 · Due soon: 3 · Needs a check-in: 2",
        "Sent: 7 · Accepted: 2 · Declined: 1 · Expired unanswered: 3 · Still waiting: 1",
        "Median time to an answer: 2 days",
        "• Dr. Cy Dunn: 2 of 3 requests expired unanswered; accepting turned off by the bot on "
        "Fri 01 Jan 2027: no answer to whether they still mentor",
        "• Dr. Ben Cole: 1 of 2 requests expired unanswered",
        "Check-ins asked: 5 · We met: 1 · Not yet: 1 · Not going to happen: 1 · "
        "Not answered: 2",
        "Meetings rated: 3",
        "Mean rating: withheld until meetings with at least 3 mentors are rated",
        "Planned: 3 · Asked: 2 · Agreed: 1 · Declined: 1 · Packet sent: 0 · Submitted: 1 · "
        "Thanked: 0 · Withdrawn: 0",
        "At risk: not asked: 1 · At risk: not agreed: 1 · At risk in all: 2",
        "Planned: 14 · Sent: 12 · Failed: 1 · Snoozed: 2 · Dismissed: 1",
        "  To do: 1 reminder could not be delivered: mentorbot nudges failed shows why.",
        "Acted on within a week: 50% (5 of 10)",
        "12 Oct: match rate 50%, 1 contact",
        "28 Dec: match rate 60%, 1 contact",
    ]
    missing = [line for line in expected if line not in lines]
    assert missing == []
    # Each line of figures is followed by one line saying how they are counted.
    report_labels = tuple(f"{f.label}: " for f in messages.figures(_report(database, data)))
    figure_lines = [i for i, line in enumerate(lines) if line.startswith(report_labels)]
    assert len(figure_lines) == 17
    assert [lines[i + 1][:7] for i in figure_lines] == ["  How: "] * len(figure_lines)
    # Poor figures say what to do, good ones don't: the match rate, the students waiting,
    # mentor networks, health, expired requests, meetings that did not happen, letters at
    # risk and the failed reminder.
    todos = [line for line in lines if line.startswith("  To do: ")]
    assert len(todos) == 8
    assert not any("acted" in line.lower() for line in todos)  # 50% meets its target


def test_json_and_csv_carry_the_same_figures(built: tuple[Database, ReportData]) -> None:
    database, data = built
    report = _report(database, data)
    document = export.as_json(report)
    values = {f["key"]: f["value"] for f in document["figures"]}
    assert values["matching.match_rate"] == 0.6
    assert values["health.needs_checkin"] == 2
    assert values["letters.at_risk"] == 2
    assert values["intros.median_hours"] == 48.0
    assert values["meetings.mean_rating"] is None
    assert values["nudges.acted_share"] == 0.5
    assert document["students_looking_unmatched"] == ["Fay Nguyen", "Gus Ortega"]
    assert document["faculty_not_answering"][0] == {
        "name": "Dr. Cy Dunn", "requests_expired": 2, "requests": 3,
        "accepting_turned_off_at": "2027-01-01T10:00:00+00:00"}
    assert [w["contacts"] for w in document["weeks"]] == [1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1]
    text = export.as_csv(report)
    assert text.splitlines()[0] == "section,figure,key,value,shown,how counted,what to do"
    rows = list(csv.DictReader(io.StringIO(text)))
    by_key = {row["key"]: row for row in rows}
    assert set(values) <= set(by_key)
    assert {key: by_key[key]["value"] for key in values} == {
        key: "" if value is None else str(value) for key, value in values.items()}
    assert by_key["matching.match_rate"]["what to do"] == (
        "2 students are looking and unmatched: run /mentor match group:em dry-run")
    assert by_key["weeks.2026-12-28.match_rate"]["value"] == "0.6"
    assert [row["figure"] for row in rows if row["key"] == "students_looking_unmatched"] == [
        "Fay Nguyen", "Gus Ortega"]


def test_a_shorter_period(built: tuple[Database, ReportData]) -> None:
    database, data = built
    report = _report(database, data, weeks=4)
    # From Mon 7 Dec 2026 15:00: requests R1, R3, R7; contacts on 20 and 30 Dec; check-in M9.
    assert report.first_day == date(2026, 12, 7)
    assert (report.intros.sent, report.intros.accepted, report.intros.waiting) == (3, 2, 1)
    assert [w.contacts for w in report.weeks] == [0, 1, 0, 1]
    assert report.meetings.asked == 1
    assert len(report.weeks) == 4


def test_the_mean_rating_shows_once_three_mentors_are_rated(
        built: tuple[Database, ReportData]) -> None:
    database, data = built
    with database.session() as session:
        session.add(Contact(student_id=data.people["S3"], mentor_id=data.people["F4"],
                            at=at(2026, 12, 30), created_at=at(2026, 12, 30), rating=1))
    report = _report(database, data)
    # (4 + 3 + 2 + 1) / 4: not below the 2.5 that counts as low.
    assert report.meetings == rules.Meetings(
        asked=5, answers={"met": 1, "not-yet": 1, "no": 1}, ratings=4, rated_mentors=3,
        mean_rating=2.5)
    text = messages.report_reply(report).as_text()
    assert "Mean rating: 2.5 on a scale of 1–4" in text


def test_an_empty_group_reads_sensibly(database: Database) -> None:
    with database.session() as session:
        group = InterestGroup(slug="new", name="New Group", timezone="UTC")
        session.add(group)
        session.flush()
        report = store.report(session, group, NOW, nudge_catalog())
    assert report.matching.rate is None and not report.matching.poor
    text = messages.report_reply(report).as_text()
    assert "Match rate: no students yet" in text
    assert "Mean rating: no ratings yet" in text
    assert "To do" not in text
    assert [w.match_rate for w in report.weeks] == [None] * 12


def test_headline_numbers(built: tuple[Database, ReportData]) -> None:
    database, data = built
    with database.session() as session:
        (found,) = store.headlines(session, data.organizer_id, NOW)
        person = session.get_one(Person, data.people["F1"])
        assert store.headlines(session, person.id, NOW) == []
    assert (found.group_slug, found.matching.rate, found.needs_checkin,
            found.letters_at_risk) == ("em", 0.6, 2, 2)
    assert messages.headline_text(found) == (
        "Match rate 60% (target 70%) · 2 relationships need a check-in · 2 letters at risk")


# --- the rules at their edges -----------------------------------------------------------------


def test_health_boundaries() -> None:
    due = date(2027, 1, 31)  # last contact 20 Dec, rhythm 42
    assert rules.health(due, 42, date(2027, 1, 23)) == Health.ON_TRACK
    assert rules.health(due, 42, date(2027, 1, 24)) == Health.DUE_SOON  # 7 days to go
    assert rules.health(due, 42, date(2027, 3, 14)) == Health.DUE_SOON  # 84 days since
    assert rules.health(due, 42, date(2027, 3, 15)) == Health.NEEDS_CHECKIN  # 85 days


def test_letter_risk_boundaries() -> None:
    today = date(2027, 1, 4)
    assert rules.letter_risk("planned", today + timedelta(days=28), today) == \
        LetterRisk.NOT_ASKED
    assert rules.letter_risk("planned", today + timedelta(days=29), today) is None
    assert rules.letter_risk("asked", today + timedelta(days=14), today) == \
        LetterRisk.NOT_AGREED
    assert rules.letter_risk("asked", today + timedelta(days=15), today) is None
    assert rules.letter_risk("agreed", today + timedelta(days=1), today) is None
    assert rules.letter_risk("planned", today - timedelta(days=1), today) is None
    assert rules.letter_risk("planned", today, today) == LetterRisk.NOT_ASKED


def test_acted_on_within_a_week_boundaries() -> None:
    sent = datetime(2027, 1, 4, 10, tzinfo=UTC)
    assert rules.acted_on(sent, sent)
    assert rules.acted_on(sent, sent + timedelta(days=7))
    assert not rules.acted_on(sent, sent + timedelta(days=7, seconds=1))
    assert not rules.acted_on(sent, sent - timedelta(seconds=1))
    assert not rules.acted_on(sent, None)
    assert rules.judged_if_sent_by(sent) == sent - timedelta(days=7)


def test_which_answers_count_for_which_reminders() -> None:
    """What answers each reminder is its kind's spec (tests/test_nudge_specs.py); the
    report's rules count the answers it is handed."""
    catalog = nudge_catalog()
    assert set(catalog.measured).isdisjoint({NudgeKind.INTRO_PENDING, NudgeKind.LETTER_OUTCOME,
                                             NudgeKind.STILL_MENTORING, NudgeKind.NOTICE})
    assert catalog.letter_moves[NudgeKind.LETTER_ASK] == {"asked"}
    assert catalog.letter_moves[NudgeKind.LETTER_THANKS] == {"thanked"}
    assert NudgeKind.TRANSACTIONAL in catalog.answered_by(Evidence.NEWS)
    tallied = rules.nudges([(NudgeState.SENT, True, False, 3), (NudgeState.FAILED, False, True, 1),
                            (NudgeState.PENDING, False, True, 2)],
                           [(datetime(2027, 1, 1, tzinfo=UTC), None)])
    assert tallied == rules.Nudges(planned=6, sent=3, failed=1, snoozed=3, dismissed=0,
                                   judged=1, acted=0)


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 2)), max_size=40),
       st.lists(st.sampled_from(["research", "clinical", "career"]), min_size=0, max_size=3))
def test_match_rate_never_exceeds_one_and_counts_each_student_once(
        pairs: list[tuple[int, int]], kinds: list[str]) -> None:
    rows = [(student, kinds[index % len(kinds)]) for student, index in pairs] if kinds else []
    students = 2
    matching, coverage = rules.networks(rows, students)
    assert matching.matched == len({student for student, _ in rows})
    assert matching.rate is not None and 0 <= matching.rate <= 1
    assert coverage.several_kinds <= coverage.matched
    assert all(count <= coverage.matched for count in coverage.by_kind.values())


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 30), st.booleans()),
                max_size=30))
def test_weekly_match_rates_stay_between_zero_and_one(
        spans: list[tuple[int, int, bool]]) -> None:
    base = datetime(2026, 10, 1, tzinfo=UTC)
    joined = {i: base + timedelta(days=i) for i in range(5)}
    held: dict[int, list[rules.Span]] = {}
    for index, (start, length, active) in enumerate(spans):
        span = rules.mentorship_span(base + timedelta(days=start), active,
                                     base + timedelta(days=start + length))
        if span is not None:
            held.setdefault(index % 5, []).append(span)
    moments = [base + timedelta(days=d) for d in range(0, 40, 7)]
    rates = rules.match_rates(moments, joined, held)
    assert all(rate is None or 0 <= rate <= 1 for rate in rates)
