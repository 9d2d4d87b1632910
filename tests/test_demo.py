"""The demo data set: realistic, relative to the clock, idempotent, and usable from the
console right away."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import demo
from bot.app.cli import main
from bot.infra.models import (
    ActionItem,
    Contact,
    FacultyProfile,
    InterestGroup,
    IntroRequest,
    Letter,
    LetterEvent,
    Membership,
    Mentorship,
    Person,
    Role,
    StudentProfile,
)
from bot.infra.settings import get_settings
from bot.vocab.stages import STAGES
from tests.support.cli import Mentorbot
from tests.support.snapshots import snapshot


def load(core) -> demo.DemoResult:  # type: ignore[no-untyped-def]
    with core.db.session() as s:
        return demo.load(s, core.clock)


def test_demo_is_a_realistic_data_set(core):
    result = load(core)
    assert result.changed and result.faculty.created == len(demo.FACULTY) >= 40
    now = core.clock.now()
    with core.db.session() as s:
        faculty = s.scalars(select(FacultyProfile)).all()
        assert len(faculty) >= 40
        assert len({f.specialty for f in faculty}) >= 12
        titles = " | ".join(f.title for f in faculty)
        for title in ("Professor", "Associate Professor", "Assistant Professor", "Fellow",
                      "Chief Resident", "Program Director", "Clerkship Director"):
            assert title in titles, title
        assert any(not f.accepting for f in faculty)
        assert all(f.research and f.stages for f in faculty)
        assert sum(1 for f in faculty if f.office_hours) >= 5
        active = Counter(s.scalars(select(Mentorship.mentor_id).where(Mentorship.active)))
        assert any(f.accepting and active[f.person_id] >= f.capacity for f in faculty), \
            "some accepting faculty member is full"
        stages = set(s.scalars(select(StudentProfile.stage)))
        assert stages == set(STAGES)
        assert all(e.endswith("@example.edu") for e in s.scalars(select(Person.email)))

        groups = {g.slug: g for g in s.scalars(select(InterestGroup))}
        assert {"em-interest", "im-interest", "surgery", "peds", "premed-society"} <= set(groups)
        assert groups["em-interest"].name == "Emergency Medicine Interest Group"
        assert all(g.specialty for g in groups.values())
        for group in groups.values():
            organizers = s.scalar(select(func.count()).select_from(Role).where(
                Role.role == "organizer", Role.group_id == group.id))
            members = s.scalar(select(func.count()).select_from(Membership).where(
                Membership.group_id == group.id))
            assert organizers >= 1 and members >= 3, group.slug

        maya = s.scalar(select(Person).where(Person.email == demo.DEMO_STUDENT_EMAIL))
        assert maya.student_profile.stage == "ms3"
        assert "emergency medicine" in maya.student_profile.interests
        mentorships = s.scalars(select(Mentorship).where(Mentorship.student_id == maya.id)).all()
        assert len({m.kind for m in mentorships}) >= 2
        overdue = [m for m in mentorships
                   if m.last_contact_at + timedelta(days=m.cadence_days) < now]
        recent = [m for m in mentorships if now - m.last_contact_at < timedelta(days=7)]
        assert overdue and recent
        # One relationship has been nothing but asks for more than three months.
        transactional = []
        for m in mentorships:
            contacts = s.scalars(select(Contact).where(Contact.mentorship_id == m.id)).all()
            if contacts and all(c.is_ask for c in contacts) and \
                    now - min(c.at for c in contacts) > timedelta(days=90):
                transactional.append(m)
        assert len(transactional) == 1
        items = s.scalars(select(ActionItem).where(ActionItem.done_at.is_(None))).all()
        overdue_items = [i for i in items if i.due_at and i.due_at < now]
        assert len(overdue_items) == 1 and overdue_items[0].student_id == maya.id
        assert len(items) > 1
        letters = s.scalars(select(Letter).where(Letter.student_id == maya.id)).all()
        assert {"planned", "asked", "agreed", "packet-sent", "submitted", "thanked"} <= \
            {x.state for x in letters}
        assert any(x.deadline > now.date() for x in letters)
        assert s.scalar(select(func.count()).select_from(Letter).where(
            Letter.state == "declined")) >= 1
        # Every letter's events walk its lifecycle up to its current state.
        for letter in s.scalars(select(Letter)):
            events = s.scalars(select(LetterEvent).where(LetterEvent.letter_id == letter.id)
                               .order_by(LetterEvent.at)).all()
            assert events[0].from_state is None and events[-1].to_state == letter.state
            assert all(e.at <= now for e in events)
        assert all(c.at <= now for c in s.scalars(select(Contact)))
        assert s.scalar(select(func.count()).select_from(IntroRequest).where(
            IntroRequest.state == "open")) >= 3

        organizer = s.scalar(select(Person).where(Person.email == demo.DEMO_ORGANIZER_EMAIL))
        assert organizer.has_role("organizer", groups["em-interest"].id)


def test_demo_runs_twice_and_the_second_run_changes_nothing(core, clock):
    load(core)
    with core.db.session() as s:
        before = snapshot(s)
    clock.advance(timedelta(days=2, hours=5))
    second = load(core)
    assert not second.changed
    assert "already loaded; nothing changed" in second.summary()
    with core.db.session() as s:
        assert snapshot(s) == before


def test_demo_dates_follow_the_clock(core, clock):
    later = datetime(2031, 7, 15, 3, 30, tzinfo=UTC)  # a different year, in the small hours
    clock.set(later)
    load(core)
    with core.db.session() as s:
        maya = s.scalar(select(Person).where(Person.email == demo.DEMO_STUDENT_EMAIL))
        deadlines = sorted(s.scalars(select(Letter.deadline).where(
            Letter.student_id == maya.id, Letter.state.in_(("planned", "asked")))))
        assert deadlines[0] == later.date() + timedelta(days=26)
        started = s.scalars(select(Mentorship.started_at)).all()
        assert all(later - timedelta(days=401) < t < later for t in started)


def test_demo_fills_in_what_is_missing_without_touching_edits(core):
    with core.db.session() as s:
        s.add(InterestGroup(slug="em-interest", name="Our EM group", specialty="EM"))
    load(core)
    with core.db.session() as s:
        group = s.scalar(select(InterestGroup).where(InterestGroup.slug == "em-interest"))
        assert group.name == "Our EM group"
        maya = s.scalar(select(Person).where(Person.email == demo.DEMO_STUDENT_EMAIL))
        s.delete(s.scalars(select(Letter).where(Letter.student_id == maya.id)).first())
        ramirez = s.scalar(select(Person).where(Person.email == "elena.ramirez@example.edu"))
        ramirez.faculty_profile.office_hours = "Moved to Thursdays"
    again = load(core)
    assert again.letters == 1 and again.mentorships == 0 and again.changed
    with core.db.session() as s:
        ramirez = s.scalar(select(Person).where(Person.email == "elena.ramirez@example.edu"))
        assert ramirez.faculty_profile.office_hours == "Moved to Thursdays"


@pytest.fixture
def sqlite_env(sqlite_url, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def test_demo_command_then_the_console_as_the_demo_student(sqlite_env, repo_root: Path,
                                                          capsys, mentorbot: Mentorbot):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Loaded the demo data set" in out
    assert f"mentorbot shell --as {demo.DEMO_STUDENT_EMAIL}" in out
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "nothing changed" in out and f"shell --as {demo.DEMO_STUDENT_EMAIL}" in out

    shell = mentorbot("shell", "--as", demo.DEMO_STUDENT_EMAIL, url=sqlite_env,
                      cwd=repo_root, stdin="/mentor help\n/mentor profile\n",
                      env={"LOG_LEVEL": "WARNING"})
    assert shell.returncode == 0, shell.stderr
    assert "/mentor profile" in shell.stdout and "Example:" in shell.stdout
    assert "Maya Patel" in shell.stdout and "Stage: ms3" in shell.stdout
    assert "emergency medicine" in shell.stdout and "That didn't work" not in shell.stdout


def test_demo_help():
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--help"])
    assert exited.value.code == 0

