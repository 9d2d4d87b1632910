"""`mentorbot programs import CSV [--group SLUG]`, `mentorbot programs list [--specialty S]
[--json]` and `mentorbot residency plan EMAIL [--count N] [--json]`: a group's residency
program list from the command line, and a student's plan as text or JSON (the same plan
`/residency plan` shows). Import is all-or-nothing, like the roster's; list and plan only
read."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app.cli.common import clock, database, fail
from bot.app.cli.nudges import parse_moment
from bot.errors import UserError
from bot.groups.roster import RosterError
from bot.groups.store import find_group
from bot.infra.models import InterestGroup, Person
from bot.infra.schema import Purpose
from bot.infra.settings import get_settings
from bot.infra.zones import local_day
from bot.people.resolve import EMAIL
from bot.residency import export, importing, messages, rules, store


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    programs = sub.add_parser(
        "programs", help="a group's residency program list: import a CSV, or list it",
        description="A group's residency program list, which /residency plan draws on.")
    verbs = programs.add_subparsers(dest="programs_verb", metavar="VERB")
    verbs.required = True
    load = verbs.add_parser(
        "import", help="import programs from a CSV file, all-or-nothing",
        description="Create or update a group's residency programs from CSV. Columns: "
        f"{','.join(importing.COLUMNS)}. Required: {', '.join(importing.REQUIRED)}. "
        "specialty is read through the specialty vocabulary (EM, emergency medicine); state "
        "is a US two-letter code (the region is derived); type is "
        f"{' | '.join(t.value for t in importing.ProgramType)}; visa is none, j1, h1b or "
        "both (j1;h1b); takes_do, takes_img and signals are yes or no; step2_mean is "
        f"{rules.STEP2_RANGE[0]}–{rules.STEP2_RANGE[1]}; portal is ERAS or ResidencyCAS. "
        "An empty cell is \"not stated\" (and leaves a stored value alone). If any row has "
        "a problem, every bad row is listed with its row number (the header is row 1) and "
        "nothing is written.")
    load.add_argument("file", metavar="CSV", type=Path, help="the program list")
    load.add_argument("--group", metavar="SLUG",
                      help="the group whose list it is (needed when there are several)")
    load.set_defaults(func=run_import)
    show = verbs.add_parser(
        "list", help="the program lists as stored",
        description="Every stored program, by group. Reads only.")
    show.add_argument("--specialty", metavar="S", help="only this specialty (EM, IM…)")
    show.add_argument("--json", action="store_true", help="print JSON instead of text")
    show.set_defaults(func=run_list)

    residency = sub.add_parser(
        "residency", help="a student's residency plan",
        description="A student's residency plan, as /residency plan shows it.")
    rverbs = residency.add_subparsers(dest="residency_verb", metavar="VERB")
    rverbs.required = True
    plan = rverbs.add_parser(
        "plan", help="the plan of the student with EMAIL (text or JSON)",
        description="The residency plan of the student with EMAIL: how many programs, which "
        "(tiered), signals, letters per program, fee and dates, with every figure's cycle "
        "and source. Reads only.")
    plan.add_argument("email")
    plan.add_argument("--count", type=_count, metavar="N",
                      help=f"plan for N programs (1–{rules.MAX_COUNT})")
    plan.add_argument("--json", action="store_true",
                      help="print JSON (keys: cycle, profile, count, programs, signals, fee, "
                      "dates, warnings, sources…)")
    plan.add_argument("--at", type=parse_moment, metavar="ISO-DATETIME",
                      help="plan as of this moment (default: now)")
    plan.set_defaults(func=run_plan)


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 1 <= number <= rules.MAX_COUNT:
        raise argparse.ArgumentTypeError(f"--count must be between 1 and {rules.MAX_COUNT}")
    return number


def _group(session: Session, slug: str | None) -> InterestGroup:
    if slug:
        return find_group(session, slug)
    groups = list(session.scalars(select(InterestGroup).order_by(InterestGroup.slug)))
    if len(groups) == 1:
        return groups[0]
    if not groups:
        raise UserError("There is no group yet: create one with `mentorbot organizer add EMAIL "
                        "--group SLUG`.")
    raise UserError("Name the group with --group SLUG (groups: "
                    + ", ".join(g.slug for g in groups) + ").")


def run_import(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        return fail(f"Can't read {args.file}: {exc.strerror or exc}.")
    now = clock().now()
    try:
        rows = importing.read(data)
        with database().session() as session:
            result = store.import_programs(session, rows, _group(session, args.group), now=now)
    except RosterError as exc:
        return fail(f"{args.file}: {exc.message}")
    except UserError as exc:
        return fail(exc.message)
    print(result.summary())
    sys.stdout.flush()
    return 0


def run_list(args: argparse.Namespace) -> int:
    specialty = None
    if args.specialty:
        try:
            specialty = importing.parse_specialty(args.specialty)
        except ValueError as exc:
            return fail(f"--specialty: {exc}")
    with database(Purpose.READ).session() as session:
        found = store.all_programs(session, specialty=specialty)
        rows = [{"group": slug, "id": p.id, **{c: getattr(p, c) for c in importing.COLUMNS},
                 "region": p.region} for p, slug in found]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No programs stored" + (f" for {specialty}." if specialty else "."))
        return 0
    for row in rows:
        facts = [str(row["specialty"]), row["type"] or "", row["portal"] or "",
                 f"Step 2 CK mean {row['step2_mean']}" if row["step2_mean"] else "",
                 f"visa {row['visa']}" if row["visa"] else ""]
        where = ", ".join(x for x in (row["city"], row["state"]) if x)
        print(f"{row['group']}: {row['name']} ({where}) — {', '.join(f for f in facts if f)}")
    return 0


def run_plan(args: argparse.Namespace) -> int:
    email = args.email.strip().lower()
    if not EMAIL.match(email):
        return fail(f"“{args.email}” is not an email address.")
    now: datetime = args.at or clock().now()
    with database(Purpose.READ).session() as session:
        person = session.scalar(select(Person).where(func.lower(Person.email) == email))
        if person is None:
            return fail(f"No one with the email {email} is stored.")
        profile = store.profile_of(session, person.id)
        if profile is None or profile.specialty is None:
            return fail(f"{person.name} has no residency profile yet (/residency profile "
                        "specialty:…).")
        today = local_day(now, person.timezone or get_settings().default_timezone)
        plan, inputs = store.plan_for(session, person, profile, today=today, count=args.count)
        comments = store.comments_of(session, person.id)
    if args.json:
        print(json.dumps(export.plan_json(plan), indent=2, ensure_ascii=False))
        return 0
    reply = messages.plan_reply(plan, letters={x.id: x for x in inputs.letters},
                                comments=comments, page=1)
    print(reply.as_text())
    for page in range(2, -(-len(plan.programs) // messages.PAGE_SIZE) + 1):
        print()
        print(messages.plan_reply(plan, letters={x.id: x for x in inputs.letters},
                                  page=page).as_text())
    return 0
