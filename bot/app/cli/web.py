"""`mentorbot web link EMAIL --page report|plan [--group SLUG]`: a one-time link to a web
page for someone, printed (to send by hand, or to open yourself on a server with no chat
platform). The same link, and the same checks, as `/mentor report web` and `/residency plan
web`: an organizer of the group for the dashboard, the student themself for the plan."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app.cli.common import clock, database, fail
from bot.app.web import plan_source
from bot.errors import NotAllowed, UserError
from bot.groups import store as groups
from bot.infra.models import InterestGroup, Person
from bot.infra.settings import Settings, get_settings
from bot.infra.zones import format_local
from bot.people.resolve import EMAIL
from bot.web import links
from bot.web import messages as web_messages
from bot.web.rules import Page


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    web = sub.add_parser("web", help="links to the web pages",
                         description="Links to the web pages (PUBLIC_URL must be set).")
    verbs = web.add_subparsers(dest="web_verb", metavar="VERB")
    verbs.required = True
    link = verbs.add_parser(
        "link", help="print a one-time link to a person's web page",
        description="Print a link that opens a web page for the person with EMAIL: "
        "--page report, the dashboard of a group they organize (--group SLUG, or the only "
        "group they organize); --page plan, their own residency plan (students). It works "
        f"once, within {web_messages.lifetime_text()}.")
    link.add_argument("email", metavar="EMAIL", help="the person the link is for")
    link.add_argument("--page", required=True, choices=[p.value for p in Page],
                      help="report: a group's dashboard (organizers); plan: the student's own plan")
    link.add_argument("--group", metavar="SLUG", help="the group (--page report)")
    link.set_defaults(func=print_link)


@dataclass(frozen=True)
class Made:
    url: str
    expires_at: datetime
    tz: str


def make_link(session: Session, settings: Settings, email: str, page: Page,
              group_slug: str | None, now: datetime) -> Made:
    """The link, after the page's own checks; a UserError says why there is none."""
    cleaned = email.strip().lower()
    if not EMAIL.match(cleaned):
        raise UserError(f"“{email}” is not an email address.")
    person = session.scalar(select(Person).where(func.lower(Person.email) == cleaned))
    if person is None:
        raise UserError(f"No one with the email {cleaned} is known to mentorbot.")
    tz = person.timezone or settings.default_timezone
    if page == Page.PLAN:
        if group_slug:
            raise UserError("--group is for --page report: a plan is the student's own.")
        if not person.is_student:
            raise NotAllowed(f"{person.name} is not a student: the plan page is a student's.")
        if plan_source() is None:
            raise UserError("The residency plan is not part of this installation, so there "
                            "is no plan page to link to.")
        issued = links.issue(session, settings, person_id=person.id, page=page,
                             group_id=None, now=now)
        return Made(issued.url, issued.grant.expires_at, tz)
    group = _group(session, person, group_slug)
    groups.require_organizer(person, group, admin=None)
    issued = links.issue(session, settings, person_id=person.id, page=page,
                         group_id=group.id, now=now)
    return Made(issued.url, issued.grant.expires_at, tz)


def _group(session: Session, person: Person, slug: str | None) -> InterestGroup:
    if slug:
        return groups.find_group(session, slug)
    runs = groups.organized_by(session, person.id)
    if len(runs) == 1:
        return runs[0]
    if not runs:
        raise NotAllowed(f"{person.name} organizes no group, so has no dashboard.")
    raise UserError(f"{person.name} organizes several groups "
                    f"({', '.join(g.slug for g in runs)}): name one with --group SLUG.")


def print_link(args: argparse.Namespace) -> int:
    settings = get_settings()
    db = database()
    try:
        with db.session() as session:
            made = make_link(session, settings, args.email, Page(args.page), args.group,
                             clock().now())
    except UserError as exc:
        return fail(exc.message)
    finally:
        db.dispose()
    print(made.url)
    print(f"Works once, until {format_local(made.expires_at, made.tz)}. Send it only to "
          "its person.", file=sys.stderr)
    return 0
