"""Faculty who go quiet: after their last intro requests all expired unanswered, a
`still-mentoring` question with Stay active / Away until… / Stop accepting (the buttons run
commands); with no answer in a week the bot stops offering them (accepting no, reason
"no-answer", the time stamped) and tells them once. Planned and swept for real, with an
injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app.planning import MAINTENANCE, PLANNERS, plan_all
from bot.framework.channels import Router
from bot.framework.replies import Reply
from bot.infra.models import FacultyProfile, IntroRequest, Nudge
from bot.matching import rules
from bot.matching.planning import plan_still_mentoring, stop_unanswered
from bot.vocab.matching import IntroState
from bot.vocab.people import AcceptingOff
from jobs.delivery import sweep
from tests.support.channels import RecordingChannel
from tests.support.factories import add_faculty, add_student

T0 = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # a Monday


def test_registered_with_the_planners_and_maintenance():
    assert plan_still_mentoring in PLANNERS and stop_unanswered in MAINTENANCE


def _quiet_faculty(core, clock, settings, *, requests: int = rules.QUIET_AFTER,
                   answered_last: bool = False, name: str = "Dr. Maya Kim"):
    """A faculty member whose last `requests` intro requests expired unanswered (the last
    one answered instead, when asked), planned at the moment they went quiet."""
    with core.db.session() as s:
        kim = add_faculty(s, name, capacity=4)
        for i in range(requests):
            student = add_student(s, f"Student {name[-3:]} {i}")
            s.add(IntroRequest(student_id=student.id, faculty_id=kim.id, kind="career",
                               state=IntroState.OPEN, rank=1,
                               created_at=clock.now() + timedelta(minutes=i)))
        if answered_last:
            other = add_student(s, f"Late Answer {name[-3:]}")
            s.add(IntroRequest(student_id=other.id, faculty_id=kim.id, kind="career",
                               state=IntroState.DECLINED, rank=1,
                               created_at=clock.now() + timedelta(hours=1),
                               answered_at=clock.now() + timedelta(hours=2)))
    clock.advance(rules.EXPIRE_AFTER + timedelta(hours=1))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
    return kim


def _questions(core, kim) -> list[Nudge]:
    with core.db.session() as s:
        return list(s.scalars(select(Nudge).where(Nudge.person_id == kim.id,
                                                  Nudge.kind == "still-mentoring")))


def _deliver(core, clock) -> RecordingChannel:
    channel = RecordingChannel()
    sweep(core.db, clock, Router([channel]), core.nudge_catalog)
    return channel


def _button(reply: Reply, label: str) -> str:
    return next(a for a in reply.actions if a.label == label).encode()


def _profile(core, kim) -> FacultyProfile:
    with core.db.session() as s:
        profile = s.get(FacultyProfile, kim.id)
        s.expunge(profile)
        return profile


def test_the_question_goes_out_once_in_daytime_with_three_buttons(core, clock, settings):
    kim = _quiet_faculty(core, clock, settings)
    [question] = _questions(core, kim)
    # Went quiet at 15:00 on Jan 18 (UTC, the default zone): asked at 10:00 the next day.
    assert question.due_at == datetime(2027, 1, 19, 10, 0, tzinfo=UTC)
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)  # idempotent
    assert len(_questions(core, kim)) == 1
    clock.set(datetime(2027, 1, 19, 10, 5, tzinfo=UTC))
    channel = _deliver(core, clock)
    [sent] = [m.reply for m in channel.sent if m.person_id == kim.id]
    assert sent.title == "Are you still taking mentees?"
    assert "Your last three intro requests from students closed unanswered after two weeks" \
        in sent.text
    assert "If I don't hear from you in a week" in sent.text
    assert [a.label for a in sent.actions][:3] == ["Stay active", "Away until…",
                                                   "Stop accepting"]
    assert [a.command for a in sent.actions][:3] == ["mentor still-mentoring"] * 3


def test_no_answer_in_a_week_stops_accepting_and_tells_them_once(core, driver, clock,
                                                                 settings):
    kim = _quiet_faculty(core, clock, settings)
    clock.set(datetime(2027, 1, 19, 10, 5, tzinfo=UTC))
    _deliver(core, clock)
    clock.advance(rules.ANSWER_WITHIN - timedelta(minutes=1))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
    assert _profile(core, kim).accepting  # not yet a week
    clock.advance(timedelta(minutes=2))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
        plan_all(s, clock.now(), settings)
    profile = _profile(core, kim)
    assert (profile.accepting, profile.accepting_off_reason) == (False,
                                                                 AcceptingOff.NO_ANSWER)
    assert profile.accepting_changed_at == clock.now()
    with core.db.session() as s:
        notices = [Reply.from_dict(n.payload) for n in s.scalars(
            select(Nudge).where(Nudge.person_id == kim.id, Nudge.kind == "notice"))]
    assert [n.title for n in notices] == ["I've stopped offering you to new students"]
    assert "I asked on Tue 19 Jan 2027" in notices[0].text
    # They can turn it back on with the notice's button; that clears the reason.
    again = driver.press(kim, notices[0].actions[0].encode())
    assert not again.error, again.as_text()
    profile = _profile(core, kim)
    assert (profile.accepting, profile.accepting_off_reason) == (True, AcceptingOff.CHOSEN)
    with core.db.session() as s:
        plan_all(s, clock.now() + timedelta(days=30), settings)
    assert _profile(core, kim).accepting  # the old question is answered by that


def test_stay_active_keeps_them_and_ends_the_question(core, driver, clock, settings):
    kim = _quiet_faculty(core, clock, settings)
    clock.set(datetime(2027, 1, 19, 10, 5, tzinfo=UTC))
    [sent] = [m.reply for m in _deliver(core, clock).sent if m.person_id == kim.id]
    reply = driver.press(kim, _button(sent, "Stay active"))
    assert not reply.error, reply.as_text()
    assert reply.title == "Thanks: you stay open to new mentees"
    assert "You have 4 free places of 4" in reply.text
    assert _profile(core, kim).accepting_changed_at == clock.now()
    clock.advance(rules.ANSWER_WITHIN * 3)
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
    assert _profile(core, kim).accepting
    assert len(_questions(core, kim)) == 1  # not asked again for the same requests


def test_away_until_offers_dates_and_being_away_answers(core, driver, clock, settings):
    kim = _quiet_faculty(core, clock, settings)
    clock.set(datetime(2027, 1, 19, 10, 5, tzinfo=UTC))
    [sent] = [m.reply for m in _deliver(core, clock).sent if m.person_id == kim.id]
    choices = driver.press(kim, _button(sent, "Away until…"))
    assert choices.title == "When are you back?"
    labels = [a.label for a in choices.actions]
    assert labels == ["Back Tue 02 Feb 2027", "Back Tue 16 Feb 2027", "Back Tue 13 Apr 2027"]
    picked = driver.press(kim, choices.actions[1].encode())
    assert not picked.error and "Away until Tue 16 Feb 2027" in picked.text
    clock.advance(rules.ANSWER_WITHIN + timedelta(days=30))  # past their return, too
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
    assert _profile(core, kim).accepting


def test_stop_accepting_is_their_own_choice(core, driver, clock, settings):
    kim = _quiet_faculty(core, clock, settings)
    clock.set(datetime(2027, 1, 19, 10, 5, tzinfo=UTC))
    [sent] = [m.reply for m in _deliver(core, clock).sent if m.person_id == kim.id]
    reply = driver.press(kim, _button(sent, "Stop accepting"))
    assert reply.title == "You're no longer offered to new students"
    profile = _profile(core, kim)
    assert (profile.accepting, profile.accepting_off_reason) == (False, AcceptingOff.CHOSEN)


def test_only_the_faculty_member_answers(core, driver, clock, settings):
    kim = _quiet_faculty(core, clock, settings)
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
    reply = driver.run(ana, "/mentor still-mentoring stop")
    assert reply.error and "for faculty" in reply.text
    assert _profile(core, kim).accepting
    typed = driver.run(kim, "/mentor still-mentoring maybe")
    assert typed.error and "stay, away, stop" in typed.text


def test_answering_before_it_goes_out_cancels_it(core, driver, clock, settings):
    kim = _quiet_faculty(core, clock, settings)
    assert not driver.run(kim, "/mentor profile accepting:yes").error
    [question] = _questions(core, kim)
    assert question.state == "cancelled"
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
    assert [q.state for q in _questions(core, kim)] == ["cancelled"]


def test_answering_a_student_after_the_question_counts(core, driver, clock, settings):
    kim = _quiet_faculty(core, clock, settings)
    clock.set(datetime(2027, 1, 19, 10, 5, tzinfo=UTC))
    _deliver(core, clock)
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        s.add(IntroRequest(student_id=ana.id, faculty_id=kim.id, kind="career",
                           state=IntroState.OPEN, rank=1, created_at=clock.now()))
    clock.advance(timedelta(days=1))
    assert not driver.run(kim, "/mentor decline Ana Diaz").error
    clock.advance(rules.ANSWER_WITHIN)
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
    assert _profile(core, kim).accepting


def test_not_asked_with_fewer_expired_or_a_later_answer_or_while_away(core, clock, settings):
    few = _quiet_faculty(core, clock, settings, requests=rules.QUIET_AFTER - 1)
    assert _questions(core, few) == []
    clock.set(T0)
    with core.db.session() as s:
        s.execute(IntroRequest.__table__.delete())
        s.execute(Nudge.__table__.delete())
    answered = _quiet_faculty(core, clock, settings, answered_last=True, name="Dr. Ann Swer")
    assert _questions(core, answered) == []
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(IntroRequest).where(
            IntroRequest.faculty_id == answered.id,
            IntroRequest.state == IntroState.EXPIRED)) == rules.QUIET_AFTER


def test_not_asked_while_away(core, clock, settings):
    with core.db.session() as s:
        kim = add_faculty(s, "Dr. Maya Kim")
        s.get(FacultyProfile, kim.id).away_until = (T0 + timedelta(days=60)).date()
        for i in range(rules.QUIET_AFTER):
            student = add_student(s, f"Student {i}")
            s.add(IntroRequest(student_id=student.id, faculty_id=kim.id, kind="career",
                               state=IntroState.OPEN, rank=1, created_at=T0))
    clock.advance(rules.EXPIRE_AFTER + timedelta(hours=1))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
        assert s.scalar(select(func.count()).select_from(IntroRequest).where(
            IntroRequest.state == IntroState.EXPIRED)) == rules.QUIET_AFTER
    assert _questions(core, kim) == []
