"""`/mentor profile`: show or set one's own profile."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.framework.context import Context
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Field, Reply
from bot.infra.dates import parse_day
from bot.infra.models import FacultyProfile, Person
from bot.infra.zones import UnknownTimeZone, format_day, format_local, local_day, validate_zone
from bot.matching import availability, finder
from bot.matching import availability_messages as availability_say
from bot.matching.fit import away_on, free_places
from bot.nudges.quiet_hours import DEFAULT_QUIET_HOURS, normalize_quiet_hours
from bot.people import messages as say
from bot.people import specs, store
from bot.people.rules import MAX_AWAY, check_specialty
from bot.vocab import platforms
from bot.vocab.stages import normalize_stage

commands = CommandSet()


@commands.handler(specs.PROFILE)
def profile(ctx: Context, args: Args) -> Reply:
    person = ctx.actor
    if not args:
        return _show(person, title="Your profile", now=ctx.now, tz=ctx.tz)
    _set_common(person, args)
    _set_student(person, args)
    notes = _set_faculty(ctx.session, person, args, now=ctx.now, tz=ctx.tz)
    ctx.session.flush()
    return _show(person, title="Profile updated", now=ctx.now, tz=ctx.tz, notes=notes)


def _set_common(person: Person, args: Args) -> None:
    if "tz" in args:
        try:
            store.set_timezone(person, validate_zone(args["tz"]))
        except UnknownTimeZone as exc:
            raise UserError(f"tz: {exc}.") from None
    if "quiet" in args:
        store.set_quiet_hours(person, normalize_quiet_hours(args["quiet"]))
    if "notify" in args:
        store.set_notify_platform(person, _notify_choice(person, args["notify"]))


def _notify_choice(person: Person, choice: str) -> str | None:
    """The platform `notify:` chose, which must be one the person has an account on (else
    nudges could not follow the choice); `last` clears the choice."""
    if choice == specs.NOTIFY_LAST:
        return None
    if not any(i.platform == choice for i in person.identities):
        raise UserError(f"notify: you have no {platforms.label(choice)} account linked yet. "
                        f"Type /mentor link here for a one-time code, then /mentor link CODE "
                        f"in {platforms.label(choice)}.")
    return choice


def _notify_text(person: Person) -> str:
    if person.notify_platform:
        return f"{platforms.label(person.notify_platform)} (your choice)"
    if person.last_platform:
        return f"{platforms.label(person.last_platform)}, where you used me last"
    return "where you use me"


def _set_student(person: Person, args: Args) -> None:
    given = [name for name in specs.PROFILE_STUDENT if name in args]
    if not given:
        return
    if not person.is_student:
        raise UserError(f"{given[0]}: is for students' profiles.")
    store.set_student_profile(person, {
        "stage": normalize_stage(args["stage"]) if "stage" in args else None,
        "interests": args.get("interests"), "research": args.get("research"),
        "wants_mentor": args.get("looking")})


_NO = {"no", "none", "off", "back", "n"}


def _set_faculty(session: Session, person: Person, args: Args, *, now: datetime,
                 tz: str) -> list[str]:
    """Apply the faculty options; returns notes for the reply (a warning is not a refusal:
    an unknown specialty is kept as typed, a capacity under current mentees is kept)."""
    given = [name for name in specs.PROFILE_FACULTY if name in args]
    if not given:
        return []
    if not person.is_faculty:
        raise UserError(f"{given[0]}: is for faculty profiles.")
    away = _away_day(args["away"], now=now, tz=tz) if "away" in args else None
    notes: list[str] = []
    specialty = None
    if "specialty" in args:
        check = check_specialty(args["specialty"])
        if not check.stored:
            raise UserError("specialty: needs a specialty, e.g. specialty:\"emergency medicine\".")
        specialty = check.stored
        if not check.known:
            notes.append(say.unknown_specialty(check))
    store.set_faculty_profile(person, {"specialty": specialty,
                                       "capacity": args.get("capacity"),
                                       "office_hours": args.get("office-hours")}, now=now)
    faculty = person.faculty_profile
    assert faculty is not None
    if "capacity" in args:
        mentees = finder.active_counts(session, [person.id]).get(person.id, 0)
        if mentees and free_places(faculty.capacity, mentees) == 0:
            notes.append(availability_say.capacity_below_mentees(faculty.capacity, mentees))
    if "accepting" in args:
        store.set_accepting(faculty, args["accepting"], now=now)
        availability.close_question(session, person.id)
    if "away" in args:
        store.set_away(faculty, away)
        availability.close_question(session, person.id)
        notes.append(availability_say.away_set(away) if away else availability_say.away_ended())
    return notes


def _away_day(text: str, *, now: datetime, tz: str) -> date | None:
    """`away:` as the day they are back: a date after today and at most `MAX_AWAY` ahead,
    or None for `away:no`."""
    if text.strip().lower() in _NO:
        return None
    day = parse_day(text, tz=tz, now=now, when="future", what="away:")
    today = local_day(now, tz)
    if day <= today:
        raise UserError(availability_say.away_not_after_today(day))
    if day > today + MAX_AWAY:
        raise UserError(availability_say.away_too_far(MAX_AWAY.days))
    return day


def _show(person: Person, *, title: str, now: datetime, tz: str,
          notes: list[str] | None = None) -> Reply:
    fields = [
        Field("Name", person.name),
        Field("Email", person.email or "-"),
        Field("Roles", ", ".join(sorted({r.role for r in person.roles})) or "-"),
        Field("Time zone", person.timezone or f"not set (using {tz})"),
        Field("Quiet hours", person.quiet_hours or f"{DEFAULT_QUIET_HOURS} (default)"),
        Field("Nudges go to", _notify_text(person)),
        Field("Local time now", format_local(now, tz)),
    ]
    student = person.student_profile
    if person.is_student:
        fields += [
            Field("Stage", (student.stage if student else None) or "not set"),
            Field("Interests", "; ".join(student.interests) if student and student.interests
                  else "not set"),
            Field("Research", "; ".join(student.research) if student and student.research
                  else "not set"),
            Field("Looking for a mentor", "yes" if student and student.wants_mentor else "no"),
        ]
    faculty = person.faculty_profile
    if faculty is not None:
        fields += [
            Field("Specialty", faculty.specialty or "-"),
            Field("Title", faculty.title or "-"),
            Field("Research", "; ".join(faculty.research) or "-"),
            Field("Accepting mentees", "yes" if faculty.accepting else "no"),
            Field("Away", f"until {format_day(faculty.away_until)}"
                  if not _back(faculty, now, tz) and faculty.away_until else "no"),
            Field("Capacity", str(faculty.capacity)),
            Field("Works with", ", ".join(faculty.stages) or "all stages"),
            Field("Office hours", faculty.office_hours or "-"),
        ]
    hint = "" if person.timezone else "Set your time zone so nudges arrive in your daytime: " \
        "/mentor profile tz:America/New_York"
    return Reply(title=title, text="\n".join(n for n in (*(notes or ()), hint) if n),
                 fields=tuple(fields))


def _back(faculty: FacultyProfile, now: datetime, tz: str) -> bool:
    return not away_on(faculty.away_until, local_day(now, tz))
