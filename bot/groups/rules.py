"""Rules about groups, as plain values: when a group's weekly digest goes out (how an
organizer writes it: "monday 09:00", "off"), and how far a platform admin's rights reach.

Groups are shared by every Slack workspace and Discord server the bot serves, so a platform
admin (Slack workspace admin or owner, Discord Manage Server) is an organizer's equal only
for the groups bound to a channel of their own workspace or server; everywhere else the
group's own organizers decide (`admin_reaches`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import UserError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""Day names by Python's weekday number (0 = Monday), as the digest setting reads them
(English whatever the machine's locale, unlike `calendar.day_name`)."""
DAY_PREFIX = 3
"""How many letters of a day name are enough ("mon", "tues")."""
DIGEST_OFF = "off"
DIGEST_ON = "on"
DIGEST_EXAMPLE = "monday 09:00"

_DAY_AND_HOUR = re.compile(
    r"^(?P<day>[a-z]+),?\s+(?:at\s+)?(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*"
    r"(?P<half>am|pm|a\.m\.|p\.m\.)?$")


@dataclass(frozen=True)
class DigestSetting:
    """What `digest:` asked for: off, back on as it was, or on at a weekday and hour."""

    enabled: bool
    weekday: int | None = None  # 0 = Monday
    hour: int | None = None  # 0–23, on the group's wall clock


def _bad_digest(text: str, why: str = "") -> UserError:
    reason = f" {why}" if why else ""
    return UserError(f"digest: takes a day and an hour on the group's clock, like "
                     f"“{DIGEST_EXAMPLE}”, or {DIGEST_OFF} (not “{text}”).{reason}")


def weekday_of(word: str) -> int | None:
    """The weekday a word names ("mon", "Tuesday", "thurs", "weds", "fridays"), or None."""
    word = word.lower()
    forms = [word] + ([word[:-1]] if word.endswith("s") else [])
    for form in forms:
        if len(form) < DAY_PREFIX:
            continue
        for number, name in enumerate(WEEKDAYS):
            if name.startswith(form):
                return number
    return None


def parse_digest(text: str) -> DigestSetting:
    """`digest:` as an organizer types it: "monday 09:00", "Mon 9am", "fridays at 14",
    "off", "on". The digest goes out on the hour, so minutes other than :00 are refused
    rather than silently dropped."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in {DIGEST_OFF, "no", "none", "never"}:
        return DigestSetting(enabled=False)
    if cleaned in {DIGEST_ON, "yes"}:
        return DigestSetting(enabled=True)
    found = _DAY_AND_HOUR.match(cleaned)
    if found is None:
        raise _bad_digest(text)
    weekday = weekday_of(found["day"])
    if weekday is None:
        raise _bad_digest(text, f"“{found['day']}” is not a day of the week.")
    hour = int(found["hour"])
    half = (found["half"] or "").replace(".", "")
    if half:
        if not 1 <= hour <= 12:
            raise _bad_digest(text, f"{hour} {half} is not an hour.")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23:
        raise _bad_digest(text, f"{hour} is not an hour (0–23).")
    if found["minute"] is not None and int(found["minute"]) != 0:
        raise _bad_digest(text, f"The digest goes out on the hour: {hour:02d}:00 or "
                                f"{(hour + 1) % 24:02d}:00.")
    return DigestSetting(enabled=True, weekday=weekday, hour=hour)


def admin_reaches(bindings: Iterable[tuple[str, str]], platform: str, workspace: str) -> bool:
    """Whether an admin of `workspace` on `platform` may act for a group whose channels are
    `bindings` (platform, workspace): only when one of them is in that very workspace. A
    binding stored without a workspace counts for no admin."""
    return bool(workspace) and any(p == platform and w == workspace for p, w in bindings)
