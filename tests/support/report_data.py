"""A small group whose report was worked out by hand (tests/test_report_figures.py has the
numbers): ten students, four faculty members of the group and one outside it, mentorships
in every state of health, intro requests in every state, check-ins, ratings, letters in
every state (with programs and deadlines, for the privacy test) and reminders with and
without an answer. Rows are written directly, as the features that own them would.

The report is taken at NOW over the default 12 weeks: the period starts on Mon 12 Oct 2026
at 15:00 UTC. The group's zone is UTC."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from bot.infra.models import (
    ActionItem,
    Checkin,
    Contact,
    FacultyProfile,
    InterestGroup,
    IntroRequest,
    Letter,
    LetterEvent,
    Membership,
    Mentorship,
    Nudge,
    Person,
    Role,
    StudentProfile,
)

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
SLUG = "em"
GROUP_NAME = "EM Interest Group"
ORGANIZER = "Olga Ward"

STUDENT_NAMES = {
    "S1": "Ana Lima", "S2": "Bo Chen", "S3": "Cam Diaz", "S4": "Dev Rao", "S5": "Eli Moss",
    "S6": "Fay Nguyen", "S7": "Gus Ortega", "S8": "Hal Perez", "S9": "Ida Quinn",
    "S10": "Jo Ross", "S11": "Kim Outsider",
}
FACULTY_NAMES = {
    "F1": "Dr. Ann Reyes", "F2": "Dr. Ben Cole", "F3": "Dr. Cy Dunn", "F4": "Dr. Dee Fox",
    "F5": "Dr. Eve Gray",
}
PROGRAMS = {
    "L1": "Boston EM Residency", "L2": "Harborview Emergency Medicine",
    "L3": "Denver Health EM", "L4": "Stanford Ultrasound Fellowship",
    "L5": "Yale Emergency Medicine", "L6": "Cook County EM", "L7": "Highland EM",
    "L8": "Outsider Program", "L9": "Brown EM Residency", "L10": "Michigan EM",
}


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class ReportData:
    group_id: int
    organizer_id: int
    people: dict[str, int] = field(default_factory=dict)  # S1…, F1… -> person id
    letters: dict[str, int] = field(default_factory=dict)
    mentorships: dict[str, int] = field(default_factory=dict)

    def name(self, key: str) -> str:
        return STUDENT_NAMES.get(key) or FACULTY_NAMES[key]

    @property
    def letter_students(self) -> list[str]:
        """Names of the group's students who have letters."""
        return [STUDENT_NAMES[k] for k in ("S1", "S2", "S3", "S4", "S5", "S6")]


def build(session: Session) -> ReportData:
    group = InterestGroup(slug=SLUG, name=GROUP_NAME, specialty="Emergency Medicine",
                          timezone="UTC", created_at=at(2026, 8, 1))
    session.add(group)
    session.flush()
    organizer = Person(name=ORGANIZER, email="olga.ward@example.edu", timezone="UTC")
    session.add(organizer)
    session.flush()
    session.add_all([Role(person_id=organizer.id, role="organizer", group_id=group.id),
                     Membership(person_id=organizer.id, group_id=group.id,
                                joined_at=at(2026, 8, 1))])
    data = ReportData(group.id, organizer.id)
    faculty = {  # key: (capacity, accepting, member)
        "F1": (5, True, True), "F2": (1, True, True), "F3": (3, False, True),
        "F4": (3, True, True), "F5": (3, True, False),
    }
    for key, (capacity, accepting, member) in faculty.items():
        person = Person(name=FACULTY_NAMES[key], email=f"{key.lower()}@example.edu",
                        timezone="UTC")
        person.roles.append(Role(role="faculty"))
        person.faculty_profile = FacultyProfile(specialty="Emergency Medicine",
                                                capacity=capacity, accepting=accepting)
        session.add(person)
        session.flush()
        data.people[key] = person.id
        if member:
            session.add(Membership(person_id=person.id, group_id=group.id,
                                   joined_at=at(2026, 8, 1)))
    off = session.get_one(FacultyProfile, data.people["F3"])
    off.accepting_off_reason = "no-answer"
    off.accepting_changed_at = at(2027, 1, 1, 10)

    joined = {"S8": at(2026, 11, 20), "S10": at(2026, 12, 1), "S11": None}
    looking = {"S1", "S6"}
    for key, name in STUDENT_NAMES.items():
        person = Person(name=name, email=f"{key.lower()}@example.edu", timezone="UTC")
        person.roles.append(Role(role="student"))
        person.student_profile = StudentProfile(stage="ms3", wants_mentor=key in looking)
        session.add(person)
        session.flush()
        data.people[key] = person.id
        since = joined.get(key, at(2026, 9, 1))
        if since is not None:
            session.add(Membership(person_id=person.id, group_id=group.id, joined_at=since))
    session.flush()
    p = data.people

    def mentorship(key: str, student: str, mentor: str, kind: str, cadence: int,
                   started: datetime, *, ended: datetime | None = None) -> None:
        row = Mentorship(student_id=p[student], mentor_id=p[mentor], group_id=group.id,
                         kind=kind, cadence_days=cadence, started_at=started,
                         active=ended is None, ended_at=ended, source="request")
        session.add(row)
        session.flush()
        data.mentorships[key] = row.id

    mentorship("M1", "S1", "F1", "career", 42, at(2026, 9, 1))
    mentorship("M2", "S1", "F2", "research", 7, at(2026, 11, 1))
    mentorship("M3", "S2", "F1", "clinical", 7, at(2026, 10, 1))
    mentorship("M4", "S3", "F4", "career", 42, at(2026, 12, 28))
    mentorship("M5", "S4", "F2", "career", 42, at(2026, 10, 20))
    mentorship("M6", "S5", "F4", "career", 42, at(2026, 8, 1))
    mentorship("M7", "S9", "F1", "career", 42, at(2026, 9, 15), ended=at(2026, 11, 16))
    mentorship("M8", "S11", "F1", "career", 42, at(2026, 9, 1))
    mentorship("M9", "S10", "F5", "research", 7, at(2026, 12, 29))
    m = data.mentorships

    def contact(student: str, mentor: str, when: datetime, *, rating: int | None = None,
                is_ask: bool = False) -> None:
        session.add(Contact(student_id=p[student], mentor_id=p[mentor], at=when,
                            created_at=when, rating=rating, is_ask=is_ask,
                            note="talked about the match"))

    contact("S1", "F1", at(2026, 10, 13), is_ask=True)
    contact("S1", "F1", at(2026, 12, 20), rating=4)
    contact("S1", "F2", at(2026, 12, 30, 9), rating=3)
    contact("S2", "F1", at(2026, 12, 1), rating=2)
    contact("S5", "F4", at(2026, 10, 5))
    contact("S5", "F5", at(2026, 11, 12))
    contact("S11", "F1", at(2026, 12, 15), rating=1)

    def request(student: str, faculty_key: str, state: str, created: datetime,
                answered: datetime | None = None, *, in_group: bool = True) -> None:
        session.add(IntroRequest(student_id=p[student], faculty_id=p[faculty_key],
                                 group_id=group.id if in_group else None, state=state,
                                 created_at=created, answered_at=answered))

    request("S7", "F3", "open", at(2026, 12, 28))
    request("S2", "F1", "accepted", at(2026, 10, 1), at(2026, 10, 1, 18))
    request("S3", "F4", "accepted", at(2026, 12, 26, 10), at(2026, 12, 28, 10))
    request("S6", "F3", "expired", at(2026, 11, 1))
    request("S6", "F2", "declined", at(2026, 11, 20, 12), at(2026, 11, 21, 0))
    request("S8", "F3", "expired", at(2026, 11, 10))
    request("S10", "F5", "accepted", at(2026, 12, 25, 12), at(2026, 12, 29, 12),
            in_group=False)
    request("S11", "F1", "expired", at(2026, 11, 2), in_group=False)
    request("S4", "F2", "expired", at(2026, 10, 20))

    def checkin(mentorship_key: str, round_: int, asked: datetime, answer: str | None = None,
                answered: datetime | None = None) -> None:
        student = session.get_one(Mentorship, m[mentorship_key]).student_id
        session.add(Checkin(mentorship_id=m[mentorship_key], student_id=student,
                            round=round_, asked_at=asked, answer=answer,
                            answered_at=answered))

    checkin("M2", 0, at(2026, 11, 15, 9), "met", at(2026, 11, 16))
    checkin("M5", 0, at(2026, 11, 3), "not-yet", at(2026, 11, 4))
    checkin("M5", 1, at(2026, 11, 10))
    checkin("M9", 0, at(2027, 1, 2))
    checkin("M7", 0, at(2026, 9, 29), "met", at(2026, 9, 30))
    checkin("M3", 0, at(2026, 10, 15), "no", at(2026, 10, 16))

    states = {  # key: (student, state, deadline, writer)
        "L1": ("S1", "planned", date(2027, 1, 20), "F1"),
        "L2": ("S1", "asked", date(2027, 1, 15), "F2"),
        "L3": ("S2", "asked", date(2027, 1, 25), "F1"),
        "L4": ("S3", "planned", date(2027, 3, 1), "F4"),
        "L5": ("S4", "agreed", date(2027, 1, 10), "F4"),
        "L6": ("S5", "submitted", date(2026, 12, 15), "F4"),
        "L7": ("S5", "thanked", date(2026, 9, 1), "F5"),
        "L8": ("S11", "planned", date(2027, 1, 10), "F1"),
        "L9": ("S2", "planned", date(2027, 1, 1), "F2"),
        "L10": ("S6", "declined", date(2027, 1, 12), "F3"),
    }
    for key, (student, state, deadline, writer) in states.items():
        letter = Letter(student_id=p[student], writer_id=p[writer],
                        writer_name=FACULTY_NAMES[writer], program=PROGRAMS[key],
                        deadline=deadline, state=state, created_at=at(2026, 9, 1),
                        updated_at=at(2026, 9, 1))
        session.add(letter)
        session.flush()
        data.letters[key] = letter.id
    session.add(LetterEvent(letter_id=data.letters["L3"], from_state="planned",
                            to_state="asked", at=at(2026, 11, 22)))

    session.add(ActionItem(student_id=p["S3"], mentor_id=p["F4"], task="Read the paper",
                           created_at=at(2026, 11, 20), done_at=at(2026, 12, 5, 10)))
    session.add(ActionItem(student_id=p["S4"], mentor_id=p["F2"], task="Draft a CV",
                           created_at=at(2026, 11, 20)))
    session.flush()
    items = {item.student_id: item.id for item in session.query(ActionItem)}

    def nudge(name: str, person: str, kind: str, state: str, subject_type: str,
              subject_id: int | None, *, created: datetime, sent: datetime | None = None,
              snoozes: int = 0) -> None:
        session.add(Nudge(person_id=p[person], kind=kind, due_at=created, subject_type=subject_type,
                          subject_id=subject_id, dedup_key=f"test:{name}", text=name,
                          payload={}, state=state, sent_at=sent, created_at=created,
                          snoozes=snoozes))

    nudge("N1", "S1", "followup", "sent", "mentorship", m["M1"],
          created=at(2026, 12, 14, 10), sent=at(2026, 12, 14, 10))
    nudge("N2", "S2", "followup", "sent", "mentorship", m["M3"],
          created=at(2026, 12, 10, 10), sent=at(2026, 12, 10, 10), snoozes=2)
    nudge("N3", "S3", "action-item", "sent", "action_item", items[p["S3"]],
          created=at(2026, 12, 3, 10), sent=at(2026, 12, 3, 10))
    nudge("N4", "S4", "action-item", "sent", "action_item", items[p["S4"]],
          created=at(2026, 12, 3, 10), sent=at(2026, 12, 3, 10))
    nudge("N5", "S1", "letter-ask", "sent", "letter", data.letters["L1"],
          created=at(2026, 12, 20, 10), sent=at(2026, 12, 20, 10))
    nudge("N6", "S2", "letter-ask", "sent", "letter", data.letters["L3"],
          created=at(2026, 11, 20, 10), sent=at(2026, 11, 20, 10))
    nudge("N7", "S1", "transactional", "sent", "mentorship", m["M2"],
          created=at(2026, 12, 29, 10), sent=at(2026, 12, 29, 10))
    nudge("N8", "S4", "followup", "failed", "mentorship", m["M5"],
          created=at(2026, 12, 1, 10))
    nudge("N9", "S5", "followup", "dismissed", "mentorship", m["M6"],
          created=at(2026, 11, 1, 10), sent=at(2026, 11, 1, 10))
    nudge("N10", "S5", "keep-in-touch", "sent", "thanked_letter", data.letters["L7"],
          created=at(2026, 11, 10, 10), sent=at(2026, 11, 10, 10))
    nudge("N11", "S1", "notice", "sent", "", None,
          created=at(2026, 12, 1, 10), sent=at(2026, 12, 1, 10))
    nudge("N12", "S1", "followup", "sent", "mentorship", m["M1"],
          created=at(2026, 10, 1, 10), sent=at(2026, 10, 1, 10))
    nudge("N13", "S7", "intro-pending", "sent", "intro_request", None,
          created=at(2027, 1, 2, 10), sent=at(2027, 1, 2, 10))
    nudge("N14", "S1", "checkin", "sent", "mentorship", m["M2"],
          created=at(2026, 11, 15, 9), sent=at(2026, 11, 15, 9))
    nudge("N15", "S11", "letter-ask", "sent", "letter", data.letters["L8"],
          created=at(2026, 12, 20, 10), sent=at(2026, 12, 20, 10))
    nudge("N16", "S3", "followup", "pending", "mentorship", m["M4"],
          created=at(2026, 12, 30, 10), snoozes=1)
    nudge("N17", "F4", "writer-deadline", "sent", "letter", data.letters["L5"],
          created=at(2026, 12, 20, 10), sent=at(2026, 12, 20, 10))
    session.flush()
    return data
