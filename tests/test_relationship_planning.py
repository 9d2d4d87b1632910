"""Planning followup, action-item, transactional and keep-in-touch nudges on a real database
with an injected clock: what is owed when, idempotency, and cancellation of moot nudges.
What a planned nudge says is read as it would be sent at its due time (`said`): planning
stores no words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bot.app.planning import plan_all
from bot.framework.replies import Action, Reply
from bot.infra.models import Nudge, Person
from bot.mentoring.store import record_contact
from tests.support.factories import add_faculty, add_student
from tests.support.nudges import said
from tests.support.relationships import (
    add_contact,
    add_mentorship,
    add_thanked_letter,
    nudges_of,
)

T0 = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)


def _pair(core, *, kind="career", tz=None, started_at=T0, last_contact_at=None):
    with core.db.session() as s:
        student = add_student(s, "Ana Diaz", tz=tz)
        mentor = add_faculty(s, "Dr. Maria Rivera")
        m = add_mentorship(s, student, mentor, kind=kind, started_at=started_at,
                           last_contact_at=last_contact_at)
        return student, mentor, m.id


def _plan(core, settings, at):
    with core.db.session() as s:
        return plan_all(s, at, settings)


def _nudges(core, person, **kw):
    with core.db.session() as s:
        return nudges_of(s, person, **kw)


def _said(core, nudge) -> Reply:
    """What the nudge says when it is sent at its due time."""
    with core.db.session() as s:
        words = said(s, nudge)
    assert isinstance(words, Reply), words
    return words


def test_followup_owed_on_the_rhythm_and_idempotent(core, settings):
    student, mentor, mid = _pair(core)
    _plan(core, settings, T0 + timedelta(days=41))
    assert _nudges(core, student) == []
    for _ in range(3):
        _plan(core, settings, T0 + timedelta(days=43))
    rows = _nudges(core, student)
    assert [(n.kind, n.state, n.subject_type, n.subject_id) for n in rows] == [
        ("followup", "pending", "mentorship", mid)]
    assert rows[0].due_at == datetime(2027, 2, 15, 10, 0, tzinfo=UTC)
    assert rows[0].dedup_key == f"followup:mentorship:{mid}:2027-02-15"
    reply = _said(core, rows[0])
    assert reply.actions[0] == Action("Log contact", "mentor log",
                                      {"mentor": f"person:{mentor.id}"}, "primary")
    assert "A four-part update" in reply.as_text() and "4. " in reply.as_text()


def test_weekly_rhythm_for_a_research_mentor(core, settings):
    student, _, mid = _pair(core, kind="research", tz="America/New_York")
    _plan(core, settings, T0 + timedelta(days=8))
    [row] = _nudges(core, student, kind="followup")
    assert row.due_at == datetime(2027, 1, 11, 15, 0, tzinfo=UTC)  # 10:00 EST
    # Still nothing logged a week later: the next week's follow-up supersedes the stale one.
    _plan(core, settings, T0 + timedelta(days=15))
    assert [(n.due_at.date(), n.state) for n in _nudges(core, student, kind="followup")] == [
        (date(2027, 1, 11), "cancelled"), (date(2027, 1, 18), "pending")]


def test_followup_across_dst_change_in_students_zone(core, settings):
    started = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)  # before the March change
    student, _, _ = _pair(core, kind="clinical", tz="America/New_York", started_at=started,
                          last_contact_at=datetime(2027, 3, 10, 15, 0, tzinfo=UTC))
    _plan(core, settings, datetime(2027, 3, 18, tzinfo=UTC))
    [row] = _nudges(core, student, kind="followup")
    assert row.due_at == datetime(2027, 3, 17, 14, 0, tzinfo=UTC)  # 10:00 EDT


def test_contact_cancels_pending_followup_and_resets_clock(core, settings):
    student, mentor, _ = _pair(core)
    at = T0 + timedelta(days=43)
    _plan(core, settings, at)
    with core.db.session() as s:
        record_contact(s, s.get(Person, student.id), s.get(Person, mentor.id), at=at,
                       note="update", now=at)
    assert [n.state for n in _nudges(core, student)] == ["cancelled"]
    _plan(core, settings, at + timedelta(days=41))
    assert _nudges(core, student, state="pending") == []
    _plan(core, settings, at + timedelta(days=43))
    [row] = _nudges(core, student, state="pending")
    assert row.due_at.date() == (at + timedelta(days=42)).date()
    assert "update" in _said(core, row).as_text()  # recent contacts to draw on


def test_followup_lists_open_action_items(core, driver, settings, clock):
    student, _, _ = _pair(core)
    driver.run(student, "/mentor todo Dr. Rivera draft a case report")
    _plan(core, settings, T0 + timedelta(days=43))
    [row] = _nudges(core, student, kind="followup")
    text = _said(core, row).as_text()
    assert "Suggestions to circle back on" in text and "draft a case report" in text


def test_action_item_nudged_when_overdue_weekly_and_not_after_done(core, driver, settings,
                                                                   clock):
    student, _, _ = _pair(core)
    reply = driver.run(student, "/mentor todo Dr. Rivera read the sepsis guidelines "
                                "due:2027-01-10")
    assert not reply.error, reply.as_text()
    item_id = int(reply.title.split("#")[1].split(":")[0])
    _plan(core, settings, datetime(2027, 1, 10, 23, 0, tzinfo=UTC))
    assert _nudges(core, student, kind="action-item") == []  # due day not over yet
    for _ in range(2):
        _plan(core, settings, datetime(2027, 1, 11, 10, 0, tzinfo=UTC))
    [first] = _nudges(core, student, kind="action-item")
    assert (first.due_at, first.state) == (datetime(2027, 1, 11, 10, 0, tzinfo=UTC), "pending")
    assert _said(core, first).actions[0] == Action(
        "Mark done", "mentor done", {"id": str(item_id)}, "primary")
    with core.db.session() as s:
        s.get(Nudge, first.id).state = "sent"
    _plan(core, settings, datetime(2027, 1, 18, 10, 0, tzinfo=UTC))
    assert [(n.due_at.day, n.state) for n in _nudges(core, student, kind="action-item")] == [
        (11, "sent"), (18, "pending")]
    clock.set(datetime(2027, 1, 19, 9, 0, tzinfo=UTC))
    assert not driver.run(student, f"/mentor done {item_id} note:\"done it\"").error
    assert [n.state for n in _nudges(core, student, kind="action-item")] == ["sent",
                                                                             "cancelled"]
    _plan(core, settings, datetime(2027, 2, 15, tzinfo=UTC))
    assert _nudges(core, student, kind="action-item", state="pending") == []


def test_transactional_after_three_months_of_asks_only_cleared_by_news(core, driver, settings,
                                                                       clock):
    student, mentor, mid = _pair(core)
    with core.db.session() as s:
        st, mt = s.get(Person, student.id), s.get(Person, mentor.id)
        for days in (10, 40, 70):
            add_contact(s, st, mt, T0 + timedelta(days=days), is_ask=True, note="a favour")
    _plan(core, settings, T0 + timedelta(days=89))
    assert _nudges(core, student, kind="transactional") == []
    for _ in range(3):
        _plan(core, settings, T0 + timedelta(days=91))
    [flag] = _nudges(core, student, kind="transactional")
    assert flag.state == "pending" and flag.subject_id == mid
    assert "no ask attached" in _said(core, flag).as_text()
    clock.set(T0 + timedelta(days=92))
    assert not driver.run(student, '/mentor log Dr. Rivera note:"passed my shelf exam"').error
    assert [n.state for n in _nudges(core, student, kind="transactional")] == ["cancelled"]
    _plan(core, settings, T0 + timedelta(days=150))
    assert _nudges(core, student, kind="transactional", state="pending") == []


def test_news_in_the_mix_means_not_transactional(core, settings):
    student, mentor, _ = _pair(core)
    with core.db.session() as s:
        st, mt = s.get(Person, student.id), s.get(Person, mentor.id)
        add_contact(s, st, mt, T0 + timedelta(days=10), is_ask=True)
        add_contact(s, st, mt, T0 + timedelta(days=50), is_ask=False)
        add_contact(s, st, mt, T0 + timedelta(days=80), is_ask=True)
    _plan(core, settings, T0 + timedelta(days=120))
    assert _nudges(core, student, kind="transactional") == []
    _plan(core, settings, T0 + timedelta(days=141))
    assert len(_nudges(core, student, kind="transactional")) == 1


def test_keep_in_touch_after_a_thanked_letter(core, settings):
    with core.db.session() as s:
        student = add_student(s, "Ana Diaz")
        writer = add_faculty(s, "Dr. Sam Park")
        mentor = add_faculty(s, "Dr. Maria Rivera")
        add_mentorship(s, student, mentor, started_at=T0, last_contact_at=T0)
        add_thanked_letter(s, student, writer, thanked_at=T0, deadline=date(2026, 12, 15))
        # A writer who is an active mentor gets follow-ups instead.
        add_thanked_letter(s, student, mentor, thanked_at=T0, deadline=date(2026, 12, 15))
    # Three calendar months after Mon 4 Jan is Sun 4 Apr (90 days; it was 91 days, 5 Apr).
    _plan(core, settings, T0 + timedelta(days=89))
    assert _nudges(core, student, kind="keep-in-touch") == []
    for _ in range(3):
        _plan(core, settings, T0 + timedelta(days=92))
    [row] = _nudges(core, student, kind="keep-in-touch")
    assert "Keep Dr. Sam Park posted" in _said(core, row).as_text()
    assert row.due_at == datetime(2027, 4, 4, 10, 0, tzinfo=UTC)
    with core.db.session() as s:
        record_contact(s, s.get(Person, student.id), s.get(Person, writer.id),
                       at=T0 + timedelta(days=93), note="matched!", now=T0 + timedelta(days=93))
    assert [n.state for n in _nudges(core, student, kind="keep-in-touch")] == ["cancelled"]
    _plan(core, settings, T0 + timedelta(days=93 + 92))
    [_, again] = _nudges(core, student, kind="keep-in-touch")
    assert again.state == "pending"


def test_ended_mentorship_owes_nothing(core, settings):
    student, _, mid = _pair(core)
    _plan(core, settings, T0 + timedelta(days=43))
    with core.db.session() as s:
        from bot.infra.models import Mentorship

        s.get(Mentorship, mid).active = False
    _plan(core, settings, T0 + timedelta(days=44))
    assert [n.state for n in _nudges(core, student)] == ["cancelled"]


def test_planning_many_relationships_is_bulk(core, settings):
    """Every due relationship is planned in one pass and a re-run adds nothing."""
    with core.db.session() as s:
        mentor = add_faculty(s, "Dr. Maria Rivera")
        for n in range(40):
            student = add_student(s, f"Student {n}", tz="America/Chicago" if n % 2 else None)
            add_mentorship(s, student, mentor, started_at=T0)
    at = T0 + timedelta(days=43)
    assert _plan(core, settings, at) == 40
    assert _plan(core, settings, at) == 0
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Nudge)) == 40
