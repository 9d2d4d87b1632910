"""A nudge is worded when it is sent, from its subject as it is then and the moment of
sending in its reader's zone: "tomorrow" is true when read, a snoozed reminder does not come
back saying what was true a week ago, and one whose subject moved on is cancelled as moot,
never sent. One test per kind of what it says at different moments, and one of every kind
going moot at once through the real delivery sweep."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.app.core import Core
from bot.app.nudges import nudge_catalog
from bot.app.planning import plan_all
from bot.framework.channels import Router
from bot.framework.replies import Reply
from bot.infra.db import Database
from bot.infra.models import (
    ActionItem,
    Checkin,
    FacultyProfile,
    IntroRequest,
    Letter,
    Mentorship,
    Nudge,
    Outcome,
    Person,
    ResidencyProfile,
)
from bot.infra.settings import Settings
from bot.letters.rules import PACKET_KEYS
from bot.nudges import store
from bot.nudges.kinds import Moot
from bot.nudges.plans import Notice
from bot.nudges.policy import FRESH_FOR
from bot.vocab.letters import LetterState
from bot.vocab.nudges import NudgeKind, NudgeState
from jobs.delivery import Sweeper
from tests.support.channels import RecordingChannel
from tests.support.factories import add_faculty, add_student
from tests.support.nudges import add_nudge, reminder, said, said_text
from tests.support.relationships import add_contact
from tests.support.residency import with_cycle_date
from tests.support.world import (
    AT,
    RESIDENCY_CYCLE,
    RESIDENCY_DAY,
    RESIDENCY_EVENT,
    add_letter,
    days,
    plant,
)

SETTINGS = Settings(default_timezone="UTC", _env_file=None)  # type: ignore[call-arg]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def planned(database: Database, at: datetime, kind: NudgeKind, person: int | None = None,
            *, about: int | None = None) -> Nudge:
    """Plan at `at` and return the one nudge of `kind` due by then (of `person`, about the
    subject `about`, when given)."""
    with database.session() as session:
        plan_all(session, at, SETTINGS)
    with database.session() as session:
        query = select(Nudge).where(Nudge.kind == kind, Nudge.due_at <= at)
        if person is not None:
            query = query.where(Nudge.person_id == person)
        if about is not None:
            query = query.where(Nudge.subject_id == about)
        (nudge,) = session.scalars(query).all()
        session.expunge(nudge)
        return nudge


def text_at(database: Database, nudge: Nudge, at: datetime) -> str:
    with database.session() as session:
        return said_text(session, nudge, at)


def moot_at(database: Database, nudge: Nudge, at: datetime) -> str:
    with database.session() as session:
        words = said(session, nudge, at)
    assert isinstance(words, Moot), words
    return words.reason


def sweep(core: Core, at: datetime) -> RecordingChannel:
    core.clock.set(at)  # type: ignore[attr-defined]
    channel = RecordingChannel()
    Sweeper(core.db, core.clock, Router([channel]), core.nudge_catalog, threads=1,
            max_inline_wait=0).run()
    return channel


@pytest.fixture
def scenes(database: Database) -> dict[str, int]:
    with database.session() as session:
        return plant(session).subjects


# --- the letter the writer was asked for ---------------------------------------------------


def test_writer_deadline_says_today_or_tomorrow_on_the_writers_calendar(core: Core) -> None:
    """Planned for the Friday seven days before the personal deadline; snoozed, it comes back
    on the deadline day saying "today"; read the day before, "tomorrow"; the weekday and date
    are the writer's in Los Angeles, whatever the day is in UTC."""
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez", tz="America/New_York")
        chen = add_faculty(session, "Dr. Wei Chen", tz="America/Los_Angeles")
        add_letter(session, ana, writer=chen, deadline=date(2027, 1, 29),
                   program="Neuro residency", state=LetterState.AGREED,
                   created_at=utc(2026, 12, 1),
                   history=[(LetterState.ASKED, utc(2026, 12, 1)),
                            (LetterState.AGREED, utc(2026, 12, 2))])
        chen_id = chen.id
    friday = utc(2027, 1, 8, 18)  # 10:00 in Los Angeles
    nudge = planned(core.db, friday, NudgeKind.WRITER_DEADLINE, chen_id)
    assert nudge.due_at == friday and nudge.text == ""  # stored without words

    (sent,) = [s for s in sweep(core, friday).sent if s.person_id == chen_id]
    assert sent.reply.title == "Your letter for Ana Lopez (Neuro residency): due Fri 15 Jan 2027"
    assert "by Fri 15 Jan 2027, 7 days away" in sent.reply.text

    with core.db.session() as session:
        assert store.snooze(session, nudge.id, person_id=chen_id, until=utc(2027, 1, 15, 18),
                            kinds=core.nudge_catalog.snoozable)
    (back,) = [s for s in sweep(core, utc(2027, 1, 15, 18)).sent
               if s.delivery is not None and s.delivery.nudge_id == nudge.id]
    assert back.reply.title.endswith(": due today, Fri 15 Jan 2027")
    assert "asked for your letter by today, Fri 15 Jan 2027 (the program's deadline is " \
           "Fri 29 Jan 2027)" in back.reply.text
    with core.db.session() as session:
        row = session.get_one(Nudge, nudge.id)
        assert row.state == NudgeState.SENT and "due today, Fri 15 Jan 2027" in row.text

    assert "due tomorrow, Fri 15 Jan 2027" in text_at(core.db, nudge, utc(2027, 1, 14, 18))
    # 03:00 UTC on Saturday is still Friday evening in Los Angeles (and in New York).
    assert "due today, Fri 15 Jan 2027" in text_at(core.db, nudge, utc(2027, 1, 16, 3))
    # At 05:00 UTC it is Saturday for the student in New York: the day told is over on the
    # student's calendar, whose date it is, so the writer reads the one the student now gives.
    assert "due Tue 26 Jan 2027" in text_at(core.db, nudge, utc(2027, 1, 16, 5))
    # once the day told has gone, the writer reads the date the student now gives (the
    # deadline less 3 days), as the student does: one personal deadline
    assert "by Tue 26 Jan 2027, 9 days away" in text_at(core.db, nudge, utc(2027, 1, 17, 18))
    assert moot_at(core.db, nudge, utc(2027, 1, 30, 18)) == \
        "the deadline (Fri 29 Jan 2027) has passed"
    with core.db.session() as session:
        session.execute(update(Letter).values(state=LetterState.SUBMITTED))
    assert moot_at(core.db, nudge, utc(2027, 1, 14, 18)) == "the letter is now submitted"


# --- the student's letter reminders --------------------------------------------------------


def test_letter_checkin_says_whether_the_personal_deadline_is_today_or_past(
        core: Core) -> None:
    """The issue's example: snoozed, "Today is the personal deadline (Fri 04 Dec)" came back
    on 13 Dec saying the same. Read on 13 Dec it says when it was."""
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez", tz="America/Chicago")
        add_letter(session, ana, deadline=date(2026, 12, 18), state=LetterState.ASKED,
                   writer_name="Dr. Omar Haddad", created_at=utc(2026, 10, 1),
                   history=[(LetterState.ASKED, utc(2026, 10, 2))])
        ana_id = ana.id
    nudge = planned(core.db, utc(2026, 12, 4, 16), NudgeKind.LETTER_CHECKIN, ana_id)
    assert nudge.due_at == utc(2026, 12, 4, 16)  # 10:00 in Chicago
    on_the_day = text_at(core.db, nudge, nudge.due_at)
    assert "Today is the personal deadline you gave Dr. Omar Haddad (Fri 04 Dec 2026); the " \
           "real deadline is Fri 18 Dec 2026." in on_the_day
    later = text_at(core.db, nudge, utc(2026, 12, 13, 16))
    assert "Today is" not in later
    assert "The personal deadline you gave Dr. Omar Haddad was Fri 04 Dec 2026, 9 days ago; " \
           "the real deadline is Fri 18 Dec 2026." in later
    assert "the real deadline is tomorrow, Fri 18 Dec 2026" in \
        text_at(core.db, nudge, utc(2026, 12, 17, 16))
    assert moot_at(core.db, nudge, utc(2026, 12, 19, 16)) == \
        "the deadline (Fri 18 Dec 2026) has passed"


def test_letter_deadline_counts_the_days_left_when_read(core: Core) -> None:
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez", tz="Asia/Tokyo")
        add_letter(session, ana, deadline=date(2027, 2, 5), state=LetterState.PACKET_SENT,
                   writer_name="Dr. Omar Haddad", created_at=utc(2026, 11, 1),
                   history=[(LetterState.ASKED, utc(2026, 11, 2)),
                            (LetterState.AGREED, utc(2026, 11, 3)),
                            (LetterState.PACKET_SENT, utc(2026, 11, 4))])
        ana_id = ana.id
    nudge = planned(core.db, utc(2027, 2, 2, 1), NudgeKind.LETTER_DEADLINE, ana_id)
    assert nudge.due_at == utc(2027, 2, 2, 1)  # Tue 2 Feb, 10:00 in Tokyo
    assert text_at(core.db, nudge, nudge.due_at).startswith(
        "Dr. Omar Haddad's letter for EM residency is due in 3 days")
    assert text_at(core.db, nudge, utc(2027, 2, 3, 1)).startswith(
        "Dr. Omar Haddad's letter for EM residency is due in 2 days")
    tomorrow = text_at(core.db, nudge, utc(2027, 2, 4, 1))
    assert tomorrow.startswith("Dr. Omar Haddad's letter for EM residency is due tomorrow")
    assert "The deadline is tomorrow, Fri 05 Feb 2027" in tomorrow
    # 16:00 UTC on Thursday is already Friday in Tokyo.
    assert "is due today" in text_at(core.db, nudge, utc(2027, 2, 4, 16))
    assert moot_at(core.db, nudge, utc(2027, 2, 5, 16)) == \
        "the deadline (Fri 05 Feb 2027) has passed"


def test_letter_ask_and_last_call_go_moot_once_the_writer_is_asked(
        database: Database, scenes: dict[str, int]) -> None:
    ask = planned(database, AT, NudgeKind.LETTER_ASK, about=scenes["letter-ask"])
    late = planned(database, AT, NudgeKind.LETTER_ASK_LATE, about=scenes["letter-ask-late"])
    text = text_at(database, ask, AT)
    assert text.startswith("Time to ask Dr. Omar Haddad for a letter for EM residency")
    assert "Ask by today, Mon 11 Jan 2027 (the ideal date, Sat 09 Jan 2027, has passed)" in text
    assert "Ask by tomorrow, Sat 09 Jan 2027" in text_at(database, ask, AT - days(3))
    assert "The deadline is Sun 07 Feb 2027, 4 weeks or less away." in \
        text_at(database, late, AT)
    with database.session() as session:
        session.execute(update(Letter).where(Letter.id == scenes["letter-ask"])
                        .values(state=LetterState.ASKED))
        session.execute(update(Letter).where(Letter.id == scenes["letter-ask-late"])
                        .values(state=LetterState.WITHDRAWN))
    assert moot_at(database, ask, AT) == "the letter is now asked"
    assert moot_at(database, late, AT) == "the letter is now withdrawn"


def test_letter_packet_names_what_is_still_missing_then_goes_moot(
        database: Database, scenes: dict[str, int]) -> None:
    nudge = planned(database, AT, NudgeKind.LETTER_PACKET, about=scenes["letter-packet"])
    assert "Still to send: CV" in text_at(database, nudge, AT)
    with database.session() as session:
        letter = session.get_one(Letter, scenes["letter-packet"])
        letter.packet = {"cv": True}
    assert "Still to send: CV" not in text_at(database, nudge, AT)  # the state when sent
    with database.session() as session:
        letter = session.get_one(Letter, scenes["letter-packet"])
        letter.packet = {key: True for key in PACKET_KEYS}
    assert moot_at(database, nudge, AT) == "the packet is complete"


def test_letter_thanks_goes_moot_once_thanked(database: Database,
                                               scenes: dict[str, int]) -> None:
    with database.session() as session:
        plan_all(session, AT, SETTINGS)
        nudge = session.scalars(select(Nudge).where(
            Nudge.kind == NudgeKind.LETTER_THANKS,
            Nudge.subject_id == scenes["letter-thanks"])).one()
        session.expunge(nudge)
    assert text_at(database, nudge, AT).startswith("Thank Dr. Omar Haddad")
    with database.session() as session:
        session.execute(update(Letter).where(Letter.id == scenes["letter-thanks"])
                        .values(state=LetterState.THANKED))
    assert moot_at(database, nudge, AT) == "the letter is now thanked"


def test_letter_outcome_lists_the_writers_left_to_tell(database: Database,
                                                        scenes: dict[str, int]) -> None:
    nudge = planned(database, AT, NudgeKind.LETTER_OUTCOME)
    text = text_at(database, nudge, AT)
    assert "You recorded: an interview at Mercy. Tell your writer:" in text
    assert "Dr. Jo Park for Rads residency" in text
    with database.session() as session:
        session.execute(update(Letter).where(Letter.id == scenes["written"])
                        .values(state=LetterState.WITHDRAWN))
    assert moot_at(database, nudge, AT) == "no writer's letter is left to share the news with"
    with database.session() as session:
        session.execute(Outcome.__table__.delete())
    assert moot_at(database, nudge, AT) == "the outcome was deleted"


# --- relationships -------------------------------------------------------------------------


def test_followup_reads_the_latest_contact_and_goes_moot_after_one(
        database: Database, scenes: dict[str, int]) -> None:
    with database.session() as session:
        plan_all(session, AT, SETTINGS)
        nudge = session.scalars(select(Nudge).where(
            Nudge.kind == NudgeKind.FOLLOWUP, Nudge.subject_id == scenes["followup"])).one()
        session.expunge(nudge)
    text = text_at(database, nudge, AT)
    assert text.startswith("Time to check in with Dr. Elena Rivera")
    assert "You haven't logged any contact since you started working together on " \
           "Sun 22 Nov 2026." in text
    assert "#1 read the ultrasound paper (due Fri 08 Jan 2027)" in text  # its open item
    with database.session() as session:
        ana = session.get_one(Person, nudge.person_id)
        rivera = session.scalars(select(Person).where(Person.name == "Dr. Elena Rivera")).one()
        add_contact(session, ana, rivera, AT - timedelta(hours=2), note="coffee")
    assert moot_at(database, nudge, AT) == "a contact was logged since (on Mon 11 Jan 2027)"


def test_transactional_goes_moot_once_news_is_shared(database: Database,
                                                     scenes: dict[str, int]) -> None:
    nudge = planned(database, AT, NudgeKind.TRANSACTIONAL)
    assert "Since Thu 25 Jun 2026, each time you got in touch with Dr. Wei Chen it was to " \
           "ask for something." in text_at(database, nudge, AT)
    with database.session() as session:
        ana = session.get_one(Person, nudge.person_id)
        chen = session.scalars(select(Person).where(Person.name == "Dr. Wei Chen")).one()
        add_contact(session, ana, chen, AT - timedelta(hours=1), is_ask=True)
    assert "Dr. Wei Chen" in text_at(database, nudge, AT)  # another ask: still owed
    with database.session() as session:
        add_contact(session, ana, chen, AT - timedelta(minutes=30), note="passed step 1")
    assert moot_at(database, nudge, AT) == "news without an ask was shared since"


def test_checkin_asks_in_the_students_zone_and_goes_moot_once_answered(
        database: Database, scenes: dict[str, int]) -> None:
    nudge = planned(database, AT, NudgeKind.CHECKIN)
    assert "Dr. Ngozi Okafor became your clinical mentor on Sun 27 Dec 2026. Did you meet " \
           "yet?" in text_at(database, nudge, AT)
    with database.session() as session:
        session.execute(update(Person).where(Person.id == nudge.person_id)
                        .values(timezone="Pacific/Auckland"))
    # Sun 27 Dec 15:00 UTC is already Monday in Auckland.
    assert "on Mon 28 Dec 2026" in text_at(database, nudge, AT)
    with database.session() as session:
        session.execute(update(Checkin).values(answer="met", answered_at=AT))
    assert moot_at(database, nudge, AT) == "the check-in was answered"
    with database.session() as session:
        session.execute(update(Mentorship).where(Mentorship.id == scenes["checkin"])
                        .values(active=False))
    assert moot_at(database, nudge, AT) == "the mentorship has ended"


def test_action_item_goes_moot_once_closed(database: Database,
                                           scenes: dict[str, int]) -> None:
    nudge = planned(database, AT, NudgeKind.ACTION_ITEM)
    text = text_at(database, nudge, AT)
    assert text.startswith("Circle back: read the ultrasound paper")
    assert "Dr. Elena Rivera suggested this, due Fri 08 Jan 2027." in text
    with database.session() as session:
        session.execute(update(ActionItem).values(done_at=AT - timedelta(hours=1)))
    assert moot_at(database, nudge, AT) == "the item was closed"


def test_keep_in_touch_reads_the_last_touch_and_goes_moot_after_one(
        database: Database, scenes: dict[str, int]) -> None:
    nudge = planned(database, AT, NudgeKind.KEEP_IN_TOUCH)
    assert "since you last touched base with Dr. Omar Haddad (Sat 03 Oct 2026)" in \
        text_at(database, nudge, AT)
    with database.session() as session:
        ana = session.get_one(Person, nudge.person_id)
        haddad = session.scalars(select(Person).where(Person.name == "Dr. Omar Haddad")).one()
        add_contact(session, ana, haddad, AT - timedelta(hours=1), note="matched!")
    assert moot_at(database, nudge, AT) == "they were in touch since"


# --- introductions and availability --------------------------------------------------------


def test_intro_pending_says_until_when_and_goes_moot_once_answered(
        database: Database, scenes: dict[str, int]) -> None:
    nudge = planned(database, AT, NudgeKind.INTRO_PENDING)
    text = text_at(database, nudge, AT)
    assert text.startswith("Dr. Omar Haddad hasn't answered your intro request yet")
    assert "You asked on Jan 3. The request stays open until Jan 17." in text
    assert moot_at(database, nudge, AT + days(7)) == "the request expired"
    with database.session() as session:
        session.execute(update(IntroRequest).where(IntroRequest.id == scenes["intro-pending"])
                        .values(state="accepted", answered_at=AT))
    assert moot_at(database, nudge, AT) == "the request was accepted"


def test_still_mentoring_goes_moot_once_they_answer_or_are_away(
        database: Database, scenes: dict[str, int]) -> None:
    nudge = planned(database, AT, NudgeKind.STILL_MENTORING)
    assert text_at(database, nudge, AT).startswith("Are you still taking mentees?")
    faculty = FacultyProfile.person_id == scenes["still-mentoring"]
    with database.session() as session:
        session.execute(update(FacultyProfile).where(faculty)
                        .values(away_until=date(2027, 2, 1)))
    assert moot_at(database, nudge, AT) == "they are away"
    with database.session() as session:
        session.execute(update(FacultyProfile).where(faculty)
                        .values(away_until=None, accepting_changed_at=AT - timedelta(hours=1)))
    assert moot_at(database, nudge, AT) == "they said whether they still mentor since"
    with database.session() as session:
        session.execute(update(FacultyProfile).where(faculty).values(accepting=False))
    assert moot_at(database, nudge, AT) == "they no longer accept mentees"


def test_a_notice_says_what_it_was_queued_with(database: Database) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        reply = Reply(title="Matched", text="Dr. Rivera is your career mentor.")
        store.queue_notices(session, [Notice(ana.id, reply, "match:1:x")], now=AT)
        nudge = session.scalars(select(Nudge)).one()
        assert said(session, nudge, AT + days(30)) == reply


# --- moot at send time, through the sweep --------------------------------------------------


def test_every_kind_whose_subject_moved_on_is_cancelled_at_send_never_sent(
        core: Core, scenes: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything planned, then every subject moves on before the sweep (as when the
    change lands between a planning run and the send): nothing goes out, and each reminder
    is cancelled with the reason it was moot."""
    with_cycle_date(monkeypatch, RESIDENCY_CYCLE, RESIDENCY_EVENT, RESIDENCY_DAY)
    with core.db.session() as session:
        plan_all(session, AT, SETTINGS)
    catalog = nudge_catalog()
    with core.db.session() as session:
        kinds = set(session.scalars(select(Nudge.kind).where(
            Nudge.state == NudgeState.PENDING)))
        assert kinds == set(catalog.reminders)
        people = {p.name: p for p in session.scalars(select(Person))}
        ana = people["Ana Lopez"]
        for mentor in ("Dr. Elena Rivera", "Dr. Wei Chen", "Dr. Ngozi Okafor",
                       "Dr. Omar Haddad"):
            add_contact(session, ana, people[mentor], AT - timedelta(hours=1), note="news")
        session.execute(update(Checkin).values(answer="met", answered_at=AT))
        session.execute(update(ActionItem).values(done_at=AT))
        session.execute(update(IntroRequest).where(IntroRequest.id == scenes["intro-pending"])
                        .values(state="declined", answered_at=AT))
        session.execute(update(FacultyProfile)
                        .where(FacultyProfile.person_id == scenes["still-mentoring"])
                        .values(accepting=False))
        moves = {"letter-ask": LetterState.ASKED, "letter-ask-late": LetterState.WITHDRAWN,
                 "letter-packet": LetterState.PACKET_SENT,
                 "letter-checkin": LetterState.SUBMITTED,
                 "letter-deadline": LetterState.SUBMITTED, "letter-thanks": LetterState.THANKED,
                 "writer-deadline": LetterState.SUBMITTED, "written": LetterState.THANKED}
        for scene, state in moves.items():
            session.execute(update(Letter).where(Letter.id == scenes[scene])
                            .values(state=state))
        session.execute(update(Letter).where(Letter.id == scenes["written"])
                        .values(state=LetterState.WITHDRAWN))
        session.execute(update(ResidencyProfile).where(
            ResidencyProfile.person_id == scenes["residency-date"]).values(cycle="2027-28"))
    channel = sweep(core, AT)
    assert channel.sent == []
    with core.db.session() as session:
        rows = session.scalars(select(Nudge).where(Nudge.due_at <= AT)).all()
    assert {r.kind for r in rows} == set(catalog.reminders)
    assert {r.state for r in rows} == {NudgeState.CANCELLED}
    reasons = {r.kind: r.last_error for r in rows}
    assert reasons[NudgeKind.FOLLOWUP].startswith("moot: a contact was logged since")
    assert reasons[NudgeKind.CHECKIN] == "moot: the check-in was answered"
    assert reasons[NudgeKind.ACTION_ITEM] == "moot: the item was closed"
    assert reasons[NudgeKind.INTRO_PENDING] == "moot: the request was declined"
    assert reasons[NudgeKind.STILL_MENTORING] == "moot: they no longer accept mentees"
    assert reasons[NudgeKind.WRITER_DEADLINE] == "moot: the letter is now submitted"
    assert reasons[NudgeKind.LETTER_OUTCOME] == \
        "moot: no writer's letter is left to share the news with"
    assert reasons[NudgeKind.RESIDENCY_DATE] == \
        "moot: their plan is now for the 2027–28 cycle"
    assert all(r.text == "" and r.sent_at is None for r in rows)


def test_a_person_deleted_after_planning_leaves_nothing_to_send(
        core: Core, scenes: dict[str, int]) -> None:
    with core.db.session() as session:
        plan_all(session, AT, SETTINGS)
        before = len(session.scalars(select(Nudge)).all())
        session.execute(Person.__table__.delete().where(Person.name == "Dr. Elena Rivera"))
    assert before > 0
    channel = sweep(core, AT)
    titles = channel.texts()
    assert titles and not any("Rivera" in t for t in titles)


@pytest.mark.parametrize("late", [False, True])
def test_a_send_long_after_its_batch_was_read_reads_its_subject_again(
        core: Core, late: bool) -> None:
    """Ana's two reminders go out one after the other. While the first is being sent her
    second item is closed. Sent within FRESH_FOR of the batch's read, the second goes out as
    read (a change that close to the send is a race any send has); sent later than that, its
    item is read again first, and it is cancelled as moot."""
    clock = core.clock
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez")
        first = add_nudge(session, ana, due_at=clock.now(), text="read the paper")
        second = add_nudge(session, ana, due_at=clock.now(), text="write the abstract")
        second_item = second.subject_id

    def meanwhile(*_: object) -> None:
        if len(channel.sent) == 0:  # during the first send
            with core.db.session() as session:
                session.execute(update(ActionItem).where(ActionItem.id == second_item)
                                .values(done_at=clock.now()))
            if late:
                clock.advance(FRESH_FOR + timedelta(seconds=1))  # type: ignore[attr-defined]

    channel = RecordingChannel(on_send=meanwhile)
    Sweeper(core.db, clock, Router([channel]), core.nudge_catalog, threads=1,
            max_inline_wait=0).run()
    assert channel.texts()[0] == reminder("read the paper")
    with core.db.session() as session:
        states = {n.id: (n.state, n.last_error) for n in session.scalars(select(Nudge))}
    assert states[first.id] == (NudgeState.SENT, None)
    if late:
        assert channel.texts() == [reminder("read the paper")]
        assert states[second.id] == (NudgeState.CANCELLED, "moot: the item was closed")
    else:
        assert channel.texts() == [reminder("read the paper"), reminder("write the abstract")]
        assert states[second.id] == (NudgeState.SENT, None)
