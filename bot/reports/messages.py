"""How a report reads. Every figure is a `Figure`: its value, how it is shown, one line on
how it is counted and, where it is poor, what the organizer can do. The chat reply, the
plain text, the JSON and the CSV are all built from the same list (`figures`), so they
cannot disagree; every threshold in the text comes from `bot.reports.rules` (or the rule's
owner), and every command named comes from its spec.

Students are named in one place only: the organizers' list of students waiting for a
mentor. Letters are counts, with no name, program or deadline anywhere near them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.framework.replies import Attachment, Reply, Section
from bot.framework.wording import count, days_as_weeks, span, span_in_words, spelled
from bot.infra.zones import format_day
from bot.letters import specs as letter_specs
from bot.matching import specs as matching_specs
from bot.matching.rules import EXPIRE_AFTER
from bot.mentoring import specs as mentoring_specs
from bot.mentoring.cadence import ACTIVE_MENTOR_DAYS, MAIN_MENTOR_WEEKS, describe_cadence
from bot.people import specs as people_specs
from bot.reports import rules, specs
from bot.reports.rules import Headline, Report
from bot.vocab.letters import LetterState
from bot.vocab.mentoring import MENTOR_KINDS

MAX_NAMED = 25
"""Names listed in chat per list; the JSON and the CSV list everyone."""
FAILED_NUDGES_COMMAND = "mentorbot nudges failed"
"""The command line verb that lists undelivered nudges with their errors."""

CHECKIN_ANSWERS = {"met": "we met", "not-yet": "not yet", "no": "not going to happen"}
"""How each stored "Did you meet?" answer reads (an unknown one reads as stored)."""
STATE_LABELS = {state: state.replace("-", " ") for state in LetterState}

SECTION_PEOPLE = "Participants"
SECTION_MATCHING = "Matching"
SECTION_NETWORKS = "Mentor networks"
SECTION_HEALTH = "Relationship health"
SECTION_INTROS = "Intro requests"
SECTION_MEETINGS = "Meetings"
SECTION_LETTERS = "Letters (counted, never named)"
SECTION_NUDGES = "Nudges"
SECTION_WEEKS = "Week by week"
SECTION_SILENT = "Faculty who did not answer"
SECTION_LOOKING = "Students looking for a mentor, not matched"


@dataclass(frozen=True)
class Figure:
    section: str
    key: str  # stable, for spreadsheets: "matching.match_rate"
    label: str
    value: int | float | None
    shown: str
    how: str
    todo: str = ""


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _slash(name: str, *words: str) -> str:
    return " ".join((f"/{name}", *words))


def match_command(slug: str, *, dry_run: bool = True) -> str:
    return _slash(matching_specs.MATCH.name, f"group:{slug}", *(("dry-run",) if dry_run else ()))


def report_command(slug: str) -> str:
    return _slash(specs.REPORT.name, f"group:{slug}")


# --- the figures -----------------------------------------------------------------------------


def figures(report: Report) -> list[Figure]:
    return [*_participants(report), *_matching(report), *_networks(report),
            *_health(report), *_intros(report), *_meetings(report), *_letters(report),
            *_nudges(report)]


def _participants(report: Report) -> list[Figure]:
    people = report.participants
    how = "members of the group with the student or faculty role."
    todo = ""
    if people.faculty_accepting == 0 and people.students:
        todo = ("No faculty member of the group has a place open: ask faculty to accept "
                "mentees or raise their capacity "
                f"({_slash(people_specs.PROFILE.name, 'accepting:yes', 'capacity:N')}).")
    return [
        Figure(SECTION_PEOPLE, "participants.students", "Students", people.students,
               str(people.students), how),
        Figure(SECTION_PEOPLE, "participants.faculty", "Faculty", people.faculty,
               str(people.faculty), how),
        Figure(SECTION_PEOPLE, "participants.faculty_accepting",
               "Faculty with a place open now", people.faculty_accepting,
               str(people.faculty_accepting),
               "faculty of the group who accept mentees and have fewer mentees than their "
               "capacity.", todo),
    ]


def _matching(report: Report) -> list[Figure]:
    matching = report.matching
    target = percent(rules.TARGET_MATCH_RATE)
    if matching.rate is None:
        shown = "no students yet"
    else:
        shown = (f"{percent(matching.rate)} ({matching.matched} of "
                 f"{count(matching.students, 'student')}) · target {target}")
    todo = ""
    if matching.poor:
        waiting = len(report.looking)
        unmatched = matching.students - matching.matched
        if waiting:
            todo = (f"{count(waiting, 'student is', 'students are')} looking and unmatched: "
                    f"run {match_command(report.group_slug)}")
        else:
            todo = (f"{count(unmatched, 'student has', 'students have')} no mentor and "
                    f"{'is' if unmatched == 1 else 'are'} not looking: invite them to say so "
                    f"({_slash(people_specs.PROFILE.name, 'looking:yes')}) or to "
                    f"{_slash(matching_specs.FIND.name)}.")
    return [
        Figure(SECTION_MATCHING, "matching.match_rate", "Match rate", matching.rate, shown,
               "students of the group with at least one active mentor, over all students "
               f"of the group; {target} is the usual target.", todo),
        Figure(SECTION_MATCHING, "matching.looking_unmatched",
               "Looking for a mentor, not matched", len(report.looking),
               str(len(report.looking)),
               "students who said they are looking "
               f"({_slash(people_specs.PROFILE.name, 'looking:yes')}) or have an intro "
               "request waiting, and have no active mentor (named below).",
               f"run {match_command(report.group_slug)} to see who a match round would "
               "pair, then run it without dry-run." if report.looking else ""),
    ]


def _networks(report: Report) -> list[Figure]:
    coverage = report.coverage
    how = ("mentored students of the group with at least one active mentor of that kind "
           f"(out of {coverage.matched}).")
    out = [Figure(SECTION_NETWORKS, f"coverage.{kind}", f"With a {kind} mentor",
                  coverage.by_kind.get(kind, 0), str(coverage.by_kind.get(kind, 0)), how)
           for kind in MENTOR_KINDS]
    todo = ""
    if coverage.poor:
        todo = (f"Most mentored students have one kind of mentor; {coverage.rarest} mentors "
                f"are rarest: point students to "
                f"{_slash(matching_specs.FIND.name, f'kind:{coverage.rarest}')}.")
    shown = "-" if coverage.several_share is None else (
        f"{coverage.several_kinds} of {coverage.matched} ({percent(coverage.several_share)})")
    out.append(Figure(SECTION_NETWORKS, "coverage.several_kinds", "More than one kind",
                      coverage.several_kinds, shown,
                      "mentored students with active mentors of more than one kind: a healthy "
                      "mentor network has more than one.", todo))
    return out


def _health(report: Report) -> list[Figure]:
    health = report.health
    rhythms = spelled(rules.CHECKIN_RHYTHMS, "rhythm")
    weekly, main = ACTIVE_MENTOR_DAYS, MAIN_MENTOR_WEEKS * 7
    how = (f"active mentorships of the group's students by the last logged contact (or the "
           f"start) and their rhythm: due soon when the next follow-up is due within "
           f"{span_in_words(timedelta(days=rules.DUE_SOON_DAYS))} or has passed; needs a "
           f"check-in after more than {rhythms} without a contact "
           f"({days_as_weeks(rules.CHECKIN_RHYTHMS * weekly)} for a mentor met "
           f"{describe_cadence(weekly)}, {days_as_weeks(rules.CHECKIN_RHYTHMS * main)} for one "
           f"met {describe_cadence(main)}).")
    todo = ""
    if health.poor:
        todo = (f"{count(health.needs_checkin, 'relationship has', 'relationships have')} gone "
                f"more than {rhythms} without a contact: their "
                f"students are nudged to follow up; encourage them at your next meeting (each "
                f"student sees theirs in {_slash(mentoring_specs.LIST.name)}).")
    return [
        Figure(SECTION_HEALTH, "health.on_track", "On track", health.on_track,
               str(health.on_track), how),
        Figure(SECTION_HEALTH, "health.due_soon", "Due soon", health.due_soon,
               str(health.due_soon), how),
        Figure(SECTION_HEALTH, "health.needs_checkin", "Needs a check-in", health.needs_checkin,
               str(health.needs_checkin), how, todo),
    ]


def hours_text(hours: float) -> str:
    return count(round(hours), "hour") if hours < 48 else count(round(hours / 24), "day")


def _intros(report: Report) -> list[Figure]:
    intros = report.intros
    how = ("requests made in the group or by its students in the period, by where they "
           f"stand now; a request expires after {span(EXPIRE_AFTER)} without an answer.")
    todo = ""
    if intros.poor:
        why = (f"answers take {hours_text(intros.median_hours or 0)} (median)" if intros.slow
               else f"{percent(intros.expired_share)} of requests expired unanswered")
        todo = (f"{why}: ask the faculty listed below whether they still mentor, and to turn "
                f"accepting off while busy ({_slash(people_specs.PROFILE.name, 'accepting:no')}).")
    out = [Figure(SECTION_INTROS, f"intros.{key}", label, value, str(value), how)
           for key, label, value in (("sent", "Sent", intros.sent),
                                     ("accepted", "Accepted", intros.accepted),
                                     ("declined", "Declined", intros.declined),
                                     ("expired", "Expired unanswered", intros.expired),
                                     ("waiting", "Still waiting", intros.waiting))]
    median = intros.median_hours
    out.append(Figure(SECTION_INTROS, "intros.median_hours", "Median time to an answer",
                      None if median is None else round(median, 1),
                      "-" if median is None else hours_text(median),
                      "from sending to the answer, over the period's accepted and declined "
                      f"requests; over {hours_text(rules.SLOW_ANSWER_HOURS)} is slow.", todo))
    out.append(Figure(SECTION_INTROS, "intros.silent_faculty", "Faculty who did not answer",
                      len(report.silent_faculty), str(len(report.silent_faculty)),
                      "faculty with a request of the period that expired unanswered, and "
                      "faculty of the group the bot stopped offering because they did not "
                      "answer whether they still mentor (named below)."))
    return out


def _meetings(report: Report) -> list[Figure]:
    met = report.meetings
    how = ("\"Did you meet?\" questions sent to the group's students in the period, by "
           "answer.")
    out = [Figure(SECTION_MEETINGS, "meetings.asked", "Check-ins asked", met.asked,
                  str(met.asked), how)]
    known = [*CHECKIN_ANSWERS, *sorted(a for a in met.answers if a not in CHECKIN_ANSWERS)]
    for answer in known:
        label = CHECKIN_ANSWERS.get(answer, answer)
        out.append(Figure(SECTION_MEETINGS, f"meetings.{answer}", label.capitalize(),
                          met.answers.get(answer, 0), str(met.answers.get(answer, 0)), how))
    few_met = ""
    if rules.below(met.met_share, rules.MET_SHARE_TARGET):
        few_met = (f"Under {percent(rules.MET_SHARE_TARGET)} of the answers say the first "
                   "meeting happened: ask students what stands in the way, and remind them a "
                   "first meeting can be short.")
    out.append(Figure(SECTION_MEETINGS, "meetings.unanswered", "Not answered",
                      met.asked - met.answered, str(met.asked - met.answered), how, few_met))
    low, high = rules.RATING_SCALE
    out.append(Figure(SECTION_MEETINGS, "meetings.ratings", "Meetings rated", met.ratings,
                      str(met.ratings),
                      "ratings students gave meetings logged in the period "
                      f"({_slash(mentoring_specs.LOG.name, 'MENTOR', f'rating:{low}-{high}')}); "
                      "never shown to the mentor."))
    if met.mean_rating is not None:
        shown = f"{met.mean_rating:.1f} on a scale of {low}–{high}"
    elif met.withheld:
        shown = (f"withheld until meetings with at least "
                 f"{count(rules.MIN_RATED_MENTORS, 'mentor')} are rated")
    else:
        shown = "no ratings yet"
    low_rating = ""
    if met.mean_rating is not None and met.mean_rating < rules.LOW_RATING:
        low_rating = ("Meetings are rated low: ask students what would make them more useful, "
                      "and share the guide's advice on preparing questions beforehand.")
    out.append(Figure(SECTION_MEETINGS, "meetings.mean_rating", "Mean rating",
                      None if met.mean_rating is None else round(met.mean_rating, 2), shown,
                      f"the mean of those ratings, shown once meetings with "
                      f"{count(rules.MIN_RATED_MENTORS, 'mentor')} or more were rated so it "
                      f"never points at one mentor; under {rules.LOW_RATING} is low.",
                      low_rating))
    return out


def _letters(report: Report) -> list[Figure]:
    letters = report.letters
    how = ("letters of the group's students with a deadline in the period or later, by "
           "state; only ever counted: who asked, for what and by when stays with the student.")
    out = [Figure(SECTION_LETTERS, f"letters.{state}", STATE_LABELS[state].capitalize(),
                  letters.by_state.get(state, 0), str(letters.by_state.get(state, 0)), how)
           for state in LetterState]
    risk_how = (f"not asked with {days_as_weeks(rules.ASK_AT_RISK_DAYS)} or less to the "
                f"deadline, or not agreed with {days_as_weeks(rules.AGREE_AT_RISK_DAYS)} or "
                "less.")
    todo = ""
    if letters.poor:
        todo = (f"Remind the group to check {_slash(letter_specs.LIST.name)}: each student "
                "with a letter at risk is nudged already, and a reminder from you helps.")
    out += [
        Figure(SECTION_LETTERS, "letters.at_risk_not_asked", "At risk: not asked",
               letters.not_asked, str(letters.not_asked), risk_how),
        Figure(SECTION_LETTERS, "letters.at_risk_not_agreed", "At risk: not agreed",
               letters.not_agreed, str(letters.not_agreed), risk_how),
        Figure(SECTION_LETTERS, "letters.at_risk", "At risk in all", letters.at_risk,
               str(letters.at_risk), risk_how, todo),
    ]
    return out


def _nudges(report: Report) -> list[Figure]:
    sent = report.nudges
    how = "reminders to the group's members planned in the period, by what became of them."
    out = [Figure(SECTION_NUDGES, f"nudges.{key}", label, value, str(value), how)
           for key, label, value in (("planned", "Planned", sent.planned),
                                     ("sent", "Sent", sent.sent),
                                     ("failed", "Failed", sent.failed),
                                     ("snoozed", "Snoozed", sent.snoozed),
                                     ("dismissed", "Dismissed", sent.dismissed))]
    if sent.failed:
        out[2] = Figure(SECTION_NUDGES, "nudges.failed", "Failed", sent.failed,
                        str(sent.failed), how,
                        f"{count(sent.failed, 'reminder')} could not be delivered: "
                        f"{FAILED_NUDGES_COMMAND} shows why.")
    within = span_in_words(rules.ACTED_WITHIN)
    todo = ""
    if rules.below(sent.acted_share, rules.ACTED_SHARE_TARGET):
        todo = ("Most reminders go unanswered: ask members whether they come at the right "
                f"time (quiet hours: {_slash(people_specs.PROFILE.name, 'quiet:')}) and "
                "are about the right things.")
    shown = "-" if sent.acted_share is None else (
        f"{percent(sent.acted_share)} ({sent.acted} of {sent.judged})")
    out.append(Figure(
        SECTION_NUDGES, "nudges.acted_share", f"Acted on within {within}", sent.acted_share,
        shown,
        f"of the reminders sent at least {within} ago whose answer the bot can see: a "
        "follow-up answered by a logged contact, an action item by done, a check-in by its "
        "answer, a letter reminder by the state change it asked for.", todo))
    return out


# --- named lists -------------------------------------------------------------------------------


def silent_lines(report: Report) -> list[str]:
    lines = []
    for person in report.silent_faculty:
        parts = []
        if person.asked:
            parts.append(f"{person.expired} of {count(person.asked, 'request')} expired "
                         "unanswered")
        if person.turned_off is not None:
            parts.append("accepting turned off by the bot on "
                         f"{format_day(person.turned_off.date())}: no answer to whether they "
                         "still mentor")
        lines.append(f"• {person.name}: {'; '.join(parts)}")
    return lines


def _named(lines: Sequence[str], noun: str) -> str:
    shown = list(lines[:MAX_NAMED])
    if len(lines) > MAX_NAMED:
        shown.append(f"…and {count(len(lines) - MAX_NAMED, noun)} more (mentorbot report "
                     "--csv lists everyone).")
    return "\n".join(shown)


# --- the reply ---------------------------------------------------------------------------------


SECTION_SCOPE = "Filters"
STAGE_HOW = ("only students at this stage are counted, with their mentorships, requests, "
             "check-ins, ratings, letters and reminders; faculty figures count every faculty "
             "member of the group.")
KIND_HOW = ("only mentorships and intro requests with a mentor of this kind are counted in "
            "the match rate, relationship health, intro requests and the weekly match rate; "
            "the other figures count every kind.")


def scope_text(scope: rules.Scope) -> str:
    """The report's filters in a sentence ("" for the whole group)."""
    parts = []
    if scope.stage is not None:
        parts.append(f"students at stage {scope.stage} only")
    if scope.kind is not None:
        parts.append(f"{scope.kind} mentors only where a figure is about mentorships")
    return "; ".join(parts)


def figure_scope(key: str, scope: rules.Scope) -> str:
    """What part of the group the figure `key` counts, in a few words ("" when whole)."""
    stage, kind = rules.narrowed_by(key, scope)
    parts = [f"{stage} students" if stage else "", f"{kind} mentors" if kind else ""]
    if scope.kind is not None and kind is None:
        parts.append("every kind")
    return " · ".join(p for p in parts if p)


def period_text(report: Report) -> str:
    return (f"the last {count(report.period.weeks, 'week')} "
            f"({format_day(report.first_day)} – {format_day(report.last_day)})")


def sentence(text: str) -> str:
    """`text` with its first letter capitalised (figures keep theirs lower case for
    spreadsheets)."""
    return text[:1].upper() + text[1:]


def figure_text(items: Iterable[Figure]) -> str:
    """A section's figures: consecutive figures counted the same way share one line, then
    how they are counted, then anything to do."""
    lines: list[str] = []
    group: list[Figure] = []

    def flush() -> None:
        if not group:
            return
        lines.append(" · ".join(f"{f.label}: {f.shown}" for f in group))
        lines.append(f"  How: {sentence(group[0].how)}")
        lines.extend(f"  To do: {sentence(f.todo)}" for f in group if f.todo)
        group.clear()

    for item in items:
        if group and item.how != group[0].how:
            flush()
        group.append(item)
    flush()
    return "\n".join(lines)


WEEKS_HOW = ("each week by its first day: the match rate as it stood at the week's end (students "
             "who had joined by then), and the contacts dated in the week.")


def week_lines(report: Report) -> list[str]:
    return [f"{w.first_day:%d %b}: match rate {percent(w.match_rate)}, "
            f"{count(w.contacts, 'contact')}" for w in report.weeks]


def report_sections(report: Report) -> tuple[Section, ...]:
    found = figures(report)
    sections = []
    for heading in (SECTION_PEOPLE, SECTION_MATCHING, SECTION_NETWORKS, SECTION_HEALTH,
                    SECTION_INTROS, SECTION_MEETINGS, SECTION_LETTERS, SECTION_NUDGES):
        sections.append(Section(heading=heading,
                                text=figure_text(f for f in found if f.section == heading)))
        if heading == SECTION_MATCHING and report.looking:
            sections.append(Section(heading=SECTION_LOOKING,
                                    text=_named([f"• {name}" for name in report.looking],
                                                "student")))
        if heading == SECTION_INTROS and report.silent_faculty:
            sections.append(Section(heading=SECTION_SILENT,
                                    text=_named(silent_lines(report), "faculty member")))
    sections.append(Section(heading=SECTION_WEEKS, text="\n".join(
        [*week_lines(report), f"  How: {sentence(WEEKS_HOW)}"])))
    return tuple(sections)


def report_reply(report: Report, chart: Attachment | None = None) -> Reply:
    return Reply(
        title=f"Program health: {report.group_name}",
        text=(f"{report.group_slug} · {period_text(report)}. "
              + (f"Filtered: {scope_text(report.scope)}. " if not report.scope.whole else "")
              + "Private to the group's organizers: students are named only where they wait "
              "for a mentor, and letters are only counted."),
        sections=report_sections(report),
        attachment=chart,
        footer=("Chart: match rate and contacts logged per week."
                if chart is not None else ""),
    )


def chart_title(report: Report) -> str:
    return f"{report.group_name}: match rate and contacts per week"


def chart_alt_text(report: Report) -> str:
    """What the chart shows, in words, for anyone who cannot see it."""
    rates = [w.match_rate for w in report.weeks if w.match_rate is not None]
    contacts = [w.contacts for w in report.weeks]
    first = report.weeks[0].first_day if report.weeks else report.first_day
    rate_text = (f"the match rate went from {percent(rates[0])} to {percent(rates[-1])} "
                 f"(target {percent(rules.TARGET_MATCH_RATE)})" if rates
                 else "no match rate yet (no students)")
    return (f"Chart for {report.group_name} over {count(len(report.weeks), 'week')} from "
            f"{format_day(first)}: {rate_text}; contacts logged per week ranged from "
            f"{min(contacts, default=0)} to {max(contacts, default=0)}, "
            f"{sum(contacts)} in all.")


def chart_filename(report: Report) -> str:
    return f"report-{report.group_slug}-{report.last_day.isoformat()}.png"


def chart_attachment(report: Report, png: bytes) -> Attachment:
    return Attachment(chart_filename(report), png, "image/png", alt_text=chart_alt_text(report))


# --- App Home ----------------------------------------------------------------------------------


def headline_text(found: Headline) -> str:
    rate = found.matching.rate
    parts = [f"Match rate {percent(rate)} (target {percent(rules.TARGET_MATCH_RATE)})"
             if rate is not None else "No students yet",
             f"{count(found.needs_checkin, 'relationship needs', 'relationships need')} a "
             "check-in",
             f"{count(found.letters_at_risk, 'letter')} at risk"]
    return " · ".join(parts)


def headline_sections(found: Sequence[Headline]) -> tuple[Section, ...]:
    """One section per organized group, each with a button for the full report."""
    return tuple(
        Section(heading=f"{h.group_name}: program health", text=headline_text(h),
                actions=(specs.REPORT.action("Full report", {"group": h.group_slug},
                                             style="primary"),))
        for h in found)

