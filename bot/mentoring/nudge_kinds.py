"""The mentoring feature's nudge kinds: follow-ups, transactional flags, "Did you meet?"
check-ins, overdue action items and keeping letter writers posted, each a `NudgeSpec`. The
planner (`bot.mentoring.planning`) says when each is owed; these say what it is about, what
answers it and how it reads when it is sent, from the relationship as it is then
(`bot.mentoring.nudge_state`). A nudge the relationship has moved past is moot: the
mentorship ended, a contact was logged since it fell due, news was shared, the question was
answered, the item was closed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.infra.zones import format_day, local_day
from bot.mentoring import messages, rules, specs
from bot.mentoring.nudge_state import (
    ItemNow,
    MentorshipNow,
    ThankedNow,
    load_items,
    load_mentorships,
    load_thanked,
)
from bot.mentoring.planning import LETTER_THANKED, transactional_occurrence
from bot.nudges.kinds import Answers, Due, Evidence, Moment, Moot, NudgeSpec, SubjectSpec, Words
from bot.vocab.nudges import NudgeKind, Subject

MENTORSHIP = SubjectSpec(Subject.MENTORSHIP, load_mentorships, "the mentorship has ended")
ACTION_ITEM = SubjectSpec(Subject.ACTION_ITEM, load_items, "the action item was deleted")
THANKED_LETTER = SubjectSpec(Subject.THANKED_LETTER, load_thanked,
                             "the letter is no longer tracked")


def _day(occurrence: str) -> date | None:
    try:
        return date.fromisoformat(occurrence)
    except ValueError:
        return None


# --- follow-ups ----------------------------------------------------------------------------


def followup_number(state: MentorshipNow, due: Due) -> int:
    """Which follow-up of its mentorship this is (1-based), counting those stored before it
    that a contact did not make moot."""
    return sum(1 for nudge_id in state.followups if nudge_id < due.id) + 1


def offer_text(state: MentorshipNow, due: Due) -> str | None:
    facts = state.facts
    if facts is None:
        return None
    offer = rules.value_offer(followup_number(state, due), research=facts.research,
                              office_hours=facts.office_hours, group=facts.group)
    return None if offer is None else messages.value_offer_text(offer, state.row.mentor_name,
                                                                facts)


def followup_words(state: MentorshipNow, due: Due, at: Moment) -> Words:
    """The follow-up that fell on its day (the occurrence); moot once a contact logged
    since moved the next follow-up past that day."""
    row = state.row
    day = _day(due.occurrence)
    if day is None or day < row.due_day:
        last = row.last_contact
        return Moot("a contact was logged since" + (
            f" (on {format_day(local_day(last, at.tz))})" if last is not None else ""))
    return messages.followup(row.mentor_id, row.mentor_name, row.cadence_days, row.started_at,
                             row.last_contact, at.tz, state.recent, state.items,
                             offer_text(state, due))


# --- transactional flags -------------------------------------------------------------------


def transactional_words(state: MentorshipNow, due: Due, at: Moment) -> Words:
    """Moot once news was shared since the ask-only stretch began (or a new stretch began)."""
    row, log = state.row, state.summary
    since = None if log is None else rules.transactional_since(
        row.started_at, log.last_news, log.last_ask, at.now)
    if since is None or due.occurrence != transactional_occurrence(since):
        return Moot("news without an ask was shared since")
    return messages.transactional(row.mentor_id, row.mentor_name, since, at.tz)


# --- "Did you meet?" -----------------------------------------------------------------------


def _round(occurrence: str) -> int | None:
    number = occurrence.removeprefix("round-")
    return int(number) if number.isdigit() else None


def checkin_words(state: MentorshipNow, due: Due, at: Moment) -> Words:
    round_ = _round(due.occurrence)
    asked = state.checkins.get(round_) if round_ is not None else None
    if round_ is None or asked is None:
        return Moot("the check-in is no longer open")
    if asked[0] is not None:
        return Moot("the check-in was answered")
    previous: datetime | None = state.checkins.get(round_ - 1, (None, None))[1]
    row = state.row
    if rules.met_since(row.last_contact, previous or row.started_at):
        return Moot("a contact was logged since: they met")
    return messages.checkin(row.mentor_id, row.mentor_name, row.kind, row.started_at, round_,
                            previous, at.tz)


# --- action items --------------------------------------------------------------------------


def action_item_words(item: ItemNow, due: Due, at: Moment) -> Words:
    if item.done:
        return Moot("the item was closed")
    if item.mentorship_ended:
        return Moot("the mentorship it belongs to has ended")
    if item.due_at is None:
        return Moot("the item has no due day any more")
    return messages.action_item(item.id, item.mentor_id, item.task, item.due_at,
                                item.mentor_name, at.tz)


# --- keeping a letter writer posted --------------------------------------------------------


def keep_in_touch_words(letter: ThankedNow, due: Due, at: Moment) -> Words:
    """Moot once the student touched base with the writer on or after its day, or the
    writer became their mentor (the follow-ups cover them then)."""
    if letter.state != LETTER_THANKED or letter.writer_id is None:
        return Moot(f"the letter is now {letter.state}")
    if letter.writer_mentors:
        return Moot("the writer is a mentor now: follow-ups keep them posted")
    touched = rules.last_touch(letter.thanked_at, letter.last_contact)
    day = _day(due.occurrence)
    if day is None or local_day(touched, at.tz) >= day:
        return Moot("they were in touch since")
    return messages.keep_in_touch(letter.writer_id, letter.writer_name, touched, at.tz)


# --- the specs -----------------------------------------------------------------------------

NUDGE_SPECS: tuple[NudgeSpec[Any], ...] = (
    NudgeSpec(kind=NudgeKind.FOLLOWUP, owner="mentoring",
              summary="time to check in with a mentor, on the relationship's rhythm",
              subject=MENTORSHIP, word=followup_words,
              answers=Answers((specs.LOG,), Evidence.CONTACT)),
    NudgeSpec(kind=NudgeKind.TRANSACTIONAL, owner="mentoring",
              summary="months of asks only: share news without an ask",
              subject=MENTORSHIP, word=transactional_words,
              answers=Answers((specs.LOG,), Evidence.NEWS)),
    NudgeSpec(kind=NudgeKind.CHECKIN, owner="mentoring",
              summary="\"Did you meet?\" after a mentorship starts",
              subject=MENTORSHIP, word=checkin_words,
              answers=Answers((specs.CHECKIN,), Evidence.CHECKIN_ANSWERED)),
    NudgeSpec(kind=NudgeKind.ACTION_ITEM, owner="mentoring",
              summary="circle back on a mentor's suggestion past its due day",
              subject=ACTION_ITEM, word=action_item_words,
              answers=Answers((specs.DONE, specs.LOG), Evidence.ITEM_CLOSED)),
    NudgeSpec(kind=NudgeKind.KEEP_IN_TOUCH, owner="mentoring",
              summary="keep a thanked letter writer posted every few months",
              subject=THANKED_LETTER, word=keep_in_touch_words,
              answers=Answers((specs.LOG,), Evidence.CONTACT)),
)
"""The mentoring feature's nudge kinds, listed by the program's assembly (`bot.app.nudges`)."""
