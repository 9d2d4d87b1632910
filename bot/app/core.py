"""The core's front door: adapters hand it a request naming a stored person and get back a
platform-neutral reply. Each request is one unit of work; a refusal changes nothing.

`Core` implements `bot.framework.ports.CorePort`, everything an adapter may ask: besides
commands and buttons, who is behind an account, the App Home and profile form, whether a
platform event is new, a joined channel, a person's DM channel and the refused-DM policy
(`bot.nudges.policy`), and whom autocomplete may offer (`bot.people.directory`). Each is
its own unit of work here, so no adapter opens a database session."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.app.commands import default_registry
from bot.app.nudges import nudge_catalog
from bot.app.web import WebPages, plan_source
from bot.errors import UserError
from bot.framework.channels import ChannelRef, Router
from bot.framework.context import Context
from bot.framework.forms import Form
from bot.framework.ports import CorePort, JoinedGroup, Listed, PlatformUser, Request, Scope
from bot.framework.registry import Option, Registry
from bot.framework.replies import Action, Reply, error_reply
from bot.groups import store as groups
from bot.home.dashboard import dashboard
from bot.infra import events
from bot.infra.clock import Clock, SystemClock
from bot.infra.db import Database
from bot.infra.models import Person
from bot.infra.settings import Settings, get_settings
from bot.matching import finder
from bot.nudges import policy
from bot.nudges.kinds import NudgeCatalog
from bot.nudges.store import notices_caused, queue_notice
from bot.pages.port import WebPort
from bot.people import directory, identities
from bot.people import store as people
from bot.people.forms import profile_form
from bot.people.resolve import find_by_identity, names_match, resolve_in_request
from bot.reports.messages import headline_sections
from bot.reports.store import headlines
from bot.residency import store as residency_store
from bot.vocab.nudges import NudgeKind
from bot.vocab.platforms import PLATFORMS
from bot.web.plan import PlanSource
from jobs.budget import SendBudgets
from jobs.delivery import sweep

__all__ = ["Core", "PlatformUser", "Request"]  # the values adapters and tests name here

log = logging.getLogger(__name__)


@dataclass
class Core:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    settings: Settings = field(default_factory=get_settings)
    registry: Registry = field(default_factory=default_registry)
    # Every nudge kind's spec: how delivery words, holds and offers to snooze each kind.
    nudge_catalog: NudgeCatalog = field(default_factory=nudge_catalog)
    # The running adapters' channels, for posts to a group's channels (announcements); set
    # by whoever starts the adapters. Empty: nothing here can post to a channel.
    router: Router = field(default_factory=Router)
    _delivery_listeners: list[Callable[[], None]] = field(default_factory=list)
    _group_listeners: list[Callable[[], None]] = field(default_factory=list)
    # Accounts this process marked as refusing DMs: only a delivery to one of them needs a
    # write to clear the mark (every other DM costs nothing more).
    _refused: set[tuple[str, str, str]] = field(default_factory=set)
    _refused_lock: threading.Lock = field(default_factory=threading.Lock)
    _web: WebPages | None = None
    _budget: SendBudgets | None = None
    _budget_lock: threading.Lock = field(default_factory=threading.Lock)
    # Per thread, the moment of the last command it handled: what that command queued is
    # stamped with it (`deliver_notices`).
    _handled: threading.local = field(default_factory=threading.local)

    def __post_init__(self) -> None:
        # What this process's units of work change in faculty profiles reaches the
        # finder's in-memory index as they commit.
        self.db.on_commit(finder.faculty_committed)

    # --- commands ----------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        try:
            if request.options is not None:
                parsed = self.registry.parse_typed(request.root, request.path, request.options)
            else:
                parsed = self.registry.parse_line(request.root, request.text or "")
        except UserError as exc:
            return error_reply(exc.message, title=exc.title)
        callbacks: list[Callable[[], None]] = []
        try:
            with self.db.session() as session:
                actor = identities.acting_person(session, request.actor_id, request.account)
                if actor is None:
                    raise UserError("I don't know you yet. Ask an organizer to add you.")
                identities.record_platform(actor, request.channel)
                now = self.clock.now()
                ctx = Context(
                    session=session,
                    actor=actor,
                    now=now,
                    settings=self.settings,
                    registry=self.registry,
                    resolver=resolve_in_request,
                    exact_name=names_match,
                    channel=request.channel,
                    is_admin=request.is_admin,
                    account=request.account,
                    router=self.router,
                )
                self.registry.check_permission(ctx, parsed.spec)
                args = self.registry.bind(ctx, parsed)
                reply = self.registry.handler(parsed.spec)(ctx, args)
                for notice in ctx.notices:
                    queue_notice(session, notice.person.id, notice.reply, key=notice.key,
                                 now=now)
                callbacks = ctx.after_commit_callbacks()
                if ctx.notices or ctx.delivery_needed:
                    callbacks.append(self.poke_delivery)
                if ctx.groups_changed:
                    callbacks.append(self.groups_changed)
        except UserError as exc:
            return error_reply(exc.message, title=exc.title)
        except Exception:
            log.exception("command failed: /%s %s", request.root, request.text or request.path)
            return error_reply("Something went wrong on our side; nothing was changed.")
        self._handled.stamp = now
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback failed")
        return reply

    def handle_action(self, actor_id: int, encoded: str, *, channel: ChannelRef | None = None,
                      is_admin: bool = False, account: PlatformUser | None = None) -> Reply:
        """A button press: the action names a command and its typed options; it runs as the
        person who pressed it, with the same checks as if they had typed it."""
        try:
            command, args = Action.decode(encoded)
        except ValueError:
            return error_reply("That button is no longer understood.")
        root, *path = command.split()
        return self.handle(
            Request(root=root, actor_id=actor_id, path=tuple(path), options=args,
                    channel=channel, is_admin=is_admin, account=account)
        )

    # --- people ------------------------------------------------------------------------

    def identify(self, user: PlatformUser) -> int:
        """The person behind a platform account (see `bot.people.identities`)."""
        return identities.identify(self.db, user, now=self.clock.now())

    def holder(self, account: PlatformUser) -> int | None:
        """Who holds `account` now, without creating anyone: what an adapter checks its
        remembered answer against (a link or a deletion changes it)."""
        with self.db.session() as session:
            return identities.holder(session, account)

    # --- events ------------------------------------------------------------------------

    def first_time(self, platform: str, event_id: str, now: datetime | None = None) -> bool:
        """True the first time a platform event id (or a request signature) is seen
        (`bot.infra.events`): a retried delivery or a replay is handled once."""
        with self.db.session() as session:
            return events.first_time(session, platform, event_id, now or self.clock.now())

    def joined_channel(self, person_id: int, channel: ChannelRef) -> JoinedGroup | None:
        """Someone joined a channel: when it is a group's, they join the group. The group
        when that made them a new member."""
        with self.db.session() as session:
            person = session.get(Person, person_id)
            if person is None:
                return None
            group = groups.joined_channel(session, person, channel.platform,
                                          channel.workspace, channel.channel_id,
                                          self.clock.now())
            return JoinedGroup(group.name, group.slug) if group is not None else None

    # --- a person's own page -----------------------------------------------------------

    def home(self, person_id: int) -> Reply:
        """The person's dashboard; an organizer's starts with each group's headline
        numbers and a button for the full report. LookupError for no such person."""
        with self.db.session() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise LookupError(f"no person {person_id}")
            now = self.clock.now()
            reply = dashboard(session, person, now, self.settings)
            found = headlines(session, person.id, now,
                              default_tz=self.settings.default_timezone)
        if found:
            reply = replace(reply, sections=headline_sections(found) + reply.sections)
        return reply

    def profile_form(self, person_id: int) -> Form:
        """The `/mentor profile` form with the person's current values."""
        with self.db.session() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise LookupError(f"no person {person_id}")
            return profile_form(person)

    # --- direct messages ---------------------------------------------------------------

    @staticmethod
    def _account(account: PlatformUser) -> tuple[str, str, str]:
        return account.platform, account.workspace, account.external_id

    def dm_channel(self, account: PlatformUser) -> str | None:
        """The DM channel remembered for an account, if any."""
        with self.db.session() as session:
            return people.dm_channel(session, *self._account(account))

    def remember_dm_channel(self, account: PlatformUser, channel_id: str | None) -> None:
        """Remember (None: forget) the DM channel of an account."""
        with self.db.session() as session:
            people.remember_dm_channel(session, *self._account(account), channel_id)

    def remember_dm_channels(self, channels: Sequence[tuple[PlatformUser, str | None]]
                             ) -> None:
        """Remember the DM channels of several accounts in one unit of work (a channel
        that learned them while sending a wave of messages)."""
        with self.db.session() as session:
            people.remember_dm_channels(session, [(*self._account(account), channel_id)
                                                  for account, channel_id in channels])

    def dm_refused(self, account: PlatformUser) -> None:
        """The platform refused a direct message to `account` (`bot.nudges.policy`)."""
        key = self._account(account)
        with self.db.session() as session:
            people.mark_dm_blocked(session, *key, policy.refusal_mark(
                people.dm_blocked_at(session, *key), refused=True, now=self.clock.now()))
        with self._refused_lock:
            self._refused.add(key)

    def dm_delivered(self, account: PlatformUser) -> None:
        """A direct message to `account` went through (`bot.nudges.policy`)."""
        key = self._account(account)
        with self._refused_lock:
            if key not in self._refused:
                return
            self._refused.discard(key)
        with self.db.session() as session:
            people.mark_dm_blocked(session, *key, policy.refusal_mark(
                people.dm_blocked_at(session, *key), refused=False, now=self.clock.now()))

    def take_dm_refusal(self, account: PlatformUser) -> bool:
        """Whether the person acting through `account` should be told that their DMs were
        refused (`bot.nudges.policy.tell_of_refusal`); telling clears the mark, and what
        waits for them is tried again at once."""
        key = self._account(account)
        with self.db.session() as session:
            person = find_by_identity(session, *key)
            if person is None:
                return False
            tell = policy.tell_of_refusal(people.dm_blocked_at(session, *key))
            if tell:
                people.mark_dm_blocked(session, *key, None)
        if tell:
            with self._refused_lock:
                self._refused.discard(key)
            self.poke_delivery()
        return tell

    def deliver_notices(self, router: Router) -> list[str]:
        """Send now, through `router`, the notices the last command of this thread queued
        for people with no chat account (the console after each command). The rest is the
        platforms' workers' to deliver, on a database Slack or Discord also serves, and is
        left pending for them: what this returns names those people. Planned reminders
        wait for their sweep."""
        at: datetime | None = getattr(self._handled, "stamp", None)
        if at is None:
            return []
        self._handled.stamp = None
        with self.db.session() as session:
            mine, theirs = notices_caused(session, at, unless_on=PLATFORMS)
            left = [_label(session.get_one(Person, person_id)) for person_id in theirs]
        if mine:
            sweep(self.db, self.clock, router, self.nudge_catalog, kinds=(NudgeKind.NOTICE,), ids=mine,
                  default_timezone=self.settings.default_timezone)
        return left

    # --- suggestions as a member types -------------------------------------------------

    def directory(self) -> list[Listed]:
        """Everyone, as a suggestion list may show them (`bot.people.directory`)."""
        with self.db.session() as session:
            return directory.listing(session)

    def suggestion_scope(self, account: PlatformUser, option: Option) -> Scope:
        """Whom the member behind `account` may be offered for `option`
        (`bot.people.directory.scope_of`)."""
        if not account.external_id:
            return directory.stranger_scope(option)
        with self.db.session() as session:
            person = find_by_identity(session, *self._account(account))
            return directory.scope_of(session, person.id if person is not None else None,
                                      option)

    # --- the web pages -------------------------------------------------------------------

    def web_pages(self, plans: PlanSource | None = None) -> WebPort:
        """What the web pages call (`bot.app.web.WebPages`): one per core for the program's
        own plan source, so its signing key and recent reports are kept; a separate one for
        another plan source (tests)."""
        if plans is not None:
            return WebPages(self.db, self.clock, self.settings, plans=plans,
                            catalog=self.nudge_catalog)
        if self._web is None:
            self._web = WebPages(self.db, self.clock, self.settings,
                                 plans=plan_source(self.settings), catalog=self.nudge_catalog)
        return self._web

    def program_choices(self, account: PlatformUser, typed: str) -> list[tuple[str, str]]:
        """Residency programs of the groups of whoever holds `account`, matching what is
        typed, as (label, value) pairs for an adapter's autocomplete; none for someone the
        bot does not know."""
        with self.db.session() as session:
            person_id = identities.holder(session, account)
            person = session.get(Person, person_id) if person_id is not None else None
            if person is None:
                return []
            return residency_store.program_choices(session, person, typed)

    # --- delivery ----------------------------------------------------------------------

    def on_delivery_needed(self, listener: Callable[[], None]) -> None:
        """Called after a command queues a direct message, so it goes out at once."""
        self._delivery_listeners.append(listener)

    def poke_delivery(self) -> None:
        for listener in self._delivery_listeners:
            listener()

    def send_budget(self) -> SendBudgets:
        """This process's share of the send budgets every worker keeps to (`jobs.budget`):
        one for all its channels and threads, made on first use."""
        with self._budget_lock:
            if self._budget is None:
                self._budget = SendBudgets(self.db)
            return self._budget

    def on_groups_changed(self, listener: Callable[[], None]) -> None:
        """Called after a command changed when a group's digest falls (or switched it off),
        so the scheduler's weekly jobs follow at once."""
        self._group_listeners.append(listener)

    def groups_changed(self) -> None:
        for listener in self._group_listeners:
            listener()



def _label(person: Person) -> str:
    return f"{person.name} <{person.email}>" if person.email else person.name


def as_port(core: Core) -> CorePort:
    """`core` as adapters see it (mypy checks here that `Core` is a `CorePort`)."""
    return core
