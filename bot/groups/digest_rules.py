"""The weekly group digest as pure rules: when a group's digest falls due, which week it
belongs to, and how it reads. The reply is built only from faculty facts and counts, so a
student's name, letters or deadlines cannot appear in it (SPEC "Nudges")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.framework.replies import Reply, Section

HORIZON_WEEKS = 4
"""How far ahead the digest counts letters and follow-ups."""
NEW_FACULTY_DAYS = 7


def last_moment(now: datetime, weekday: int, hour: int, tz: str) -> datetime:
    """The latest digest moment at or before `now` (UTC): `weekday` (0 = Monday) at `hour`
    o'clock on the group's wall clock, so it stays 9:00 local on both sides of DST."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    moment = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
    if moment > now:
        moment = datetime.combine(day - timedelta(days=7), time(hour),
                                  tzinfo=zone).astimezone(UTC)
    return moment


def week_key(moment: datetime, tz: str) -> str:
    """The ISO week (e.g. 2027-W03) of the group's local date at `moment`: one digest each."""
    year, week, _ = moment.astimezone(ZoneInfo(tz)).date().isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class FacultyLine:
    name: str
    title: str = ""
    detail: str = ""  # research interests, or the office-hours text


@dataclass(frozen=True)
class DigestFacts:
    group_name: str
    specialty: str
    newly_accepting: Sequence[FacultyLine]
    office_hours: Sequence[FacultyLine]
    letters_due: int
    followups_due: int
    weeks: int = HORIZON_WEEKS


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def digest_reply(facts: DigestFacts) -> Reply:
    sections: list[Section] = []
    if facts.newly_accepting:
        lines = [
            f"• {f.name}" + (f", {f.title}" if f.title else "") +
            (f" ({f.detail})" if f.detail else "")
            for f in facts.newly_accepting
        ]
        where = f" in {facts.specialty}" if facts.specialty else ""
        sections.append(Section(heading=f"Newly accepting mentees{where}",
                                text="\n".join(lines)))
    if facts.office_hours:
        sections.append(Section(
            heading="Office hours",
            text="\n".join(f"• {f.name}: {f.detail}" for f in facts.office_hours),
        ))
    coming = f"in the next {facts.weeks} weeks"
    sections.append(Section(
        heading="Coming up in the group",
        text=(f"{_plural(facts.letters_due, 'letter deadline', 'letter deadlines')} and "
              f"{_plural(facts.followups_due, 'mentor follow-up', 'mentor follow-ups')} "
              f"{coming}. Check yours with /letter list and /mentor list."),
    ))
    return Reply(
        title=f"This week in {facts.group_name}",
        text="Find a mentor with /mentor find; ask for an intro with /mentor request.",
        sections=tuple(sections),
        ephemeral=False,
    )
