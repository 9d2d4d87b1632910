"""The fixed vocabularies of the domain (SPEC): stages, mentor kinds, nudge kinds."""

from __future__ import annotations

import re

from bot.framework.errors import UserError

STAGES = ("premed", "ms1", "ms2", "ms3", "ms4", "resident")
_STAGE_ALIASES = {
    "pre-med": "premed", "pre med": "premed", "undergrad": "premed", "undergraduate": "premed",
    "m1": "ms1", "m2": "ms2", "m3": "ms3", "m4": "ms4",
    "ms-1": "ms1", "ms-2": "ms2", "ms-3": "ms3", "ms-4": "ms4",
    "first year": "ms1", "second year": "ms2", "third year": "ms3", "fourth year": "ms4",
    "intern": "resident", "residency": "resident", "pgy": "resident", "fellow": "resident",
}
MENTOR_KINDS = ("research", "clinical", "career")
NUDGE_KINDS = (
    "followup",
    "action-item",
    "intro-pending",
    "letter-ask",
    "letter-ask-late",
    "letter-packet",
    "letter-checkin",
    "letter-deadline",
    "letter-thanks",
    "letter-outcome",
    "keep-in-touch",
    "transactional",
)
DEFAULT_QUIET_HOURS = "21:00-08:00"


def normalize_stage(value: str) -> str:
    cleaned = re.sub(r"\s+", " ", value.strip().lower())
    if cleaned in STAGES:
        return cleaned
    if cleaned in _STAGE_ALIASES:
        return _STAGE_ALIASES[cleaned]
    if re.fullmatch(r"pgy-?\d", cleaned):
        return "resident"
    raise UserError(f"unknown stage “{value}” (one of {', '.join(STAGES)})")


_HHMM = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")


def normalize_quiet_hours(value: str) -> str:
    """`21:00-08:00` (also `21-8`, `9pm`-style is not accepted) → canonical `HH:MM-HH:MM`."""
    start, sep, end = value.replace("–", "-").replace(" ", "").partition("-")
    if not sep:
        raise UserError(f"quiet: takes a range such as 21:00-08:00, not “{value}”.")
    return f"{_hhmm(start, value)}-{_hhmm(end, value)}"


def _hhmm(part: str, whole: str) -> str:
    match = _HHMM.match(part)
    hour = int(match.group(1)) if match else -1
    minute = int(match.group(2) or 0) if match else -1
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise UserError(f"quiet: takes a range such as 21:00-08:00, not “{whole}”.")
    return f"{hour:02d}:{minute:02d}"
