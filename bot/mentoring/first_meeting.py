"""Preparing a first meeting with a new mentor: a short agenda and a few example questions
suited to the kind of mentor (research, clinical, career) and the student's stage, shown to
the student when a mentor accepts them.

The guide's point is that a first meeting goes well when the student arrives with a plan
and real questions; generic advice ("be prepared") does not help, questions a student at
their stage could actually ask do. Pure: plain values in, text out."""

from __future__ import annotations

from enum import StrEnum

from bot.framework.wording import count, range_text
from bot.matching import rules as intro_rules
from bot.mentoring.cadence import describe_cadence
from bot.vocab.mentoring import MentorKind
from bot.vocab.stages import Stage

QUESTIONS_SHOWN = 3
"""Example questions offered for a first meeting (the guide: bring 2–3)."""

QUESTIONS_TO_BRING = (2, 3)
"""How many questions of their own the guide tells a student to bring."""


class Band(StrEnum):
    """Stages that ask the same kind of questions."""

    PREMED = "premed"
    PRECLINICAL = "preclinical"  # MS1–MS2
    CLINICAL = "clinical"  # MS3–MS4
    RESIDENT = "resident"


_BANDS: dict[str, Band] = {
    Stage.PREMED: Band.PREMED,
    Stage.MS1: Band.PRECLINICAL,
    Stage.MS2: Band.PRECLINICAL,
    Stage.MS3: Band.CLINICAL,
    Stage.MS4: Band.CLINICAL,
    Stage.RESIDENT: Band.RESIDENT,
}

DEFAULT_BAND = Band.PRECLINICAL
"""The band of a student who has not given their stage: general questions that suit most."""


def band_of(stage: str | None) -> Band:
    return _BANDS.get(stage or "", DEFAULT_BAND)


QUESTIONS: dict[tuple[str, Band], tuple[str, ...]] = {
    (MentorKind.RESEARCH, Band.PREMED): (
        "What does a good first research project look like for a premed student?",
        "How many hours a week would I need to give to be useful to your group?",
        "Which skills should I build before I start: statistics, coding, a lab technique?",
    ),
    (MentorKind.RESEARCH, Band.PRECLINICAL): (
        "Is there a question in your current work a preclinical student could own over a "
        "summer?",
        "Would a case report, a chart review or a quality-improvement project be a good "
        "first step?",
        "How do your students balance research with preparing for Step 1?",
    ),
    (MentorKind.RESEARCH, Band.CLINICAL): (
        "Is there a project I could join during my clinical year that could lead to an "
        "abstract or a poster?",
        "How much do residency programs in your field weigh research, and what kind?",
        "Who else in your group should I get to know?",
    ),
    (MentorKind.RESEARCH, Band.RESIDENT): (
        "Which open questions in your area are realistic for a resident to take on?",
        "How do you protect research time during residency?",
        "Would a fellowship change what I should be working on now?",
    ),
    (MentorKind.CLINICAL, Band.PREMED): (
        "What does a typical day in your clinical work look like?",
        "Could I shadow you, and what should I read before I do?",
        "Which experiences helped you most before medical school?",
    ),
    (MentorKind.CLINICAL, Band.PRECLINICAL): (
        "Which clinical skills should I practise now to be ready for clerkships?",
        "Could I shadow a shift or a clinic day with you?",
        "What sets apart the students who do well on your service?",
    ),
    (MentorKind.CLINICAL, Band.CLINICAL): (
        "What do you look for in a student on your service, and how can I stand out?",
        "How can I get regular feedback from you while I work with you?",
        "What should I do to make the most of a sub-internship in your specialty?",
    ),
    (MentorKind.CLINICAL, Band.RESIDENT): (
        "How did you build your clinical judgement in your first years?",
        "Which cases or procedures should I seek out this year?",
        "What would you focus on in my position?",
    ),
    (MentorKind.CAREER, Band.PREMED): (
        "What made you choose medicine, and then your specialty?",
        "What would you do differently if you were applying to medical school now?",
        "Which experiences do admissions committees value most today?",
    ),
    (MentorKind.CAREER, Band.PRECLINICAL): (
        "How did you choose your specialty, and when did you know?",
        "What should I be doing this year to keep my options open?",
        "Who else would you suggest I meet?",
    ),
    (MentorKind.CAREER, Band.CLINICAL): (
        "How competitive is your specialty, and where would my application stand?",
        "Which programs would you look at in my position?",
        "What makes an application stand out in your specialty?",
    ),
    (MentorKind.CAREER, Band.RESIDENT): (
        "What should I be doing now for a fellowship or a first job?",
        "How did you find mentors after residency?",
        "What do you wish you had known as a resident?",
    ),
}

_KIND_AGENDA: dict[str, str] = {
    MentorKind.RESEARCH: "Their current projects, and where a student could help",
    MentorKind.CLINICAL: "How working with them clinically goes: shifts or clinic days, "
                         "what to read first",
    MentorKind.CAREER: "Their path into the specialty, and what they would focus on in your "
                       "position",
}


def questions(kind: str, stage: str | None) -> tuple[str, ...]:
    """QUESTIONS_SHOWN example questions for a first meeting with a `kind` mentor."""
    found = QUESTIONS.get((kind, band_of(stage))) or QUESTIONS[(MentorKind.CAREER,
                                                                 band_of(stage))]
    return found[:QUESTIONS_SHOWN]


def agenda(kind: str, cadence_days: int) -> tuple[str, ...]:
    """A short agenda for a first meeting of `FIRST_MEETING_MINUTES` (`bot.matching.rules`:
    read when the text is built, so a changed rule changes it)."""
    topic = _KIND_AGENDA.get(kind, _KIND_AGENDA[MentorKind.CAREER])
    return (
        "A minute on you: where you are and what you are aiming at",
        topic,
        f"Your {range_text(QUESTIONS_TO_BRING)} questions (examples below)",
        "One next step you agree on, and when you will be back in touch (I'll remind you "
        f"{describe_cadence(cadence_days)})",
    )


def meeting_length() -> str:
    """'15–20 minutes': the guide's short first meeting."""
    return f"{range_text(intro_rules.FIRST_MEETING_MINUTES)} minutes"


def preparation_text(kind: str, stage: str | None, cadence_days: int) -> str:
    """The agenda and the example questions as plain text, for the student's message."""
    steps = "\n".join(f"{n}. {item}" for n, item in enumerate(agenda(kind, cadence_days), 1))
    asks = "\n".join(f"• {q}" for q in questions(kind, stage))
    return (f"Keep it to about {meeting_length()}:\n{steps}\n\n"
            f"{count(QUESTIONS_SHOWN, 'question').capitalize()} you could ask:\n{asks}")
