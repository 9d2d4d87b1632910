"""`mentorbot person export EMAIL [--out FILE]` and `mentorbot person delete EMAIL [--yes]`:
what an organizer does when someone asks, by email or in person, to see or delete their
data. The same export and deletion as `/mentor privacy`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app.cli.common import clock, database, fail
from bot.infra.models import Person
from bot.infra.schema import Purpose
from bot.infra.settings import get_settings
from bot.people.resolve import EMAIL, display
from bot.privacy import erasure, export, messages, references, rules


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    person = sub.add_parser(
        "person", help="export or delete everything stored about a person",
        description="Export or delete everything mentorbot stores about one person, found "
        "by email (what /mentor privacy export and /mentor privacy delete do for them).")
    verbs = person.add_subparsers(dest="person_verb", metavar="VERB")
    verbs.required = True
    out = verbs.add_parser(
        "export", help="everything stored about a person, as JSON",
        description="Print everything stored about the person with EMAIL as one JSON "
        "document (or write it to --out FILE). Reads only; changes nothing.")
    out.add_argument("email")
    out.add_argument("--out", metavar="FILE", type=Path,
                     help="write the JSON to FILE instead of standard output")
    out.set_defaults(func=export_person)
    gone = verbs.add_parser(
        "delete", help="delete a person's data (the same as /mentor privacy delete)",
        description="Delete everything stored about the person with EMAIL, in one "
        "transaction. Their mentors and mentees are told the mentorship ended; students "
        "waiting on an intro request to them are offered others (delivered by the running "
        "bot). The deletion is recorded: when, and that it was done here, never whose. "
        "Asks to type the email again unless --yes is given.")
    gone.add_argument("email")
    gone.add_argument("--yes", action="store_true",
                      help="do not ask for confirmation (for scripts)")
    gone.set_defaults(func=delete_person)


def _email(text: str) -> str | None:
    email = text.strip().lower()
    return email if EMAIL.match(email) else None


def _find(session: Session, email: str) -> Person | None:
    return session.scalar(select(Person).where(func.lower(Person.email) == email))


def export_person(args: argparse.Namespace) -> int:
    email = _email(args.email)
    if email is None:
        return fail(f"“{args.email}” is not an email address.")
    now = clock().now()
    with database(Purpose.READ).session() as session:
        person = _find(session, email)
        if person is None:
            return fail(f"No one with the email {email} is stored.")
        content = export.export_bytes(session, person.id, now=now)
    if args.out is None:
        sys.stdout.write(content.decode("utf-8"))
        return 0
    try:
        args.out.write_bytes(content)
    except OSError as exc:
        return fail(f"Could not write {args.out}: {exc.strerror or exc}.")
    print(f"Wrote {args.out} ({len(content)} bytes).")
    return 0


def _confirmed(email: str, counts: dict[str, int]) -> bool:
    if not sys.stdin.isatty():
        return False
    rows = sum(counts.values())
    sys.stdout.write(f"This deletes {email} and {rows} rows naming them, for good.\n"
                     "Type the email again to confirm: ")
    sys.stdout.flush()
    return sys.stdin.readline().strip().lower() == email


def delete_person(args: argparse.Namespace) -> int:
    email = _email(args.email)
    if email is None:
        return fail(f"“{args.email}” is not an email address.")
    now = clock().now()
    with database().session() as session:
        person = _find(session, email)
        if person is None:
            return fail(f"No one with the email {email} is stored; nothing was deleted.")
        if not args.yes and not _confirmed(email, references.counts(session, person.id)):
            return fail("Not confirmed; nothing was deleted. Give --yes to delete without "
                        "being asked.")
        who = display(person)
        erased = erasure.erase_person(session, person, requested_by=rules.Requester.CLI,
                                      now=now, default_tz=get_settings().default_timezone)
    print(f"{who}: " + messages.deleted_by_organizer(erased.mentorships_ended,
                                                     erased.requests_closed))
    return 0
