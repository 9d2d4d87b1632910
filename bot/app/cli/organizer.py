"""`mentorbot organizer add EMAIL --group SLUG`: how a group's first organizer is made."""

from __future__ import annotations

import argparse

from sqlalchemy import func, select

from bot.app.cli.common import database, fail
from bot.framework.errors import UserError
from bot.groups import store as groups
from bot.infra.clock import SystemClock
from bot.infra.models import InterestGroup, Person
from bot.people.resolve import EMAIL


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    org = sub.add_parser("organizer", help="manage group organizers",
                         description="Manage group organizers.")
    verbs = org.add_subparsers(dest="organizer_verb", metavar="VERB")
    verbs.required = True
    add = verbs.add_parser(
        "add", help="make a person an organizer of a group (creating the group if needed)",
        description="Make the person with EMAIL an organizer of the group SLUG. The group is "
        "created if it does not exist; the person is created if unknown.")
    add.add_argument("email")
    add.add_argument("--group", required=True, metavar="SLUG")
    add.add_argument("--name", help="display name when the group is created")
    add.add_argument("--specialty", default="", help="specialty when the group is created")
    add.set_defaults(func=add_organizer)


def add_organizer(args: argparse.Namespace) -> int:
    email = args.email.strip().lower()
    if not EMAIL.match(email):
        return fail(f"“{args.email}” is not an email address.")
    now = SystemClock().now()
    try:
        with database().session() as session:
            slug = groups.check_slug(args.group)
            group = session.scalar(select(InterestGroup).where(InterestGroup.slug == slug))
            if group is None:
                name = args.name or slug.replace("-", " ").title()
                group = groups.create_group(session, slug, name=name,
                                            specialty=args.specialty, now=now)
                print(f"Created group {slug}.")
            person = session.scalar(select(Person).where(func.lower(Person.email) == email))
            if person is None:
                person = Person(name=email.split("@")[0].replace(".", " ").title(),
                                email=email, created_at=now)
                session.add(person)
                session.flush()
                print(f"Added {person.name} <{email}>.")
            if groups.make_organizer(session, person, group):
                print(f"{person.name} is now an organizer of {group.slug}.")
            else:
                print(f"{person.name} already organizes {group.slug}.")
    except UserError as exc:
        return fail(exc.message)
    return 0
