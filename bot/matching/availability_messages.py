"""What faculty are told about being offered to students: the still-mentoring question and
its answers, being away, a capacity under their current mentees, and the notice when the
bot stops offering someone who never answered.

Thresholds and spans are read from `bot.matching.rules` when a message is built; days are
the reader's own (`format_day` of a day already in their zone)."""

from __future__ import annotations

from datetime import date, datetime

from bot.framework.replies import Action, ActionStyle, Reply
from bot.framework.wording import count, span_in_words, spelled
from bot.infra.zones import format_day, local_day
from bot.matching import rules, specs
from bot.people import specs as people_specs
from bot.vocab.matching import StillMentoring


def _answer(label: str, answer: str, style: ActionStyle = "default") -> Action:
    return specs.STILL_MENTORING.action(label, {"answer": answer}, style=style)


def _accept_again() -> Action:
    return people_specs.PROFILE.action("Accept mentees again", {"accepting": "yes"},
                                       style="primary")


def still_mentoring_question() -> Reply:
    """To a faculty member whose last intro requests all expired unanswered."""
    return Reply(
        title="Are you still taking mentees?",
        text=(f"Your last {spelled(rules.QUIET_AFTER, 'intro request')} from students closed "
              f"unanswered after {span_in_words(rules.EXPIRE_AFTER)}. That happens (a full "
              "inbox, a busy rotation), but students keep waiting on you. Are you still "
              "mentoring? If I don't hear from you in "
              f"{span_in_words(rules.ANSWER_WITHIN)}, I'll stop offering you to new "
              "students; your current mentees stay, and you can turn it back on any time."),
        actions=(
            _answer("Stay active", StillMentoring.STAY, "primary"),
            _answer("Away until…", StillMentoring.AWAY),
            _answer("Stop accepting", StillMentoring.STOP, "danger"),
        ),
    )


def stayed_active(free: int, capacity: int) -> Reply:
    return Reply(
        title="Thanks: you stay open to new mentees",
        text=(f"You have {count(free, 'free place')} of {capacity}. Students see how quickly "
              "you answer intro requests: accepting or declining within a few days keeps "
              "you easy to find, and a kind no is better than silence."),
    )


def stopped_accepting() -> Reply:
    return Reply(
        title="You're no longer offered to new students",
        text=("Your current mentees are not affected. Turn it back on whenever you like "
              "(/mentor profile accepting:yes)."),
        actions=(_accept_again(),),
    )


def away_choices(today: date) -> Reply:
    """"Away until…": when they are back, as one-press answers or a typed date."""
    buttons = tuple(
        people_specs.PROFILE.action(f"Back {format_day(today + span)}",
                                    {"away": (today + span).isoformat()})
        for span in rules.AWAY_CHOICES)
    return Reply(
        title="When are you back?",
        text=("While you're away, students don't see you in /mentor find, can't send you "
              "requests, and match rounds leave you out; your mentees' reminders carry on. "
              "Pick a date below, or type one: /mentor profile away:2027-03-01 (or "
              "away:\"in 3 weeks\"). /mentor profile away:no ends it early."),
        actions=buttons,
    )


def stopped_for_no_answer(asked_at: datetime, tz: str) -> Reply:
    """Told once, when the question went unanswered for `rules.ANSWER_WITHIN`."""
    return Reply(
        title="I've stopped offering you to new students",
        text=(f"I asked on {format_day(local_day(asked_at, tz))} whether you are still "
              f"taking mentees and didn't hear back in {span_in_words(rules.ANSWER_WITHIN)}, "
              "so your profile now says you're not accepting new mentees. Your current "
              "mentees are not affected. Whenever you're ready again:"),
        actions=(_accept_again(),),
    )


# --- /mentor profile ---------------------------------------------------------------------


def away_set(until: date) -> str:
    return (f"Away until {format_day(until)}: until then students don't see you in "
            "/mentor find, can't send you intro requests, and match rounds leave you out. "
            "You're back that day; your mentees' reminders carry on as usual.")


def away_ended() -> str:
    return "You're back: students can find and ask you again."


def away_too_far(limit_days: int) -> str:
    return (f"away: can be at most {count(limit_days, 'day')} ahead. For longer, stop "
            "accepting mentees (/mentor profile accepting:no) and turn it back on later.")


def away_not_after_today(day: date) -> str:
    return (f"away: {format_day(day)} is today; give the day you're back (a later date), "
            "or away:no if you're back now.")


def capacity_below_mentees(capacity: int, mentees: int) -> str:
    """A capacity at or under the mentees someone has: allowed, nobody is dropped, but no
    new mentee is offered until enough mentorships end."""
    ending = mentees - capacity + 1  # a place opens once mentees fall below capacity
    verb = "ends" if ending == 1 else "end"
    return (f"Note: you have {count(mentees, 'current mentee')} and a capacity of {capacity}, "
            f"so no new mentees will be offered to you until {ending} of those mentorships "
            f"{verb}. Your current mentees stay.")
