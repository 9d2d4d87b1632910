"""Building people and groups for tests, and running commands as a person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.app.core import Core, Request
from bot.framework.replies import Reply
from bot.infra.models import (
    FacultyProfile,
    InterestGroup,
    Membership,
    Person,
    Role,
    StudentProfile,
)


def _email(name: str) -> str:
    return ".".join(name.lower().replace("dr. ", "").split()) + "@example.edu"


def add_faculty(
    session: Session,
    name: str,
    *,
    email: str | None = None,
    specialty: str = "Emergency Medicine",
    title: str = "Associate Professor",
    research: Iterable[str] = (),
    capacity: int = 3,
    accepting: bool = True,
    stages: Iterable[str] = (),
    tz: str | None = None,
    office_hours: str | None = None,
) -> Person:
    person = Person(name=name, email=email or _email(name), timezone=tz)
    person.roles.append(Role(role="faculty"))
    person.faculty_profile = FacultyProfile(
        specialty=specialty, title=title, research=list(research), capacity=capacity,
        accepting=accepting, stages=list(stages), office_hours=office_hours,
    )
    session.add(person)
    session.flush()
    return person


def add_student(
    session: Session,
    name: str,
    *,
    email: str | None = None,
    stage: str = "ms2",
    interests: Iterable[str] = (),
    research: Iterable[str] = (),
    tz: str | None = None,
    wants_mentor: bool = False,
) -> Person:
    person = Person(name=name, email=email or _email(name), timezone=tz)
    person.roles.append(Role(role="student"))
    person.student_profile = StudentProfile(
        stage=stage, interests=list(interests), research=list(research),
        wants_mentor=wants_mentor,
    )
    session.add(person)
    session.flush()
    return person


def add_group(session: Session, slug: str, *, name: str = "", specialty: str = "",
              members: Iterable[Person] = (), organizers: Iterable[Person] = ()) -> InterestGroup:
    group = InterestGroup(slug=slug, name=name or slug, specialty=specialty)
    session.add(group)
    session.flush()
    for person in members:
        session.add(Membership(person_id=person.id, group_id=group.id))
    for person in organizers:
        session.add(Role(person_id=person.id, role="organizer", group_id=group.id))
    session.flush()
    return group


@dataclass
class Driver:
    """Runs commands through the real core, as a given person, the way adapters do."""

    core: Core

    def run(self, person: Person | int, line: str, **request: object) -> Reply:
        root, _, rest = line.strip().lstrip("/").partition(" ")
        actor_id = person if isinstance(person, int) else person.id
        return self.core.handle(Request(root=root, actor_id=actor_id, text=rest, **request))  # type: ignore[arg-type]

    def typed(self, person: Person | int, root: str, path: str, **options: object) -> Reply:
        actor_id = person if isinstance(person, int) else person.id
        return self.core.handle(
            Request(root=root, actor_id=actor_id, path=tuple(path.split()), options=options)
        )

    def press(self, person: Person | int, encoded: str) -> Reply:
        actor_id = person if isinstance(person, int) else person.id
        return self.core.handle_action(actor_id, encoded)
