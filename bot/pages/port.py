"""What the web pages' adapter and the core exchange: the plain values of a visit (a link
honoured, the visitor, the dashboard's filters) and `WebPort`, the part of the core the
pages call. The adapter (`adapters.web`) is typed against the port and never sees the
database; `bot.app.web.WebPages` implements it where the features meet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.errors import UserError
from bot.reports.dashboard import Dashboard
from bot.reports.rules import DEFAULT_WEEKS, MAX_WEEKS, WHOLE_GROUP, Scope
from bot.vocab.mentoring import MENTOR_KINDS
from bot.vocab.stages import normalize_stage
from bot.web import rules
from bot.web.plan import PlanView
from bot.web.rules import Grant, Page, Refusal


@dataclass(frozen=True)
class Opened:
    """A link honoured: the session to keep (the cookie's value) and where the page is."""

    grant: Grant
    cookie: str
    path: str


@dataclass(frozen=True)
class Visitor:
    """Who is looking at a page, and what they may see."""

    grant: Grant
    name: str
    group_slug: str | None
    group_name: str | None
    csrf: str


@dataclass(frozen=True)
class Filters:
    weeks: int = DEFAULT_WEEKS
    scope: Scope = WHOLE_GROUP

    def query(self) -> dict[str, str]:
        """The filters as the form's GET parameters (for the CSV link and the form)."""
        out = {"weeks": str(self.weeks)}
        if self.scope.stage:
            out["stage"] = self.scope.stage
        if self.scope.kind:
            out["kind"] = self.scope.kind
        return out


def parse_filters(weeks: str | None, stage: str | None, kind: str | None) -> Filters:
    """The dashboard's filters from its form; anything else is a clear refusal. Empty
    values mean "all"."""
    count = DEFAULT_WEEKS
    if weeks not in (None, ""):
        try:
            count = int(str(weeks))
        except ValueError:
            raise UserError(f"weeks: “{weeks}” is not a whole number of weeks.") from None
        if not 1 <= count <= MAX_WEEKS:
            raise UserError(f"weeks: {count} is not between 1 and {MAX_WEEKS}.")
    chosen_stage = normalize_stage(stage) if stage else None
    if kind and kind not in MENTOR_KINDS:
        raise UserError(f"kind: “{kind}” is not a kind of mentor (one of "
                        f"{', '.join(MENTOR_KINDS)}).")
    return Filters(count, Scope(stage=chosen_stage, kind=kind or None))


def page_path(grant: Grant, slug: str | None) -> str:
    if grant.page == Page.REPORT:
        return f"{rules.WEB_ROOT}/report/{slug}"
    return f"{rules.WEB_ROOT}/plan"


class WebPort(Protocol):
    """The pages' view of the core: each method is one unit of work; a refusal is a value
    (`Refusal`) or a `UserError`, never a half-done change."""

    @property
    def STAGES(self) -> tuple[str, ...]: ...  # noqa: N802  (the choices the filters offer)

    @property
    def KINDS(self) -> tuple[str, ...]: ...  # noqa: N802

    @property
    def public_url(self) -> str: ...

    @property
    def secure(self) -> bool: ...

    def open_link(self, token: str) -> Opened | Refusal: ...

    def visitor(self, page: Page, cookie: str | None) -> Visitor | Refusal | None: ...

    def csrf_ok(self, visitor: Visitor, token: str) -> bool: ...

    def note(self, text: str) -> str: ...

    def read_note(self, token: str | None) -> str | None: ...

    def dashboard(self, visitor: Visitor, slug: str, filters: Filters) -> Dashboard: ...

    def report_csv(self, visitor: Visitor, slug: str, filters: Filters) -> tuple[str, str]: ...

    def plan(self, visitor: Visitor) -> PlanView: ...

    def plan_csv(self, visitor: Visitor) -> tuple[str, str]: ...

    def plan_action(self, visitor: Visitor, action: str, key: str, tier: str = "") -> str: ...
