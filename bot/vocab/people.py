"""What a person is to the bot, and why a faculty member is not offered: written down here
only (the `roles` CHECK is built from `Role`), so code compares and writes these members,
never the strings."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A person's roles: student and faculty hold everywhere; organizer is per group."""

    STUDENT = "student"
    FACULTY = "faculty"
    ORGANIZER = "organizer"


GLOBAL_ROLES = (Role.STUDENT, Role.FACULTY)
"""The roles held without a group (`roles.group_id` is NULL)."""


class AcceptingOff(StrEnum):
    """Why a faculty member's profile says they are not accepting mentees
    (`faculty_profiles.accepting_off_reason`): their own choice, or the bot's, after the
    still-mentoring question went unanswered (the program report lists those)."""

    CHOSEN = ""  # they said so (or they are accepting)
    NO_ANSWER = "no-answer"  # their last requests expired and the question went unanswered


class Suggest(StrEnum):
    """Whom adapters suggest for an option as a member types (`Option.suggest`; the rule
    is `bot.people.directory`)."""

    FACULTY = "faculty"  # the staff directory (a letter writer, who may be from outside)
    REQUESTER = "requester"  # the students who asked the member for an intro
