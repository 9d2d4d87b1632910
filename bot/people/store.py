"""People in the database: the one writer of `people`, `identities`, `roles`,
`faculty_profiles` and `student_profiles`.

Every change to a person goes through a named write here, whoever asks: a first command
(`bot.people.identities`), `/mentor profile`, the roster import, an intro request and its
answer, a match round, the still-mentoring question, a delivery channel that learns a DM
channel or is refused, the command line and the demo. So a column means one thing wherever
it is set: `accepting_changed_at` is when the faculty member last said or confirmed whether
they take mentees, never an organizer's import; a new faculty profile gets the same
defaults whichever way it is made. Privacy's erasure and merge (`bot.privacy`) are the one
exception: they move or remove a person's rows in every table at once.

Functions write in the caller's unit of work and never commit. A change to a faculty
profile is noted in the unit of work (`FACULTY_CHANGED` in `session.info`), so a copy kept
in memory (the finder's index) is brought up to date once it commits."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, object_session

from bot.infra.db import id_in, insert_rows
from bot.infra.models import FacultyProfile, Identity, Person, StudentProfile
from bot.infra.models import Role as RoleRow
from bot.people.rules import DEFAULT_CAPACITY
from bot.vocab.people import AcceptingOff, Role

Account = tuple[str, str, str]
"""A platform account as stored: (platform, workspace, external id). Workspace '' (a roster
import does not know it) matches any workspace."""

FACULTY_CHANGED = "faculty_changed"
"""The `session.info` key of the person ids whose faculty profile this unit of work wrote."""

FACULTY_FIELDS = ("specialty", "title", "research", "capacity", "accepting", "stages",
                  "office_hours")
"""What a roster row or `/mentor profile` may set on a faculty profile."""
STUDENT_FIELDS = ("stage", "interests", "research", "wants_mentor")
"""What a roster row or `/mentor profile` may set on a student profile."""


# --- people ------------------------------------------------------------------------------


def create_person(session: Session, *, name: str, now: datetime, email: str | None = None,
                  timezone: str | None = None, roles: Iterable[Role] = (),
                  account: Account | None = None) -> Person:
    """A new person with global `roles` (student, faculty) and, when given, their first
    platform account. Emails are stored lowercased (they are matched that way)."""
    person = Person(name=name, email=email.lower() if email else None, timezone=timezone,
                    created_at=now)
    for role in roles:
        person.roles.append(RoleRow(role=role, group_id=None))
    if account is not None:
        platform, workspace, external_id = account
        person.identities.append(Identity(platform=platform, workspace=workspace,
                                          external_id=external_id))
    session.add(person)
    session.flush()
    return person


@dataclass(frozen=True)
class NewPerson:
    """One person of a bulk creation (a roster import), as plain values. `profile` holds
    the role's profile columns that were given (absent: the default)."""

    name: str
    email: str
    timezone: str | None = None
    profile: Mapping[str, Any] = field(default_factory=dict)
    accounts: tuple[tuple[str, str], ...] = ()  # (platform, external id); workspace ''


def create_people(session: Session, people: Sequence[NewPerson], *, role: Role,
                  now: datetime) -> list[int]:
    """Create many people of one role with bulk INSERTs (a few statements per thousand
    rows instead of an object graph per person), each with their profile and accounts.
    Returns their ids, in the order given."""
    if not people:
        return []
    ids = insert_rows(session, Person, [
        {"name": p.name, "email": p.email, "timezone": p.timezone, "created_at": now}
        for p in people], returning="id")
    insert_rows(session, RoleRow, [{"person_id": i, "role": role, "group_id": None}
                                   for i in ids])
    if role == Role.FACULTY:
        insert_rows(session, FacultyProfile, [
            {"person_id": i, **_new_faculty_profile(p.profile, now)}
            for i, p in zip(ids, people, strict=True)])
        _note_faculty(session, ids)
    else:
        insert_rows(session, StudentProfile, [
            {"person_id": i, **_new_student_profile(p.profile)}
            for i, p in zip(ids, people, strict=True)])
    insert_rows(session, Identity, [
        {"person_id": i, "platform": platform, "workspace": "", "external_id": external_id,
         "dm_channel_id": None, "dm_blocked_at": None}
        for i, p in zip(ids, people, strict=True) for platform, external_id in p.accounts])
    return ids


def _new_faculty_profile(given: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Every column of a new faculty profile: what was given, else the defaults. A new
    profile that accepts mentees has accepted them since `now` (the digest's "newly
    accepting")."""
    accepting = given.get("accepting")
    return {
        "specialty": given.get("specialty") or "", "title": given.get("title") or "",
        "research": given.get("research") or [],
        "capacity": DEFAULT_CAPACITY if given.get("capacity") is None else given["capacity"],
        "accepting": True if accepting is None else accepting,
        "stages": given.get("stages") or [], "office_hours": given.get("office_hours"),
        "reputation": 0, "requests_answered": 0, "requests_unanswered": 0,
        "response_hours_total": 0.0, "accepting_since": now if accepting is not False else None,
        "accepting_changed_at": None, "accepting_off_reason": AcceptingOff.CHOSEN,
        "away_until": None,
    }


def _note_faculty(session: Session | None, person_ids: Iterable[int]) -> None:
    if session is not None:
        session.info.setdefault(FACULTY_CHANGED, set()).update(person_ids)


def _noted(profile: FacultyProfile) -> None:
    """Note a write to `profile` (one not yet added to a session has nothing to tell)."""
    if profile.person_id is not None:
        _note_faculty(object_session(profile), [profile.person_id])


def _new_student_profile(given: Mapping[str, Any]) -> dict[str, Any]:
    return {"stage": given.get("stage"), "interests": given.get("interests") or [],
            "research": given.get("research") or [],
            "wants_mentor": bool(given.get("wants_mentor"))}


def _set(target: Any, attribute: str, value: Any) -> bool:
    """Assign only a given (not None), different value; True when something changed."""
    if value is None or getattr(target, attribute) == value:
        return False
    setattr(target, attribute, value)
    return True


def rename(person: Person, name: str | None) -> bool:
    return _set(person, "name", name)


def set_timezone(person: Person, timezone: str | None) -> bool:
    """Their IANA zone (None leaves it)."""
    return _set(person, "timezone", timezone)


def set_quiet_hours(person: Person, quiet_hours: str) -> None:
    """Quiet hours as stored ("21:00-08:00", normalized by `bot.nudges.quiet_hours`)."""
    person.quiet_hours = quiet_hours


def set_notify_platform(person: Person, platform: str | None) -> None:
    """Where their direct messages go (`/mentor profile notify:`); None: where they used
    the bot last."""
    person.notify_platform = platform


def record_platform(person: Person, platform: str) -> None:
    """The platform they used last (the default way to reach them)."""
    if person.last_platform != platform:
        person.last_platform = platform


# --- roles -------------------------------------------------------------------------------


def grant_role(person: Person, role: Role, group_id: int | None = None) -> bool:
    """`person` holds `role` (an organizer's, of `group_id`); False when they already did."""
    if any(r.role == role and r.group_id == group_id for r in person.roles):
        return False
    person.roles.append(RoleRow(role=role, group_id=group_id))
    return True


def revoke_role(person: Person, role: Role, group_id: int | None = None) -> bool:
    """`person` no longer holds `role` (of `group_id`); False when they did not."""
    held = next((r for r in person.roles if r.role == role and r.group_id == group_id), None)
    if held is None:
        return False
    person.roles.remove(held)
    return True


# --- platform accounts ---------------------------------------------------------------------


def add_account(person: Person, platform: str, workspace: str, external_id: str) -> None:
    """Link a platform account to `person`."""
    person.identities.append(Identity(platform=platform, workspace=workspace,
                                      external_id=external_id))


def learn_workspace(person: Person, platform: str, workspace: str, external_id: str) -> None:
    """A roster import knows an account's id but not its workspace (''); the first request
    from that account tells us, so messages sent later go through the right workspace."""
    if not workspace:
        return
    mine = [i for i in person.identities
            if i.platform == platform and i.external_id == external_id]
    if any(i.workspace == workspace for i in mine):
        return
    for identity in mine:
        if identity.workspace == "":
            identity.workspace = workspace
            return


def _account_rows(platform: str, workspace: str, external_id: str) -> tuple[Any, ...]:
    """The stored identities of an account: in its workspace, or stored without one."""
    return (Identity.platform == platform, Identity.external_id == external_id,
            Identity.workspace.in_({workspace, ""}))


def dm_channel(session: Session, platform: str, workspace: str, external_id: str
               ) -> str | None:
    """The direct-message channel remembered for an account (the one in its own
    workspace first)."""
    rows = session.execute(select(Identity.workspace, Identity.dm_channel_id)
                           .where(*_account_rows(platform, workspace, external_id))).all()
    exact = [r.dm_channel_id for r in rows if r.workspace == workspace and r.dm_channel_id]
    other = [r.dm_channel_id for r in rows if r.dm_channel_id]
    return (exact or other or [None])[0]


def remember_dm_channel(session: Session, platform: str, workspace: str, external_id: str,
                        channel_id: str | None) -> None:
    """Remember (or, with None, forget) the direct-message channel of an account, so a
    repeat recipient costs a single send."""
    session.execute(update(Identity).where(*_account_rows(platform, workspace, external_id))
                    .values(dm_channel_id=channel_id)
                    .execution_options(synchronize_session=False))


_REMEMBER_DM = update(Identity).where(
    Identity.platform == bindparam("b_platform"), Identity.external_id == bindparam("b_id"),
    or_(Identity.workspace == bindparam("b_workspace"), Identity.workspace == ""),
).values(dm_channel_id=bindparam("b_channel"))


def remember_dm_channels(session: Session,
                         accounts: Sequence[tuple[str, str, str, str | None]]) -> None:
    """`remember_dm_channel` for many accounts (platform, workspace, external id, channel)
    in one statement run for each: what a wave of first messages taught the sender."""
    if accounts:
        session.connection().execute(_REMEMBER_DM, [
            {"b_platform": platform, "b_workspace": workspace, "b_id": external_id,
             "b_channel": channel_id}
            for platform, workspace, external_id, channel_id in accounts])


def dm_blocked_at(session: Session, platform: str, workspace: str, external_id: str
                  ) -> datetime | None:
    """Since when direct messages to an account are refused (`bot.nudges.policy`), or
    None."""
    marks = [at for at in session.scalars(
        select(Identity.dm_blocked_at).where(*_account_rows(platform, workspace, external_id)))
        if at is not None]
    return min(marks, default=None)


def mark_dm_blocked(session: Session, platform: str, workspace: str, external_id: str,
                    at: datetime | None) -> None:
    """Mark an account's direct messages refused since `at`, or (None) clear the mark: what
    `bot.nudges.policy.refusal_mark` says it becomes."""
    session.execute(update(Identity).where(*_account_rows(platform, workspace, external_id))
                    .values(dm_blocked_at=at)
                    .execution_options(synchronize_session=False))


# --- profiles ------------------------------------------------------------------------------


def faculty_profile(person: Person, *, now: datetime) -> tuple[FacultyProfile, bool]:
    """The person's faculty profile, created with the defaults when they had none (and
    whether it was)."""
    if person.faculty_profile is not None:
        return person.faculty_profile, False
    profile = FacultyProfile(**_new_faculty_profile({}, now))
    person.faculty_profile = profile
    return profile, True


def student_profile(person: Person) -> tuple[StudentProfile, bool]:
    """The person's student profile, created empty when they had none (and whether it
    was)."""
    if person.student_profile is not None:
        return person.student_profile, False
    profile = StudentProfile(**_new_student_profile({}))
    person.student_profile = profile
    return profile, True


def set_faculty_profile(person: Person, values: Mapping[str, Any], *, now: datetime) -> bool:
    """Set the given `FACULTY_FIELDS` (None: leave alone) on the person's faculty profile,
    creating it when missing; True when anything changed. Switching `accepting` on here
    (an import, a new profile) marks since when; whether the faculty member said so
    themselves is `set_accepting`'s."""
    unknown = set(values) - set(FACULTY_FIELDS)
    if unknown:
        raise ValueError(f"not faculty profile fields: {sorted(unknown)}")
    profile, changed = faculty_profile(person, now=now)
    if values.get("accepting") and not profile.accepting:
        profile.accepting_since = now
    for name, value in values.items():
        changed |= _set(profile, name, value)
    _note_faculty(object_session(person), [person.id])
    return changed


def set_student_profile(person: Person, values: Mapping[str, Any]) -> bool:
    """Set the given `STUDENT_FIELDS` (None: leave alone) on the person's student
    profile, creating it when missing; True when anything changed."""
    unknown = set(values) - set(STUDENT_FIELDS)
    if unknown:
        raise ValueError(f"not student profile fields: {sorted(unknown)}")
    profile, changed = student_profile(person)
    for name, value in values.items():
        changed |= _set(profile, name, value)
    return changed


def set_wants_mentor(person: Person, wanted: bool) -> None:
    """Whether the student waits for a mentor (a match round looks for them)."""
    profile, _created = student_profile(person)
    profile.wants_mentor = wanted


def stop_waiting(session: Session, student_ids: Collection[int]) -> None:
    """These students have a mentor now (a match round's): none waits for one any more."""
    if student_ids:
        session.execute(update(StudentProfile)
                        .where(id_in(session, StudentProfile.person_id, sorted(student_ids)))
                        .values(wants_mentor=False)
                        .execution_options(synchronize_session=False))


def set_accepting(profile: FacultyProfile, accepting: bool, *, now: datetime,
                  reason: AcceptingOff = AcceptingOff.CHOSEN) -> None:
    """The faculty member accepts mentees or not, said (or confirmed) at `now`, or the
    bot turned it off for `reason`. Saying yes clears any reason the bot had;
    `accepting_since` marks when they started accepting (the digest's "newly
    accepting"); `accepting_changed_at` is what the still-mentoring question is judged
    by."""
    if accepting and not profile.accepting:
        profile.accepting_since = now
    profile.accepting = accepting
    profile.accepting_changed_at = now
    profile.accepting_off_reason = AcceptingOff.CHOSEN if accepting else reason
    _noted(profile)


def set_away(profile: FacultyProfile, until: date | None) -> None:
    """Away until `until` (back that day), or back now (None)."""
    profile.away_until = until
    _noted(profile)


def record_answer(session: Session, faculty_id: int, hours: float) -> None:
    """The faculty member answered an intro request after `hours`: their response record.
    Updating the profile row locks it (the same row lock as SELECT … FOR UPDATE on
    PostgreSQL; the database write lock on SQLite), so two answers by one faculty member
    are taken one after the other: make it the first write of an answer."""
    session.execute(
        update(FacultyProfile)
        .where(FacultyProfile.person_id == faculty_id)
        .values(requests_answered=FacultyProfile.requests_answered + 1,
                response_hours_total=FacultyProfile.response_hours_total + hours))
    _note_faculty(session, [faculty_id])


def record_unanswered(session: Session, faculty_id: int) -> None:
    """An intro request to the faculty member expired unanswered: their response record."""
    session.execute(update(FacultyProfile).where(FacultyProfile.person_id == faculty_id)
                    .values(requests_unanswered=FacultyProfile.requests_unanswered + 1))
    _note_faculty(session, [faculty_id])


def carry_over_record(profile: FacultyProfile, *, reputation: int, answered: int,
                      response_hours: float, unanswered: int) -> None:
    """A response record and reputation kept elsewhere before (the demo data set, an
    earlier program), replacing what is stored."""
    profile.reputation = reputation
    profile.requests_answered = answered
    profile.response_hours_total = response_hours
    profile.requests_unanswered = unanswered
    _noted(profile)
