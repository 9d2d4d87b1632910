"""Whom a member may be offered as they type a person's name (Discord's autocomplete):
a privacy rule, so it is the core's, not the adapter's.

Faculty are staff, listed with their specialty as `/mentor find` lists them; students only
where the member already deals with them: the students who asked them for an intro, their
mentees, their mentors, and the members of groups they organize. An option that names the
student who asked (`Suggest.REQUESTER`: `/mentor accept`, `/mentor decline`) offers those
students and no one else. A student's stage is never shown, and no member can page
through the student roster."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.ports import Listed, Scope
from bot.framework.registry import Option
from bot.infra.models import FacultyProfile, IntroRequest, Membership, Mentorship, Person
from bot.infra.models import Role as RoleRow
from bot.vocab.matching import IntroState
from bot.vocab.people import Role, Suggest


def listing(session: Session) -> list[Listed]:
    """Everyone, as a suggestion list may show them: plain column queries, no ORM objects,
    so 20,000 people take a fraction of a second."""
    roles: dict[int, set[str]] = {}
    for person_id, role in session.execute(select(RoleRow.person_id, RoleRow.role)):
        roles.setdefault(person_id, set()).add(role)
    details: dict[int, str] = {}  # faculty only: a student's stage is theirs
    for pid, specialty, title in session.execute(select(
            FacultyProfile.person_id, FacultyProfile.specialty, FacultyProfile.title)):
        details[pid] = specialty or title or ""
    return [Listed(pid, name, email or "", frozenset(roles.get(pid, ())), details.get(pid, ""))
            for pid, name, email in session.execute(select(Person.id, Person.name,
                                                           Person.email))]


def stranger_scope(option: Option) -> Scope:
    """Someone the bot does not know yet deals with no student: faculty at most."""
    return Scope(faculty=option.suggest != Suggest.REQUESTER and option.role != Role.STUDENT)


def scope_of(session: Session, person_id: int | None, option: Option) -> Scope:
    """Whom the member `person_id` (None: not on the roster yet) may be offered for
    `option`: see the module's docstring."""
    if person_id is None:
        return stranger_scope(option)
    asked_me = set(session.scalars(select(IntroRequest.student_id).where(
        IntroRequest.faculty_id == person_id, IntroRequest.state == IntroState.OPEN)))
    if option.suggest == Suggest.REQUESTER:
        return Scope(people=frozenset(asked_me))
    mentees = set(session.scalars(select(Mentorship.student_id).where(
        Mentorship.mentor_id == person_id, Mentorship.active.is_(True))))
    if option.role == Role.STUDENT:
        return Scope(people=frozenset(asked_me | mentees))
    if option.role == Role.FACULTY or option.suggest == Suggest.FACULTY:
        return Scope(faculty=True)
    mentors = set(session.scalars(select(Mentorship.mentor_id).where(
        Mentorship.student_id == person_id, Mentorship.active.is_(True))))
    organized = select(RoleRow.group_id).where(RoleRow.person_id == person_id,
                                               RoleRow.role == Role.ORGANIZER)
    members = set(session.scalars(select(Membership.person_id).where(
        Membership.group_id.in_(organized))))
    return Scope(faculty=True, people=frozenset(asked_me | mentees | mentors | members))
