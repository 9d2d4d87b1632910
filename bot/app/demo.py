"""A realistic demo data set: interest groups, a faculty roster across many specialties,
students at every stage, mentorships with their contact history, action items, intro
requests and letters in every state.

Everything is fixed (no randomness) and every date is relative to the injected clock, so
the demo always looks current: one mentorship is overdue for a follow-up, one is only ever
about asks, an action item is past due, a letter was submitted a few days ago and still
needs a thank-you. Faculty and students go through the same CSV import organizers use, and
everything else through the stores that own each table, as any other writer does.
Loading is idempotent: each object is created only when it is missing, so a second run
changes nothing and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Result, select
from sqlalchemy.orm import Session

from bot.groups import roster
from bot.groups import store as groups
from bot.infra.clock import Clock
from bot.infra.models import InterestGroup, IntroRequest, Letter, Mentorship, Outcome, Person
from bot.letters import store as letters
from bot.matching import intros
from bot.mentoring import store as mentoring
from bot.people import store as people
from bot.people.rules import stored_specialty
from bot.residency import importing
from bot.residency import store as residency_store
from bot.vocab.mentoring import MentorshipSource
from bot.vocab.residency import Applicant, ProgramType, Region

DOMAIN = "example.edu"
DEMO_STUDENT_EMAIL = f"maya.patel@{DOMAIN}"
"""An MS3 interested in emergency medicine, with three kinds of mentor history and letters."""
DEMO_ORGANIZER_EMAIL = f"jordan.kim@{DOMAIN}"
"""The MS2 student leader who organizes the Emergency Medicine Interest Group."""

NY, CHI, DEN, LA = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"


def email_of(name: str) -> str:
    """'Dr. Elena Ramirez' → 'elena.ramirez@example.edu' (also 'Michael O'Brien' → obrien)."""
    words = re.sub(r"^dr\.?\s+", "", name.strip(), flags=re.IGNORECASE).lower().split()
    return ".".join(re.sub(r"[^a-z]", "", w) for w in words) + f"@{DOMAIN}"


# --- groups -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoGroup:
    slug: str
    name: str
    specialty: str
    organizers: tuple[str, ...]  # names: a student leader and a faculty advisor


GROUPS = (
    DemoGroup("em-interest", "Emergency Medicine Interest Group", "Emergency Medicine",
              ("Jordan Kim", "Dr. Elena Ramirez")),
    DemoGroup("im-interest", "Internal Medicine Interest Group", "Internal Medicine",
              ("Mateo Rossi", "Dr. Thomas Greene")),
    DemoGroup("surgery", "Surgery Interest Group", "General Surgery",
              ("Chloe Martin", "Dr. Marcus Bell")),
    DemoGroup("peds", "Pediatrics Interest Group", "Pediatrics",
              ("Ava Johnson", "Dr. Olivia Chen")),
    DemoGroup("obgyn", "OB/GYN Interest Group", "Obstetrics and Gynecology",
              ("Hana Suzuki", "Dr. Carmen Ortiz")),
    DemoGroup("premed-society", "Premed Society", "Premedical Advising",
              ("Sofia Alvarez", "Dr. Laura Bennett")),
)
SPECIALTY_GROUP = {g.specialty.lower(): g.slug for g in GROUPS}
SPECIALTY_GROUP["pediatric emergency medicine"] = "peds"


# --- faculty ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFaculty:
    name: str
    specialty: str
    title: str
    research: tuple[str, ...]
    capacity: int
    stages: tuple[str, ...]
    tz: str = NY
    accepting: bool = True
    office_hours: str | None = None
    reputation: int = 0
    answered: int = 0  # intro requests answered, and their total response time in hours
    response_hours: float = 0.0
    unanswered: int = 0
    groups: tuple[str, ...] = ()  # beyond the group of their specialty

    @property
    def email(self) -> str:
        return email_of(self.name)


EM, IM, SURG = "Emergency Medicine", "Internal Medicine", "General Surgery"
PEDS, OB, PSY = "Pediatrics", "Obstetrics and Gynecology", "Psychiatry"
FM, RAD, ANES = "Family Medicine", "Diagnostic Radiology", "Anesthesiology"
NEURO, DERM, ORTHO = "Neurology", "Dermatology", "Orthopaedic Surgery"
CLINICAL_YEARS = ("ms3", "ms4")
PRECLINICAL = ("premed", "ms1", "ms2")

FACULTY = (
    DemoFaculty("Dr. Elena Ramirez", EM, "Associate Professor, Clerkship Director",
                ("medical education", "clinician wellness"), 4, ("ms3", "ms4", "resident"),
                office_hours="Tuesdays 16:00–17:00, ED conference room B", reputation=18,
                answered=14, response_hours=300),
    DemoFaculty("Dr. Samuel Okafor", EM, "Assistant Professor",
                ("sepsis", "critical care", "clinical trials"), 2, ("ms2", "ms3", "ms4"),
                office_hours="Thursdays 12:00–13:00 (Zoom link in the group channel)",
                reputation=9, answered=9, response_hours=110),
    DemoFaculty("Dr. Hannah Cho", EM, "Program Director",
                ("residency education", "simulation"), 3, ("ms3", "ms4", "resident"),
                reputation=22, answered=20, response_hours=520),
    DemoFaculty("Dr. Wei Xu", EM, "Fellow, Emergency Ultrasound",
                ("point-of-care ultrasound", "ultrasound education"), 3,
                ("ms1", "ms2", "ms3", "ms4"), office_hours="Wednesdays 07:30, ultrasound "
                "scanning shift — bring your questions", answered=6, response_hours=30),
    DemoFaculty("Dr. Robert Lindqvist", EM, "Professor and Chair",
                ("health policy", "emergency department crowding"), 1,
                ("ms4", "resident"), accepting=False, reputation=48, unanswered=7),
    DemoFaculty("Dr. Aisha Bello", EM, "Chief Resident", ("toxicology",), 3,
                ("premed", "ms1", "ms2"), tz=CHI, answered=4, response_hours=20,
                groups=("premed-society",)),
    DemoFaculty("Dr. Diego Fernandez", EM, "Assistant Professor",
                ("global health", "wilderness medicine"), 2, ("ms1", "ms2"), tz=DEN,
                answered=3, response_hours=90),
    DemoFaculty("Dr. Omar Farah", EM, "Associate Professor",
                ("emergency medical services", "disaster medicine"), 3, ("ms2", "ms3", "ms4"),
                tz=LA, reputation=12, answered=8, response_hours=160),
    DemoFaculty("Dr. Priya Natarajan", IM, "Professor",
                ("hospital medicine", "diagnostic reasoning"), 3, CLINICAL_YEARS,
                reputation=30, answered=11, response_hours=400),
    DemoFaculty("Dr. Thomas Greene", IM, "Clerkship Director",
                ("medical education", "high-value care"), 4, CLINICAL_YEARS,
                office_hours="Mondays 15:00–16:00, Medicine office suite 4", reputation=10,
                answered=16, response_hours=200),
    DemoFaculty("Dr. Fatima Haddad", IM, "Associate Professor of Cardiology",
                ("heart failure", "cardio-oncology"), 2, ("ms2", "ms3", "ms4", "resident"),
                tz=CHI, reputation=20, answered=7, response_hours=150),
    DemoFaculty("Dr. Kenji Watanabe", IM, "Fellow, Gastroenterology",
                ("inflammatory bowel disease",), 1, ("ms1", "ms2"), tz=LA, answered=2,
                response_hours=10),
    DemoFaculty("Dr. Grace Mensah", IM, "Program Director",
                ("residency selection", "resident wellbeing"), 3, ("ms4", "resident"),
                accepting=False, reputation=25, answered=10, response_hours=480),
    DemoFaculty("Dr. Michael O'Brien", IM, "Chief Resident", ("quality improvement",), 4,
                ("ms1", "ms2", "ms3"), answered=5, response_hours=25),
    DemoFaculty("Dr. Laura Bennett", IM, "Assistant Dean for Career Advising",
                ("career advising", "residency applications"), 6,
                ("premed", "ms1", "ms2", "ms3", "ms4"),
                office_hours="Daily 10:00–11:00, Student Affairs (walk-in)", reputation=15,
                answered=30, response_hours=240, groups=("premed-society",)),
    DemoFaculty("Dr. Marcus Bell", SURG, "Clerkship Director",
                ("surgical education", "trauma"), 3, CLINICAL_YEARS,
                office_hours="Fridays 07:00, surgical skills lab", reputation=14, answered=9,
                response_hours=130),
    DemoFaculty("Dr. Linda Kowalski", SURG, "Professor",
                ("surgical oncology", "pancreatic cancer"), 2, ("ms2", "ms3", "ms4", "resident"),
                reputation=32, answered=6, response_hours=260),
    DemoFaculty("Dr. Ahmed Siddiqui", SURG, "Assistant Professor",
                ("trauma", "acute care surgery"), 3, ("ms1", "ms2", "ms3"), tz=CHI,
                answered=5, response_hours=60),
    DemoFaculty("Dr. Rachel Goldberg", SURG, "Chief Resident", ("surgical education",), 2,
                PRECLINICAL, answered=3, response_hours=12),
    DemoFaculty("Dr. Gabriel Stone", SURG, "Associate Professor of Vascular Surgery",
                ("vascular surgery", "limb salvage"), 2, CLINICAL_YEARS, accepting=False,
                reputation=16, answered=4, response_hours=200),
    DemoFaculty("Dr. Olivia Chen", PEDS, "Associate Professor",
                ("pediatric asthma", "community health"), 3, ("ms1", "ms2", "ms3"),
                office_hours="Second Tuesday of the month, 17:00, Children's Hospital atrium",
                reputation=11, answered=12, response_hours=140),
    DemoFaculty("Dr. Jamal Washington", PEDS, "Program Director",
                ("neonatology", "resident wellbeing"), 2, ("ms3", "ms4", "resident"), tz=CHI,
                reputation=13, answered=8, response_hours=170),
    DemoFaculty("Dr. Sarah Lindgren", PEDS, "Assistant Professor of Pediatric Emergency "
                "Medicine", ("pediatric emergency care", "procedural sedation"), 3,
                ("ms2", "ms3", "ms4"), answered=5, response_hours=50, groups=("em-interest",)),
    DemoFaculty("Dr. Benjamin Adeyemi", PEDS, "Fellow, Neonatology", ("neonatal nutrition",),
                2, ("premed", "ms1"), answered=2, response_hours=8,
                groups=("premed-society",)),
    DemoFaculty("Dr. Sophie Laurent", PEDS, "Professor",
                ("pediatric infectious disease", "vaccines"), 2, CLINICAL_YEARS,
                reputation=28, answered=5, response_hours=300),
    DemoFaculty("Dr. Naomi Feldman", OB, "Professor",
                ("maternal-fetal medicine", "preeclampsia"), 2, ("ms3", "ms4", "resident"),
                reputation=26, answered=6, response_hours=280),
    DemoFaculty("Dr. Carmen Ortiz", OB, "Clerkship Director",
                ("reproductive health equity",), 3, ("ms2", "ms3", "ms4"),
                office_hours="Wednesdays 16:00, Women's Health clinic", answered=9,
                response_hours=120),
    DemoFaculty("Dr. Julia Park", OB, "Chief Resident", ("global women's health",), 2,
                ("ms1", "ms2", "ms3"), answered=3, response_hours=15),
    DemoFaculty("Dr. Beatriz Santos", OB, "Assistant Professor", ("family planning",), 2,
                ("ms2", "ms3", "ms4"), tz=DEN, answered=2, response_hours=40),
    DemoFaculty("Dr. David Rosen", PSY, "Associate Professor",
                ("addiction medicine", "harm reduction"), 3, ("ms1", "ms2", "ms3", "ms4"),
                reputation=9, answered=7, response_hours=90),
    DemoFaculty("Dr. Amara Okonkwo", PSY, "Assistant Professor",
                ("child and adolescent psychiatry",), 2, ("ms3", "ms4"), accepting=False,
                answered=3, response_hours=70),
    DemoFaculty("Dr. Lucas Moreau", PSY, "Fellow, Consultation-Liaison Psychiatry",
                ("consultation-liaison psychiatry",), 2, ("ms1", "ms2", "ms3"), tz=LA),
    DemoFaculty("Dr. Patricia Howard", FM, "Professor",
                ("rural health", "primary care workforce"), 4, PRECLINICAL,
                office_hours="Thursdays 15:00–16:30, Family Medicine center",
                reputation=17, answered=18, response_hours=260, groups=("premed-society",)),
    DemoFaculty("Dr. Ravi Shah", FM, "Program Director", ("sports medicine",), 3,
                ("ms3", "ms4", "resident"), tz=CHI, answered=6, response_hours=100),
    DemoFaculty("Dr. Emily Tran", FM, "Assistant Professor",
                ("community health", "health equity"), 3, PRECLINICAL, answered=4,
                response_hours=36, groups=("premed-society",)),
    DemoFaculty("Dr. George Papadopoulos", RAD, "Associate Professor",
                ("artificial intelligence in imaging", "neuroradiology"), 2,
                ("ms2", "ms3", "ms4"), reputation=21, answered=4, response_hours=150),
    DemoFaculty("Dr. Sunita Rao", RAD, "Assistant Professor of Interventional Radiology",
                ("interventional oncology",), 2, CLINICAL_YEARS, answered=3,
                response_hours=45),
    DemoFaculty("Dr. Henry Walsh", ANES, "Professor",
                ("perioperative outcomes", "regional anesthesia"), 2, CLINICAL_YEARS,
                reputation=19, answered=5, response_hours=210),
    DemoFaculty("Dr. Mei Lin", ANES, "Assistant Professor",
                ("pain medicine", "opioid stewardship"), 3, ("ms2", "ms3", "ms4"), tz=LA,
                answered=4, response_hours=60),
    DemoFaculty("Dr. Isabel Cruz", NEURO, "Associate Professor", ("stroke", "telestroke"), 3,
                ("ms1", "ms2", "ms3", "ms4"), reputation=12, answered=6,
                response_hours=170, unanswered=1),
    DemoFaculty("Dr. Nathan Brooks", NEURO, "Clerkship Director",
                ("epilepsy", "medical education"), 3, CLINICAL_YEARS, answered=8,
                response_hours=110),
    DemoFaculty("Dr. Ian McAllister", NEURO, "Fellow, Neurocritical Care",
                ("neurocritical care",), 2, ("ms2", "ms3"), answered=1, response_hours=5),
    DemoFaculty("Dr. Yasmin Farouk", DERM, "Assistant Professor",
                ("skin of color", "melanoma"), 1, ("ms3", "ms4"), accepting=False,
                answered=1, response_hours=240, unanswered=3),
    DemoFaculty("Dr. Christopher Hale", DERM, "Associate Professor", ("teledermatology",), 2,
                ("ms2", "ms3", "ms4"), reputation=8, answered=3, response_hours=96),
    DemoFaculty("Dr. Andre Dubois", ORTHO, "Associate Professor",
                ("sports medicine", "ACL reconstruction"), 2, CLINICAL_YEARS, tz=DEN,
                reputation=14, answered=4, response_hours=120),
    DemoFaculty("Dr. Kelly Nakamura", ORTHO, "Chief Resident", ("orthopaedic trauma",), 2,
                ("ms1", "ms2", "ms3"), answered=2, response_hours=20),
)


# --- students -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStudent:
    name: str
    stage: str
    interests: tuple[str, ...]
    research: tuple[str, ...] = ()
    tz: str = NY
    wants_mentor: bool = False
    groups: tuple[str, ...] = ()

    @property
    def email(self) -> str:
        return email_of(self.name)


STUDENTS = (
    DemoStudent("Sofia Alvarez", "premed", ("emergency medicine", "family medicine"),
                ("public health",), groups=("premed-society", "em-interest")),
    DemoStudent("Ethan Morales", "premed", ("general surgery",), tz=CHI, wants_mentor=True,
                groups=("premed-society",)),
    DemoStudent("Lily Zhang", "premed", ("pediatrics", "neonatology"), ("child development",),
                groups=("premed-society", "peds")),
    DemoStudent("Noah Williams", "premed", ("internal medicine",), tz=LA, wants_mentor=True,
                groups=("premed-society",)),
    DemoStudent("Ava Johnson", "ms1", ("pediatrics",), ("pediatric asthma",), groups=("peds",)),
    DemoStudent("Liam O'Connor", "ms1", ("emergency medicine", "wilderness medicine"),
                wants_mentor=True, groups=("em-interest",)),
    DemoStudent("Zara Hussain", "ms1", ("neurology",), ("stroke",), wants_mentor=True),
    DemoStudent("Jordan Kim", "ms2", ("emergency medicine", "ultrasound"),
                ("point-of-care ultrasound",), groups=("em-interest",)),
    DemoStudent("Chloe Martin", "ms2", ("general surgery", "surgical oncology"),
                ("pancreatic cancer",), wants_mentor=True, groups=("surgery",)),
    DemoStudent("Mateo Rossi", "ms2", ("internal medicine", "gastroenterology"),
                ("inflammatory bowel disease",), tz=CHI, groups=("im-interest",)),
    DemoStudent("Anika Sharma", "ms2", ("psychiatry",), ("addiction medicine",),
                wants_mentor=True),
    DemoStudent("Maya Patel", "ms3", ("emergency medicine", "ultrasound"),
                ("sepsis", "point-of-care ultrasound"), groups=("em-interest", "im-interest")),
    DemoStudent("Tyler Jackson", "ms3", ("general surgery", "trauma"), ("trauma",),
                groups=("surgery",)),
    DemoStudent("Hana Suzuki", "ms3", ("obstetrics and gynecology",),
                ("maternal-fetal medicine",), groups=("obgyn",)),
    DemoStudent("Kwame Asante", "ms3", ("emergency medicine",),
                ("emergency medical services", "sepsis"), tz=CHI, groups=("em-interest",)),
    DemoStudent("Ruth Abebe", "ms3", ("pediatrics", "pediatric emergency medicine"),
                wants_mentor=True, groups=("peds", "em-interest")),
    DemoStudent("Daniel Nguyen", "ms4", ("internal medicine", "cardiology"),
                ("heart failure",), groups=("im-interest",)),
    DemoStudent("Isabella Greco", "ms4", ("emergency medicine",), ("simulation",),
                groups=("em-interest",)),
    DemoStudent("Yusuf Karimi", "ms4", ("anesthesiology",), ("regional anesthesia",), tz=DEN),
    DemoStudent("Megan Riley", "ms4", ("dermatology",), ("melanoma",), tz=LA),
    DemoStudent("Ben Carter", "resident", ("emergency medicine", "toxicology"),
                groups=("em-interest",)),
    DemoStudent("Aaliyah Thompson", "resident", ("internal medicine", "cardiology"),
                ("cardio-oncology",), tz=CHI, groups=("im-interest",)),
    DemoStudent("Felix Wagner", "resident", ("general surgery",), ("surgical education",),
                groups=("surgery",)),
    DemoStudent("Grace Liu", "ms2", ("obstetrics and gynecology", "global health"),
                ("global women's health",), groups=("obgyn",)),
)


# --- relationships ------------------------------------------------------------------------


@dataclass(frozen=True)
class Touch:
    days_ago: int
    note: str
    is_ask: bool = False


@dataclass(frozen=True)
class Todo:
    task: str
    due_in_days: int | None
    created_days_ago: int
    done_days_ago: int | None = None
    done_note: str = ""
    decided_not: bool = False


@dataclass(frozen=True)
class DemoMentorship:
    student: str
    mentor: str
    kind: str
    group: str | None
    started_days_ago: int
    contacts: tuple[Touch, ...]
    todos: tuple[Todo, ...] = ()
    source: str = "request"


MENTORSHIPS = (
    # Maya: a career mentor she is overdue to update (last contact 9 weeks ago)…
    DemoMentorship("Maya Patel", "Dr. Elena Ramirez", "career", "em-interest", 300, (
        Touch(290, "First meeting: goals for third year and whether EM is the right fit."),
        Touch(230, "Asked when to schedule away rotations.", is_ask=True),
        Touch(170, "Shared my shelf exam result and plans for the EM rotation."),
        Touch(110, "Update after the medicine clerkship; talked about research options."),
        Touch(63, "Told her the surgery clerkship went well; asked about the SLOE process.",
              is_ask=True),
    )),
    # …a research mentor she meets weekly, with an overdue action item…
    DemoMentorship("Maya Patel", "Dr. Samuel Okafor", "research", "em-interest", 200, (
        Touch(190, "Joined the sepsis time-to-antibiotics project."),
        Touch(120, "Finished the data abstraction form."),
        Touch(60, "Reviewed the first 80 charts together."),
        Touch(21, "Went over the preliminary results."),
        Touch(10, "Discussed which conference to submit to."),
        Touch(3, "Weekly project check-in: figures for the abstract."),
    ), todos=(
        Todo("Draft the abstract for the SAEM regional meeting", 10, 3),
        Todo("Read the two sepsis bundle papers Dr. Okafor sent", -4, 21),
        Todo("Complete CITI human subjects training", -150, 185, done_days_ago=175,
             done_note="Certificate uploaded to the IRB portal."),
    )),
    # …and a relationship where every contact for four months was an ask.
    DemoMentorship("Maya Patel", "Dr. Priya Natarajan", "career", "im-interest", 130, (
        Touch(125, "Asked to shadow her on the wards.", is_ask=True),
        Touch(95, "Asked whether she had a research project for me.", is_ask=True),
        Touch(60, "Asked for advice on the medicine shelf exam.", is_ask=True),
        Touch(20, "Asked her for a clerkship letter.", is_ask=True),
    )),
    DemoMentorship("Jordan Kim", "Dr. Wei Xu", "clinical", "em-interest", 60, (
        Touch(55, "First scanning shift: FAST exams."),
        Touch(14, "Reviewed my saved ultrasound clips."),
        Touch(9, "Scanning shift: cardiac views."),
    ), todos=(Todo("Log 25 supervised FAST scans", 30, 14),)),
    DemoMentorship("Kwame Asante", "Dr. Samuel Okafor", "research", "em-interest", 90, (
        Touch(80, "Joined the sepsis project as a second abstractor."),
        Touch(30, "Inter-rater agreement check."),
        Touch(5, "Weekly check-in on chart abstraction."),
    ), todos=(Todo("Abstract the next 40 charts", 9, 5),)),
    DemoMentorship("Kwame Asante", "Dr. Omar Farah", "career", "em-interest", 150, (
        Touch(140, "Talked about EMS ride-alongs and EM as a career."),
        Touch(100, "Shared that I joined the sepsis project."),
        Touch(50, "Update on my step 1 score; asked about an EMS elective.", is_ask=True),
    )),
    DemoMentorship("Daniel Nguyen", "Dr. Thomas Greene", "career", "im-interest", 400, (
        Touch(380, "Met at the IM interest group dinner."),
        Touch(300, "Talked about sub-internship choices."),
        Touch(200, "Shared my sub-internship evaluation."),
        Touch(120, "Reviewed my program list together."),
        Touch(35, "Update on interview invitations; thanked him for the letter."),
    )),
    DemoMentorship("Daniel Nguyen", "Dr. Fatima Haddad", "research", "im-interest", 250, (
        Touch(240, "Started the heart failure readmissions project."),
        Touch(90, "Poster accepted at the regional ACP meeting."),
        Touch(6, "Weekly check-in: manuscript revisions."),
    ), todos=(Todo("Send the revised methods section", 4, 6),
              Todo("Present the poster at the ACP chapter meeting", None, 120,
                   done_days_ago=80, done_note="Presented; two good questions from judges."),
              Todo("Add a second dataset from the VA", None, 100, done_days_ago=70,
                   done_note="Not feasible before applications: access takes 6 months.",
                   decided_not=True))),
    DemoMentorship("Aaliyah Thompson", "Dr. Fatima Haddad", "research", "im-interest", 180, (
        Touch(170, "Cardio-oncology chart review kickoff."),
        Touch(4, "Weekly meeting on the cardiotoxicity cohort."),
    )),
    DemoMentorship("Tyler Jackson", "Dr. Marcus Bell", "clinical", "surgery", 40, (
        Touch(35, "First day on the trauma service with him."),
        Touch(12, "Went over my H&P feedback."),
    ), todos=(Todo("Practice instrument ties in the skills lab and show him", 5, 12),)),
    DemoMentorship("Ava Johnson", "Dr. Olivia Chen", "career", "peds", 100, (
        Touch(95, "Talked about pediatrics and the asthma outreach program."),
        Touch(45, "Shared my summer research plans."),
        Touch(15, "Update after the first block exams."),
    )),
    DemoMentorship("Sofia Alvarez", "Dr. Patricia Howard", "career", "premed-society", 180, (
        Touch(170, "Premed advising: timeline for applying."),
        Touch(120, "Talked about gap-year options."),
        Touch(75, "Shared my MCAT study plan."),
    ), todos=(Todo("Ask two science professors about letters", 20, 75),)),
    DemoMentorship("Hana Suzuki", "Dr. Carmen Ortiz", "career", "obgyn", 200, (
        Touch(190, "Met at the OB/GYN interest group welcome."),
        Touch(100, "Talked about research in reproductive health equity."),
        Touch(28, "Update after the OB/GYN clerkship."),
    )),
    DemoMentorship("Lily Zhang", "Dr. Benjamin Adeyemi", "career", "premed-society", 30, (
        Touch(25, "Shadowed in the NICU; talked about pediatrics."),
    )),
    DemoMentorship("Mateo Rossi", "Dr. Kenji Watanabe", "research", "im-interest", 70, (
        Touch(60, "IBD registry project kickoff."),
        Touch(6, "Weekly check-in: registry data cleaning."),
    )),
)


@dataclass(frozen=True)
class DemoIntro:
    student: str
    faculty: str
    kind: str
    days_ago: int
    note: str
    group: str | None = None


INTRO_REQUESTS = (
    DemoIntro("Maya Patel", "Dr. Wei Xu", "clinical", 2,
              "I'd love to learn point-of-care ultrasound on your scanning shifts.",
              "em-interest"),
    DemoIntro("Liam O'Connor", "Dr. Diego Fernandez", "career", 5,
              "I'm an MS1 interested in EM and wilderness medicine.", "em-interest"),
    DemoIntro("Zara Hussain", "Dr. Isabel Cruz", "research", 9,
              "I'm hoping to join a stroke research project this summer."),
    DemoIntro("Chloe Martin", "Dr. Linda Kowalski", "research", 3,
              "I'm interested in surgical oncology research.", "surgery"),
    DemoIntro("Megan Riley", "Dr. Yasmin Farouk", "career", 16,
              "I'm applying in dermatology and would value your advice."),
)


@dataclass(frozen=True)
class DemoLetter:
    student: str
    writer: str  # a faculty name, or a writer outside the roster
    program: str
    kind: str | None
    portal: str | None
    deadline_in_days: int
    history: tuple[tuple[str, int], ...]  # (state reached, days ago), from "planned"
    packet: tuple[str, ...] = ()
    reason: str = ""


ERAS_EM = "Emergency Medicine residency (ERAS)"
ERAS_IM = "Internal Medicine residency (ERAS)"
AMCAS = "Medical school (AMCAS)"
FULL_PACKET = ("cv", "statement", "summary", "strengths", "portal", "prompts", "deadline")

LETTERS = (
    DemoLetter("Maya Patel", "Dr. Elena Ramirez", ERAS_EM, "specialty", "ERAS", 45,
               (("planned", 40), ("asked", 20), ("agreed", 17)), ("cv", "statement")),
    DemoLetter("Maya Patel", "Dr. Samuel Okafor", ERAS_EM, "research", "ERAS", 45,
               (("planned", 45), ("asked", 30), ("agreed", 27), ("packet-sent", 20)),
               FULL_PACKET),
    DemoLetter("Maya Patel", "Dr. Priya Natarajan", ERAS_EM, "clerkship", "ERAS", 26,
               (("planned", 10), ("asked", 2))),
    DemoLetter("Maya Patel", "Dr. Marcus Bell", ERAS_EM, "clerkship", "ERAS", 75,
               (("planned", 5),)),
    DemoLetter("Maya Patel", "Dr. Hannah Cho", "Away rotation: County EM (VSLO)", "specialty",
               "other", 2, (("planned", 50), ("asked", 45), ("agreed", 44),
                            ("packet-sent", 40), ("submitted", 4)), FULL_PACKET),
    DemoLetter("Maya Patel", "Prof. Alan Brooks (Biology)", "Summer research fellowship",
               "science", "Interfolio", -150,
               (("planned", 230), ("asked", 200), ("agreed", 198), ("packet-sent", 195),
                ("submitted", 160), ("thanked", 157)), FULL_PACKET),
    DemoLetter("Daniel Nguyen", "Dr. Thomas Greene", ERAS_IM, "specialty", "ERAS", -30,
               (("planned", 120), ("asked", 100), ("agreed", 98), ("packet-sent", 95),
                ("submitted", 40), ("thanked", 37)), FULL_PACKET),
    DemoLetter("Daniel Nguyen", "Dr. Fatima Haddad", ERAS_IM, "research", "ERAS", -10,
               (("planned", 110), ("asked", 90), ("agreed", 89), ("packet-sent", 85),
                ("submitted", 12)), FULL_PACKET),
    DemoLetter("Daniel Nguyen", "Dr. Grace Mensah", ERAS_IM, "specialty", "ERAS", -10,
               (("planned", 60), ("asked", 50), ("declined", 45)),
               reason="Not able to write a strong letter this cycle."),
    DemoLetter("Daniel Nguyen", "Dr. Marcus Bell", ERAS_IM, "clerkship", "ERAS", 20,
               (("planned", 50), ("asked", 40), ("agreed", 38)), ("cv",)),
    DemoLetter("Isabella Greco", "Dr. Hannah Cho", ERAS_EM, "specialty", "ERAS", 12,
               (("planned", 70), ("asked", 55), ("agreed", 54), ("packet-sent", 50)),
               FULL_PACKET),
    DemoLetter("Isabella Greco", "Dr. Elena Ramirez", ERAS_EM, "specialty", "ERAS", 12,
               (("planned", 6), ("asked", 3))),
    DemoLetter("Sofia Alvarez", "Prof. Karen Liu (Organic Chemistry)", AMCAS, "science",
               "AMCAS", 60, (("planned", 30), ("asked", 3))),
    DemoLetter("Sofia Alvarez", "Prof. Alan Brooks (Biology)", AMCAS, "science", "AMCAS", 60,
               (("planned", 30), ("asked", 25), ("agreed", 22)), ("cv", "statement", "summary")),
    DemoLetter("Sofia Alvarez", "Dr. Patricia Howard", AMCAS, "character", "AMCAS", 70,
               (("planned", 12),)),
    DemoLetter("Sofia Alvarez", "Premedical Advisory Committee", AMCAS, "committee", "AMCAS",
               75, (("planned", 12),)),
)


@dataclass(frozen=True)
class DemoOutcome:
    student: str
    kind: str
    text: str
    days_ago: int


OUTCOMES = (
    DemoOutcome("Daniel Nguyen", "interview", "Interview invitation from Riverside Internal "
                "Medicine residency", 5),
    DemoOutcome("Daniel Nguyen", "interview", "Interview invitation from Lakeshore University "
                "IM program", 2),
)


# --- residency programs -------------------------------------------------------------------

NE, MW, SO, WE = "Northeast", "Midwest", "South", "West"


@dataclass(frozen=True)
class DemoProgram:
    name: str
    specialty: str
    city: str
    state: str
    type: str
    positions: int
    visa: str
    takes_do: bool
    takes_img: bool
    step2_mean: int | None
    portal: str
    signals: bool | None = True

    def row(self) -> dict[str, object]:
        yes = {True: "yes", False: "no", None: ""}
        return {"name": self.name, "specialty": self.specialty, "city": self.city,
                "state": self.state, "type": self.type, "positions": self.positions,
                "visa": self.visa, "takes_do": yes[self.takes_do],
                "takes_img": yes[self.takes_img],
                "step2_mean": "" if self.step2_mean is None else self.step2_mean,
                "portal": self.portal, "signals": yes[self.signals],
                "url": f"https://{re.sub(r'[^a-z]+', '-', self.name.lower()).strip('-')}"
                       ".example.org"}


PROGRAMS: dict[str, tuple[DemoProgram, ...]] = {
    "em-interest": (
        DemoProgram("University Hospital EM", EM, "Boston", "MA", "academic", 14, "j1", True,
                    True, 251, "ResidencyCAS"),
        DemoProgram("County EM", EM, "Brooklyn", "NY", "community-academic", 12, "j1;h1b",
                    True, True, 244, "ResidencyCAS"),
        DemoProgram("Riverside EM", EM, "Providence", "RI", "academic", 10, "j1", True, True,
                    247, "ResidencyCAS"),
        DemoProgram("Harborview Academic EM", EM, "Philadelphia", "PA", "academic", 13, "j1",
                    True, True, 249, "ResidencyCAS"),
        DemoProgram("Summit Medical Center EM", EM, "Pittsburgh", "PA", "community-academic",
                    8, "none", True, False, 240, "ResidencyCAS"),
        DemoProgram("Great Lakes University EM", EM, "Chicago", "IL", "academic", 15, "j1",
                    True, True, 255, "ResidencyCAS"),
        DemoProgram("Prairie Health EM", EM, "Omaha", "NE", "community", 8, "none", True,
                    False, 236, "ResidencyCAS", signals=False),
        DemoProgram("Capital City EM", EM, "Washington", "DC", "academic", 12, "j1;h1b",
                    True, True, 250, "ResidencyCAS"),
        DemoProgram("Gulf Coast EM", EM, "Houston", "TX", "academic", 16, "j1", False, True,
                    246, "ResidencyCAS"),
        DemoProgram("Blue Ridge Community EM", EM, "Asheville", "NC", "community", 6, "none",
                    True, False, 238, "ResidencyCAS"),
        DemoProgram("Sunbelt Regional EM", EM, "Phoenix", "AZ", "community-academic", 10,
                    "h1b", True, True, None, "ResidencyCAS"),
        DemoProgram("Pacific University EM", EM, "Seattle", "WA", "academic", 12, "j1", True,
                    True, 253, "ResidencyCAS"),
        DemoProgram("Mountain West EM", EM, "Denver", "CO", "academic", 11, "none", True, True,
                    245, "ResidencyCAS"),
        DemoProgram("Lakeside Community EM", EM, "Milwaukee", "WI", "community", 6, "none",
                    True, False, 233, "ResidencyCAS"),
        DemoProgram("Valley Family Medicine", "Family Medicine", "Worcester", "MA", "community",
                    8, "j1", True, True, 232, "ERAS"),
    ),
    "im-interest": (
        DemoProgram("Riverside Internal Medicine", IM, "Providence", "RI", "academic", 30,
                    "j1;h1b", True, True, 248, "ERAS"),
        DemoProgram("Lakeshore University IM", IM, "Cleveland", "OH", "academic", 28, "j1",
                    True, True, 250, "ERAS"),
        DemoProgram("Bayside Community IM", IM, "Baltimore", "MD", "community", 20, "h1b",
                    True, True, 238, "ERAS"),
    ),
}
"""Each group's residency program list, as its organizers would import it (fictional
programs with realistic figures; Step 2 CK means as programs report them)."""


@dataclass(frozen=True)
class DemoResidencyProfile:
    student: str
    specialty: str
    applicant: str
    step2: int
    home: str | None = None
    aways: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    backup: str | None = None


RESIDENCY_PROFILES = (
    DemoResidencyProfile("Maya Patel", EM, "md", 248, home="University Hospital EM",
                         aways=("County EM",), regions=(NE,), types=("academic",),
                         backup="Family Medicine"),
    DemoResidencyProfile("Daniel Nguyen", IM, "md", 244, regions=(MW,), types=("academic",)),
)


# --- loading ------------------------------------------------------------------------------


@dataclass
class DemoResult:
    groups: int = 0
    faculty: roster.ImportResult | None = None
    students: roster.ImportResult | None = None
    memberships: int = 0
    organizers: int = 0
    mentorships: int = 0
    contacts: int = 0
    action_items: int = 0
    intro_requests: int = 0
    letters: int = 0
    outcomes: int = 0
    programs: int = 0
    residency_profiles: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        people = any(r is not None and r.changed for r in (self.faculty, self.students))
        return people or any((self.groups, self.memberships, self.organizers,
                              self.mentorships, self.contacts, self.action_items,
                              self.intro_requests, self.letters, self.outcomes,
                              self.programs, self.residency_profiles))

    def summary(self) -> str:
        lines = []
        if not self.changed:
            lines.append("The demo data set is already loaded; nothing changed.")
        else:
            lines.append("Loaded the demo data set:")
            lines.append(f"  interest groups: {self.groups} created")
            for label, result in (("faculty", self.faculty), ("students", self.students)):
                if result is not None:
                    lines.append(f"  {label}: {result.created} created, {result.updated} "
                                 f"updated, {result.unchanged} unchanged")
            lines += [
                f"  memberships: {self.memberships}, organizers: {self.organizers}",
                f"  mentorships: {self.mentorships} (with {self.contacts} logged contacts "
                f"and {self.action_items} action items)",
                f"  intro requests: {self.intro_requests}, letters: {self.letters}, "
                f"outcomes: {self.outcomes}",
                f"  residency programs: {self.programs}, residency profiles: "
                f"{self.residency_profiles}",
            ]
        lines += [
            "",
            "Try it as Maya Patel, an MS3 interested in emergency medicine:",
            f"  mentorbot shell --as {DEMO_STUDENT_EMAIL}",
            "As Jordan Kim, who organizes the Emergency Medicine Interest Group:",
            f"  mentorbot shell --as {DEMO_ORGANIZER_EMAIL}",
        ]
        return "\n".join(lines)


def _tuples(result: Result[Any]) -> set[tuple[Any, ...]]:
    return {tuple(row) for row in result}


class _Loader:
    """Loads the data set through each table's store, as any other writer does."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.today = now.date()
        self.result = DemoResult()
        self.people: dict[str, Person] = {}
        self.groups: dict[str, InterestGroup] = {}

    def at(self, days_ago: int) -> datetime:
        """Mid-afternoon UTC (late morning in the Americas) `days_ago` days before today:
        always in the past for days_ago ≥ 1, whatever time the demo is loaded."""
        moment = datetime.combine(self.today - timedelta(days=days_ago), time(15, 0),
                                  tzinfo=self.now.tzinfo)
        return min(moment, self.now)

    def day(self, in_days: int) -> date:
        return self.today + timedelta(days=in_days)

    def person(self, name: str) -> Person | None:
        """A demo person, or None for a writer from outside the roster."""
        return self.people.get(email_of(name))

    # -- steps

    def load(self) -> DemoResult:
        self.load_groups()
        self.load_people()
        self.load_memberships()
        self.load_mentorships()
        self.load_intro_requests()
        self.load_letters()
        self.load_outcomes()
        self.load_programs()
        self.load_residency_profiles()
        self.session.flush()
        return self.result

    def load_groups(self) -> None:
        existing = {g.slug: g for g in self.session.scalars(
            select(InterestGroup).where(InterestGroup.slug.in_([g.slug for g in GROUPS])))}
        for spec in GROUPS:
            group = existing.get(spec.slug)
            if group is None:
                group = groups.create_group(self.session, spec.slug, name=spec.name,
                                            specialty=spec.specialty, tz=NY,
                                            now=self.at(400))
                self.result.groups += 1
            self.groups[spec.slug] = group

    def load_people(self) -> None:
        faculty_csv = roster.to_csv("faculty", (
            {"name": f.name, "email": f.email, "specialty": f.specialty, "title": f.title,
             "research": list(f.research), "capacity": f.capacity, "accepting": f.accepting,
             "stages": list(f.stages), "timezone": f.tz} for f in FACULTY))
        student_csv = roster.to_csv("students", (
            {"name": s.name, "email": s.email, "stage": s.stage,
             "interests": list(s.interests), "research": list(s.research), "timezone": s.tz}
            for s in STUDENTS))
        created_at = self.at(400)
        self.result.faculty = roster.import_csv(self.session, faculty_csv, "faculty",
                                                now=created_at)
        self.result.students = roster.import_csv(self.session, student_csv, "students",
                                                 now=created_at)
        emails = [f.email for f in FACULTY] + [s.email for s in STUDENTS]
        self.people = {p.email: p for p in self.session.scalars(
            select(Person).where(Person.email.in_(emails))) if p.email is not None}
        # What the roster format does not carry, set only on people this run created so
        # a second run (or an edit made since) is never overwritten.
        new = set(self.result.faculty.created_emails) | set(self.result.students.created_emails)
        for spec in FACULTY:
            if spec.email in new:
                person = self.people[spec.email]
                people.set_faculty_profile(person, {"office_hours": spec.office_hours},
                                           now=created_at)
                profile = person.faculty_profile
                assert profile is not None
                people.carry_over_record(profile, reputation=spec.reputation,
                                         answered=spec.answered,
                                         response_hours=spec.response_hours,
                                         unanswered=spec.unanswered)
        for student in STUDENTS:
            if student.email in new and student.wants_mentor:
                people.set_wants_mentor(self.people[student.email], True)

    def load_memberships(self) -> None:
        wanted: list[tuple[str, str]] = []
        for f in FACULTY:
            own = SPECIALTY_GROUP.get(f.specialty.lower())
            wanted += [(f.email, slug) for slug in ((own,) if own else ()) + f.groups]
        wanted += [(s.email, slug) for s in STUDENTS for slug in s.groups]
        organizer_pairs = [(email_of(name), g.slug) for g in GROUPS for name in g.organizers]
        wanted += organizer_pairs
        for email, slug in wanted:
            if groups.join(self.session, self.people[email], self.groups[slug],
                           now=self.at(380)):
                self.result.memberships += 1
        for email, slug in organizer_pairs:
            if groups.make_organizer(self.session, self.people[email], self.groups[slug],
                                     now=self.at(380)):
                self.result.organizers += 1

    def _pairs(self, student: Any, other: Any) -> set[tuple[Any, ...]]:
        """(student id, faculty id) pairs already stored in the table of these columns."""
        ids = [p.id for p in self.people.values()]
        return _tuples(self.session.execute(select(student, other).where(student.in_(ids))))

    def load_mentorships(self) -> None:
        have = self._pairs(Mentorship.student_id, Mentorship.mentor_id)
        for spec in MENTORSHIPS:
            student, mentor = self.person(spec.student), self.person(spec.mentor)
            assert student is not None and mentor is not None, spec
            if (student.id, mentor.id) in have:
                continue
            group = self.groups[spec.group] if spec.group else None
            mentoring.start_mentorships(
                self.session, [mentoring.NewMentorship(student.id, mentor.id, spec.kind,
                                                       group.id if group else None)],
                source=MentorshipSource(spec.source), at=self.at(spec.started_days_ago))
            for touch in spec.contacts:
                mentoring.record_contact(self.session, student, mentor,
                                         at=self.at(touch.days_ago), note=touch.note,
                                         is_ask=touch.is_ask)
                self.result.contacts += 1
            for todo in spec.todos:
                closed = None if todo.done_days_ago is None else mentoring.Closed(
                    self.at(todo.done_days_ago), todo.done_note, todo.decided_not)
                mentoring.add_action_item(
                    self.session, student, mentor, todo.task,
                    due_at=None if todo.due_in_days is None else self._due(todo.due_in_days),
                    now=self.at(todo.created_days_ago), closed=closed)
                self.result.action_items += 1
            self.result.mentorships += 1
            have.add((student.id, mentor.id))

    def _due(self, in_days: int) -> datetime:
        """A due date at the end of that day (UTC), in the past or the future."""
        return datetime.combine(self.day(in_days), time(23, 0), tzinfo=self.now.tzinfo)

    def load_intro_requests(self) -> None:
        have = self._pairs(IntroRequest.student_id, IntroRequest.faculty_id)
        for spec in INTRO_REQUESTS:
            student, faculty = self.person(spec.student), self.person(spec.faculty)
            assert student is not None and faculty is not None, spec
            if (student.id, faculty.id) in have:
                continue
            intros.add_request(self.session, student.id, faculty.id, kind=spec.kind,
                               note=spec.note,
                               group_id=self.groups[spec.group].id if spec.group else None,
                               rank=None, at=self.at(spec.days_ago))
            have.add((student.id, faculty.id))
            self.result.intro_requests += 1

    def load_letters(self) -> None:
        ids = [p.id for p in self.people.values()]
        have = _tuples(self.session.execute(select(Letter.student_id, Letter.writer_name,
                                               Letter.program)
                                        .where(Letter.student_id.in_(ids))))
        for spec in LETTERS:
            student = self.person(spec.student)
            assert student is not None, spec
            writer = self.person(spec.writer)
            writer_name = writer.name if writer else spec.writer
            if (student.id, writer_name, spec.program) in have:
                continue
            letters.import_letter(
                self.session, student_id=student.id, writer_id=writer.id if writer else None,
                writer_name=writer_name, program=spec.program, kind=spec.kind,
                portal=spec.portal, deadline=self.day(spec.deadline_in_days),
                history=[(state, self.at(days_ago)) for state, days_ago in spec.history],
                reason=spec.reason, packet=spec.packet)
            have.add((student.id, writer_name, spec.program))
            self.result.letters += 1

    def load_outcomes(self) -> None:
        for spec in OUTCOMES:
            student = self.person(spec.student)
            assert student is not None, spec
            exists = self.session.scalar(select(Outcome.id).where(
                Outcome.student_id == student.id, Outcome.text == spec.text))
            if exists is None:
                letters.import_outcome(self.session, student.id, kind=spec.kind,
                                       text=spec.text, at=self.at(spec.days_ago))
                self.result.outcomes += 1

    def load_programs(self) -> None:
        """Through the program CSV and the residency store, as an organizer's import."""
        for slug, programs in PROGRAMS.items():
            rows = importing.read(importing.to_csv([p.row() for p in programs]))
            done = residency_store.import_programs(self.session, rows, self.groups[slug],
                                                   now=self.at(60))
            self.result.programs += done.created

    def load_residency_profiles(self) -> None:
        for spec in RESIDENCY_PROFILES:
            student = self.person(spec.student)
            assert student is not None, spec
            if residency_store.profile_of(self.session, student.id) is not None:
                continue
            programs = residency_store.group_programs(
                self.session, residency_store.student_group_ids(self.session, student))
            change = residency_store.ProfileChange(
                specialty=stored_specialty(spec.specialty), applicant=Applicant(spec.applicant),
                step2=spec.step2, backup=stored_specialty(spec.backup) if spec.backup else None,
                home=residency_store.find_program(spec.home, programs) if spec.home else None,
                aways=tuple(residency_store.find_program(a, programs) for a in spec.aways),
                regions=tuple(Region(r) for r in spec.regions),
                types=tuple(ProgramType(t) for t in spec.types))
            residency_store.save_profile(self.session, student, change, now=self.at(30))
            self.result.residency_profiles += 1


def load(session: Session, clock: Clock) -> DemoResult:
    """Load (or complete) the demo data set in the caller's unit of work."""
    return _Loader(session, clock.now()).load()
