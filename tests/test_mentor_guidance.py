"""Guidance that comes with the mentoring messages, through the core on SQLite and
PostgreSQL: "offer value back" in every `OFFER_VALUE_EVERY`-th follow-up (drawn from the
mentor's research, office hours and group, in turn), the first meeting's preparation when
a mentor accepts (suited to the kind of mentor and the student's stage), and `/mentor todo`
keeping a colon in its task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app.planning import plan_all
from bot.framework.channels import Router
from bot.framework.replies import Reply
from bot.infra.models import ActionItem
from bot.matching import rules as intro_rules
from bot.mentoring import first_meeting, messages, rules
from bot.mentoring.rules import ValueOffer, value_offer
from bot.vocab.mentoring import MENTOR_KINDS
from jobs.delivery import Sweeper
from tests.support.channels import RecordingChannel
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.relationships import add_mentorship, nudges_of

T0 = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)


def _weekly(core, **faculty):
    """A weekly (research) mentorship started at T0 with nothing logged: a follow-up is owed
    every week."""
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        kim = add_faculty(s, "Dr. Maya Kim", **faculty)
        add_group(s, "em", name="EM Interest Group", members=[ana, kim])
        add_mentorship(s, ana, kim, kind="research", started_at=T0)
        return ana


def _followups(core, settings, student, weeks: int) -> list[Reply]:
    """The follow-ups the student gets over `weeks` weeks: planned and delivered each week,
    as the scheduler does."""
    channel = RecordingChannel()
    for week in range(1, weeks + 1):
        core.clock.current = T0 + timedelta(days=7 * week)
        with core.db.session() as s:
            plan_all(s, core.clock.now(), settings)
        Sweeper(core.db, core.clock, Router([channel]), core.nudge_catalog, max_inline_wait=0).run()
    with core.db.session() as s:
        rows = nudges_of(s, student, kind="followup")
        assert {n.state for n in rows} == {"sent"}
    ids = {n.id for n in rows}
    return [sent.reply for sent in channel.sent
            if sent.delivery is not None and sent.delivery.nudge_id in ids]


def _offer(reply: Reply) -> str | None:
    return next((s.text for s in reply.sections if s.heading == messages.OFFER_HEADING), None)


def test_every_third_followup_offers_something_back_in_turn(core, settings):
    ana = _weekly(core, research=["point-of-care ultrasound"], office_hours="Tue 14:00-16:00")
    sent = _followups(core, settings, ana, 3 * rules.OFFER_VALUE_EVERY)
    offers = [_offer(r) for r in sent]
    every = rules.OFFER_VALUE_EVERY
    assert [i + 1 for i, o in enumerate(offers) if o] == [every, 2 * every, 3 * every]
    research, hours, group = (offers[n * every - 1] for n in (1, 2, 3))
    assert research is not None and "point-of-care ultrasound" in research
    assert hours is not None and "Tue 14:00-16:00" in hours
    assert group is not None and "EM Interest Group" in group


def test_a_mentor_the_bot_knows_nothing_about_gets_a_thank_you_offer(core, settings):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        kim = add_faculty(s, "Dr. Maya Kim")
        add_mentorship(s, ana, kim, kind="research", started_at=T0)
    sent = _followups(core, settings, ana, rules.OFFER_VALUE_EVERY)
    offer = _offer(sent[-1])
    assert offer is not None and "which piece of their advice worked" in offer
    assert all(_offer(r) is None for r in sent[:-1])


def test_changing_the_rule_changes_which_followups_offer(core, settings, monkeypatch):
    monkeypatch.setattr(rules, "OFFER_VALUE_EVERY", 2)
    ana = _weekly(core, research=["sepsis"])
    offers = [_offer(r) for r in _followups(core, settings, ana, 4)]
    assert [o is not None for o in offers] == [False, True, False, True]


def test_value_offer_rule_rotates_through_what_is_known():
    every = rules.OFFER_VALUE_EVERY
    known = {"research": ("sepsis",), "office_hours": "Fri 9-11", "group": "EM"}
    assert [value_offer(n, **known) for n in range(1, every)] == [None] * (every - 1)
    assert [value_offer(n * every, **known) for n in range(1, 6)] == [
        ValueOffer.RESEARCH, ValueOffer.OFFICE_HOURS, ValueOffer.GROUP, ValueOffer.THANKS,
        ValueOffer.RESEARCH]
    assert value_offer(every, research=(), office_hours="  ", group=None) == ValueOffer.THANKS


# --- the first meeting -----------------------------------------------------------------------------


def _accept(core, driver, *, stage: str, kind: str) -> Reply:
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage=stage, interests=["emergency medicine"])
        kim = add_faculty(s, "Dr. Maya Kim", specialty="Emergency Medicine",
                          research=["ultrasound"])
    assert not driver.run(ana, f"/mentor request Kim kind:{kind}").error
    assert not driver.run(kim, "/mentor accept Ana Diaz").error
    with core.db.session() as s:
        return Reply.from_dict(nudges_of(s, ana, kind="notice")[-1].payload)


@pytest.mark.parametrize(("stage", "kind"), [("ms3", "clinical"), ("premed", "research")])
def test_accepted_message_prepares_the_first_meeting(core, driver, stage, kind):
    told = _accept(core, driver, stage=stage, kind=kind)
    assert told.title == "Dr. Maya Kim accepted your intro request"
    [prep] = [s.text for s in told.sections if s.heading == "Preparing your first meeting"]
    low, high = intro_rules.FIRST_MEETING_MINUTES
    assert f"{low}–{high} minutes" in prep
    for item in first_meeting.agenda(kind, 7):
        assert item in prep
    asked = first_meeting.questions(kind, stage)
    assert len(asked) == first_meeting.QUESTIONS_SHOWN
    assert all(q in prep for q in asked)
    if kind == "clinical":
        assert "on your service" in prep  # a clinical student's questions
    else:
        assert "premed" in prep and "research" in prep


def test_every_kind_and_stage_has_its_questions():
    seen = set()
    for kind in MENTOR_KINDS:
        for stage in ("premed", "ms1", "ms2", "ms3", "ms4", "resident", None):
            asked = first_meeting.questions(kind, stage)
            assert len(asked) == first_meeting.QUESTIONS_SHOWN
            seen.add(asked)
    assert len(seen) == len(MENTOR_KINDS) * len(first_meeting.Band)


# --- /mentor todo keeps a colon -----------------------------------------------------------------


def test_todo_keeps_a_colon_in_the_task(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        add_faculty(s, "Dr. Samuel Okafor")
    reply = driver.run(ana, '/mentor todo "Dr. Samuel Okafor" read this: the ACEP ultrasound '
                            'guidelines due:"in 2 weeks"')
    assert not reply.error, reply.as_text()
    with core.db.session() as s:
        item = s.scalar(select(ActionItem))
        assert item is not None
        assert item.task == "read this: the ACEP ultrasound guidelines"
        assert item.due_at is not None
    typo = driver.run(ana, '/mentor todo "Dr. Samuel Okafor" call them duee:friday')
    assert typo.error and "did you mean due:" in typo.text.lower()
