"""`mentorbot shell [--as EMAIL]`: the console adapter."""

from __future__ import annotations

import argparse

from sqlalchemy import func, select

from bot.app.cli.common import core, creating_on_default, fail
from bot.app.demo import DEMO_STUDENT_EMAIL
from bot.infra.models import Person
from bot.infra.models import Role as RoleRow
from bot.vocab.people import Role


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    shell = sub.add_parser(
        "shell", help="the console adapter: one command per line from standard input",
        description="Run commands as a person, one per line from standard input (a prompt "
        "when it is a terminal); replies are printed as plain text. Exits 0 at end of input.")
    shell.add_argument("--as", dest="as_email", metavar="EMAIL",
                       help="act as this person (default: the demo student, else the first "
                       "student)")
    shell.set_defaults(func=run_shell)


def run_shell(args: argparse.Namespace) -> int:
    from adapters.console import Shell  # lazy: only this verb runs the console

    the_core = core(creating_on_default())
    with the_core.db.session() as session:
        person = pick_person(session, args.as_email)
        if person is None:
            if args.as_email:
                return fail(f"No one has the email {args.as_email}. Import them "
                            "(mentorbot import …) or load the demo (mentorbot demo).")
            return fail("There is no one in the database yet: run mentorbot demo, or "
                        "mentorbot import students FILE.csv.")
        actor_id, label = person.id, f"{person.name} <{person.email}>"
    shell = Shell(the_core, actor_id, label)
    if shell.router is not None:
        the_core.router = shell.router  # announcements print as channel posts
    return shell.run()


def pick_person(session, email: str | None) -> Person | None:  # type: ignore[no-untyped-def]
    if email:
        return session.scalar(select(Person).where(func.lower(Person.email) == email.lower()))

    demo = session.scalar(select(Person).where(Person.email == DEMO_STUDENT_EMAIL))
    if demo is not None:
        return demo
    return session.scalar(
        select(Person).join(RoleRow).where(RoleRow.role == Role.STUDENT).order_by(Person.id)
        .limit(1)
    )

