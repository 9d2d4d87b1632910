"""`mentorbot organizer add EMAIL --group SLUG`: how a group's first organizer is made.

A group made here takes its display name and time zone from `--group-name` and `--tz`; at
a terminal it asks for those not given; otherwise it assumes them (the name from the slug,
the zone from the person's profile or the deployment's default) and says which it assumed
and how to change them, since a group named "Emig" whose digest runs on UTC is otherwise
only noticed once the first digest arrives at 3 a.m."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from rapidfuzz import process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app.cli.common import clock, database, fail
from bot.errors import UserError
from bot.framework import text
from bot.groups import store as groups
from bot.infra.models import InterestGroup, Person
from bot.infra.settings import get_settings
from bot.infra.zones import UnknownTimeZone, validate_zone
from bot.people import store as people
from bot.people.messages import look_alike_name, same_name
from bot.people.resolve import EMAIL
from bot.people.rules import Likeness, name_clashes, name_problem, normalize_name


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    org = sub.add_parser("organizer", help="manage group organizers",
                         description="Manage group organizers.")
    verbs = org.add_subparsers(dest="organizer_verb", metavar="VERB")
    verbs.required = True
    add = verbs.add_parser(
        "add", help="make a person an organizer of a group (creating the group if needed)",
        description="Make the person with EMAIL an organizer of the group SLUG. The group is "
        "created if it does not exist. EMAIL must be on a roster (mentorbot import …), so "
        "a typo never creates an organizer; give --name to add someone who is not.")
    add.add_argument("email")
    add.add_argument("--group", required=True, metavar="SLUG")
    add.add_argument("--name", help="the person's name, to add someone on no roster")
    add.add_argument("--group-name", help="the group's display name, when it is created "
                     "(asked at a terminal; else made from the slug, and said so)")
    add.add_argument("--tz", metavar="ZONE", help="the group's time zone (its digest's day "
                     "and hour), e.g. America/New_York, when it is created (asked at a "
                     "terminal; else the person's zone or DEFAULT_TIMEZONE, and said so)")
    add.add_argument("--specialty", default="", help="the group's specialty, when it is "
                     "created")
    add.set_defaults(func=add_organizer)


def add_organizer(args: argparse.Namespace) -> int:
    email = args.email.strip().lower()
    if not EMAIL.match(email):
        return fail(f"“{args.email}” is not an email address.")
    now = clock().now()
    try:
        with database().session() as session:
            person = session.scalar(select(Person).where(func.lower(Person.email) == email))
            name = _checked_name(session, args.name or "", email) if person is None else ""
            if person is None and not name:
                close = _close_emails(session, email)
                hint = f" Did you mean {' or '.join(close)}?" if close else ""
                raise UserError(f"No one with the email {email} is on a roster.{hint} Import "
                                "them first (mentorbot import faculty|students FILE.csv), or "
                                "give their name with --name to add them.")
            slug = groups.check_slug(args.group)
            group = session.scalar(select(InterestGroup).where(InterestGroup.slug == slug))
            if group is None:
                shape = _new_group_shape(args, slug, person)
                group = groups.create_group(session, slug, name=shape.name,
                                            specialty=args.specialty, tz=shape.tz, now=now)
                print(f"Created group {slug} (“{group.name}”, time zone {group.timezone}).")
                if shape.assumed:
                    print(assumed_note(slug, shape))
            if person is None:
                person = people.create_person(session, name=name, email=email, now=now)
                print(f"Added {person.name} <{email}>.")
            if groups.make_organizer(session, person, group, now):
                print(f"{person.name} is now an organizer of {group.slug}.")
            else:
                print(f"{person.name} already organizes {group.slug}.")
    except UserError as exc:
        return fail(exc.message)
    return 0


@dataclass(frozen=True)
class GroupShape:
    """A new group's display name and time zone, and which of them were assumed (neither
    given as a flag nor answered at the prompt), each with where it came from."""

    name: str
    tz: str
    assumed: tuple[tuple[str, str], ...] = ()  # (what, where it came from)


def _new_group_shape(args: argparse.Namespace, slug: str, person: Person | None) -> GroupShape:
    """The name and zone of the group about to be made: the flags; at a terminal, answers
    to a question for each flag not given (Enter keeps the suggestion shown); otherwise the
    suggestions, reported as assumed. Checked before anything is written."""
    name_default = slug.replace("-", " ").title()
    own_zone = person.timezone if person is not None else None
    tz_default = own_zone or get_settings().default_timezone
    tz_source = (f"{person.name}'s time zone" if own_zone and person is not None
                 else "the deployment's DEFAULT_TIMEZONE")
    asking = sys.stdin.isatty()
    assumed: list[tuple[str, str]] = []
    name = args.group_name
    if name is None and asking:
        name = _ask(f"Display name for the group {slug}", name_default)
    if name is None:
        name = name_default
        assumed.append(("name", "made from the slug"))
    tz = args.tz
    if tz is None and asking:
        tz = _ask(f"Time zone of {slug} (its digest's day and hour)", tz_default)
    if tz is None:
        tz = tz_default
        assumed.append(("time zone", tz_source))
    try:
        zone = validate_zone(tz)
    except UnknownTimeZone as exc:
        raise UserError(f"--tz: {exc}. Nothing was changed.") from None
    return GroupShape(name=groups.check_group_name(name) or name_default, tz=zone,
                      assumed=tuple(assumed))


def _ask(question: str, suggestion: str) -> str:
    sys.stdout.write(f"{question} [{suggestion}]: ")
    sys.stdout.flush()
    return sys.stdin.readline().strip() or suggestion


def assumed_note(slug: str, shape: GroupShape) -> str:
    """What was assumed for a new group, and how to change it."""
    values = {"name": f"the name “{shape.name}”", "time zone": f"the time zone {shape.tz}"}
    said = " and ".join(f"{values[what]} ({source})" for what, source in shape.assumed)
    flags = " and ".join({"name": "--group-name", "time zone": "--tz"}[what]
                         for what, _ in shape.assumed)
    options = " ".join({"name": 'name:"…"', "time zone": "tz:America/New_York"}[what]
                       for what, _ in shape.assumed)
    return (f"Assumed {said}, since {flags} {'was' if len(shape.assumed) == 1 else 'were'} "
            f"not given. An organizer changes {'it' if len(shape.assumed) == 1 else 'them'} "
            f"with /mentor group settings {slug} {options}.")


def _checked_name(session: Session, typed: str, email: str) -> str:
    """The --name of someone being added, as the roster would take it: the text policy,
    every kind of space one space, no invisible character, and not written with look-alike
    letters of someone else's name (refused); the same name as someone else's is printed
    beside theirs, as an import flags it."""
    name = normalize_name(text.clean("name", typed))
    if not name:
        return ""
    if (problem := name_problem(name, "--name")) is not None:
        raise UserError(f"{problem}.")
    for clash in name_clashes([(0, name, email)],
                              session.execute(select(Person.name, Person.email))):
        if clash.likeness == Likeness.LOOK_ALIKE:
            raise UserError(f"{look_alike_name(clash, '--name')}. Nothing was changed.")
        print(f"Note: {same_name(clash, '--name')}.")
    return name


def _close_emails(session: Session, email: str) -> list[str]:
    emails = [e for e in session.scalars(select(Person.email)) if e]
    return [match[0] for match in process.extract(email, emails, limit=2, score_cutoff=85)]
