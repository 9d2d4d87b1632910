"""The web pages' side of the core: what `adapters.web` asks for, in plain values. Each
method is one unit of work; the adapter never opens a database session and never decides
who may see what.

- `open_link`: a link from chat becomes a session (or a refusal: tampered 403, expired or
  reused 410, its person no longer allowed 403).
- `visitor`: the session cookie, checked at every request: signed by us, not past its time,
  its person still there and still allowed (an organizer of the group, or the student).
- `dashboard` / `report_csv`: the report (`bot.reports`: the one source of its figures)
  for the visitor's group only, filtered by weeks, stage and mentor kind.
- `plan`, `plan_action`: the visitor's own residency plan, through a `PlanSource`.

Where features meet (the report, the groups, the people, the residency plan), so it lives
in the assembly."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.app.nudges import nudge_catalog
from bot.errors import NotAllowed, NotFound, UserError
from bot.infra.clock import Clock
from bot.infra.db import Database
from bot.infra.models import InterestGroup, Person
from bot.infra.settings import Settings
from bot.nudges.kinds import NudgeCatalog
from bot.pages.port import Filters, Opened, Visitor, page_path
from bot.reports import dashboard as dashboard_view
from bot.reports import export, store
from bot.reports.rules import Report, Scope
from bot.residency.page import ResidencyPlans
from bot.vocab.mentoring import MENTOR_KINDS
from bot.vocab.stages import STAGES
from bot.web import links, plan, rules
from bot.web.plan import PlanSource, PlanView
from bot.web.rules import Grant, Page, Purpose, Refusal

PLAN_ACTIONS = ("add", "drop", "signal")
REPORT_FRESH = timedelta(minutes=1)
"""A dashboard's figures are counted at most once a minute per group and filters: within
it, the page, its CSV and a reload show the same report."""
KEPT_REPORTS = 32
"""Reports kept for REPORT_FRESH, the least recently used dropped first."""


def plan_source(settings: Settings | None = None) -> PlanSource | None:
    """The residency plan the plan page shows, supplied by the residency feature
    (`bot.residency.page`); None would refuse plan links with a clear message."""
    return ResidencyPlans(settings)


class WebPages:
    def __init__(self, db: Database, clock: Clock, settings: Settings, *,
                 plans: PlanSource | None = None, catalog: NudgeCatalog | None = None
                 ) -> None:
        self.db = db
        self.catalog = catalog if catalog is not None else nudge_catalog()
        self.clock = clock
        self.settings = settings
        self.plans = plans
        self._key: str | None = None
        self._lock = threading.Lock()
        self._reports: OrderedDict[tuple[int, int, Scope], Report] = OrderedDict()

    STAGES = STAGES
    KINDS = MENTOR_KINDS

    @property
    def public_url(self) -> str:
        return self.settings.public_url or ""

    @property
    def secure(self) -> bool:
        """Cookies only over HTTPS when the pages are served over HTTPS."""
        return (self.settings.public_url or "").startswith("https://")

    def key(self) -> str:
        """The signing key (made and stored on first use when WEB_SECRET is not set; it
        never changes after, so each process keeps it once read)."""
        if self._key is None:
            with self.db.session() as session:
                self._key = links.signing_key(session, self.settings, self.clock.now())
        return self._key

    # --- links and sessions ---------------------------------------------------------------

    def open_link(self, token: str) -> Opened | Refusal:
        now = self.clock.now()
        with self.db.session() as session:
            found = links.redeem(session, self.settings, token, now)
            if isinstance(found, Refusal):
                return found
            group = self._allowed(session, found)
            if group is None and found.page == Page.REPORT:
                return Refusal.NOT_ALLOWED
            if found.page == Page.PLAN and not self._may_plan(session, found):
                return Refusal.NOT_ALLOWED
            return Opened(found, rules.sign(self.key(), found, Purpose.SESSION),
                          page_path(found, group.slug if group else None))

    def visitor(self, page: Page, cookie: str | None) -> Visitor | Refusal | None:
        """The session in `cookie`, for `page`: None when there is none (or it ran out: a
        new link is needed), a refusal when it is not ours or its person lost the right."""
        if not cookie:
            return None
        grant = rules.read(self.key(), cookie, Purpose.SESSION)
        if grant is None or grant.page != page:
            return Refusal.TAMPERED
        if grant.expired(self.clock.now()):
            return None
        with self.db.session() as session:
            person = session.get(Person, grant.person_id)
            if person is None:
                return Refusal.NOT_ALLOWED
            if page == Page.REPORT:
                group = self._allowed(session, grant)
                if group is None:
                    return Refusal.NOT_ALLOWED
                return Visitor(grant, person.name, group.slug, group.name,
                               rules.csrf_token(self.key(), grant))
            if not self._may_plan(session, grant):
                return Refusal.NOT_ALLOWED
            return Visitor(grant, person.name, None, None, rules.csrf_token(self.key(), grant))

    def csrf_ok(self, visitor: Visitor, token: str) -> bool:
        return rules.csrf_ok(self.key(), visitor.grant, token)

    def note(self, text: str) -> str:
        return rules.sign_note(self.key(), text, self.clock.now())

    def read_note(self, token: str | None) -> str | None:
        return rules.read_note(self.key(), token, self.clock.now()) if token else None

    @staticmethod
    def _allowed(session: Session, grant: Grant) -> InterestGroup | None:
        """The group a report grant is for, while its person may still see it."""
        if grant.page != Page.REPORT or grant.group_id is None:
            return None
        person = session.get(Person, grant.person_id)
        group = session.get(InterestGroup, grant.group_id)
        if person is None or group is None:
            return None
        if grant.via_admin or person.has_role("organizer", group.id):
            return group
        return None

    def _may_plan(self, session: Session, grant: Grant) -> bool:
        person = session.get(Person, grant.person_id)
        return self.plans is not None and person is not None and person.is_student

    # --- the dashboard ----------------------------------------------------------------------

    def _group_report(self, visitor: Visitor, slug: str, filters: Filters) -> Report:
        """The report of the visitor's group with these filters: computed afresh, or the
        one computed for the same group and filters less than REPORT_FRESH ago, so a reload,
        the CSV of what is shown and a step back to earlier filters show the same figures
        (the page says when they were computed) without counting everything again."""
        if slug != visitor.group_slug:
            raise NotAllowed("This page is for the group your link was made for.")
        group_id = visitor.grant.group_id
        assert group_id is not None
        key = (group_id, filters.weeks, filters.scope)
        now = self.clock.now()
        with self._lock:
            kept = self._reports.get(key)
        if kept is not None and timedelta(0) <= now - kept.period.end < REPORT_FRESH:
            return kept
        with self.db.session() as session:
            group = session.get_one(InterestGroup, group_id)
            found = store.report(session, group, now, self.catalog, weeks=filters.weeks,
                                 default_tz=self.settings.default_timezone,
                                 scope=filters.scope)
        with self._lock:
            self._reports[key] = found
            self._reports.move_to_end(key)
            while len(self._reports) > KEPT_REPORTS:
                self._reports.popitem(last=False)
        return found

    def dashboard(self, visitor: Visitor, slug: str, filters: Filters
                  ) -> dashboard_view.Dashboard:
        return dashboard_view.build(self._group_report(visitor, slug, filters))

    def report_csv(self, visitor: Visitor, slug: str, filters: Filters) -> tuple[str, str]:
        """(file name, CSV text) of what the dashboard shows with these filters."""
        found = self._group_report(visitor, slug, filters)
        return dashboard_view.csv_filename(found), export.as_csv(found)

    # --- the plan ---------------------------------------------------------------------------

    def plan(self, visitor: Visitor) -> PlanView:
        source = self._source()
        with self.db.session() as session:
            return source.view(session, visitor.grant.person_id, self.clock.now())

    def plan_csv(self, visitor: Visitor) -> tuple[str, str]:
        view = self.plan(visitor)
        day = self.clock.now().date().isoformat()
        return f"residency-plan-{day}.csv", plan.as_csv(view)

    def plan_action(self, visitor: Visitor, action: str, key: str, tier: str = "") -> str:
        """Add, drop or signal a program; returns what was done. A refusal (UserError)
        changes nothing."""
        source = self._source()
        if action not in PLAN_ACTIONS:
            raise NotFound(f"There is no “{action}” on the plan page.")
        if not key:
            raise UserError("Choose a program first.")
        now = self.clock.now()
        with self.db.session() as session:
            person = visitor.grant.person_id
            if action == "add":
                return source.add(session, person, key, now)
            if action == "drop":
                return source.drop(session, person, key, now)
            if tier not in plan.SIGNAL_TIERS:
                raise UserError(f"tier: “{tier}” is not a signal (one of "
                                f"{', '.join(plan.SIGNAL_TIERS)}).")
            return source.signal(session, person, key, tier, now)

    def _source(self) -> PlanSource:
        if self.plans is None:
            raise NotFound("The residency plan is not part of this installation.")
        return self.plans
