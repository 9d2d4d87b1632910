"""`mentorbot organizer add EMAIL --group SLUG`: how a group's first organizer is made."""

from __future__ import annotations

import argparse

from rapidfuzz import process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app.cli.common import clock, database, fail
from bot.errors import UserError
from bot.framework import text
from bot.groups import store as groups
from bot.infra.models import InterestGroup, Person
from bot.infra.settings import get_settings
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
    add.add_argument("--group-name", help="the group's display name, when it is created")
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
                group_name = args.group_name or slug.replace("-", " ").title()
                tz = (person.timezone if person is not None else None) \
                    or get_settings().default_timezone
                group = groups.create_group(session, slug, name=group_name,
                                            specialty=args.specialty, tz=tz, now=now)
                print(f"Created group {slug}.")
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
