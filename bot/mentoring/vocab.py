"""The words mentoring stores: why a mentorship ended (`mentorships.end_reason`) and how a
student answered a "Did you meet?" check-in (`checkins.answer`). Written down here only;
code compares and writes these members, and reports read the same ones."""

from __future__ import annotations

from enum import StrEnum


class EndReason(StrEnum):
    """Why a mentorship ended (`Mentorship.end_reason`)."""

    STUDENT = "student"  # the student ended it (`/mentor end`)
    FACULTY = "faculty"  # the mentor ended it (`/mentor end`)
    NO_MEETING = "no-meeting"  # the student answered a check-in "not going to happen"
    DELETED = "deleted"  # one of the two had their data deleted


class CheckinAnswer(StrEnum):
    """A student's answer to "Did you meet?" (`Checkin.answer`; NULL while unanswered)."""

    MET = "met"
    NOT_YET = "not-yet"
    NO = "no"  # not going to happen: the mentorship ends


CHECKIN_ANSWERS: tuple[str, ...] = tuple(CheckinAnswer)
