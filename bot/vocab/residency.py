"""The residency plan's closed vocabularies, written down once: US states and the Census
region each belongs to, program types, visas a program sponsors or a student needs,
applicant types, signal tiers, what happened at a program, plan tiers, and the events of an
application cycle. The program CSV, the profile, the plan and the database read them here."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Region(StrEnum):
    """The four US Census regions: what `regions:` in a profile names."""

    NORTHEAST = "Northeast"
    MIDWEST = "Midwest"
    SOUTH = "South"
    WEST = "West"


STATES: Mapping[str, tuple[str, Region]] = {
    "CT": ("Connecticut", Region.NORTHEAST), "ME": ("Maine", Region.NORTHEAST),
    "MA": ("Massachusetts", Region.NORTHEAST), "NH": ("New Hampshire", Region.NORTHEAST),
    "RI": ("Rhode Island", Region.NORTHEAST), "VT": ("Vermont", Region.NORTHEAST),
    "NJ": ("New Jersey", Region.NORTHEAST), "NY": ("New York", Region.NORTHEAST),
    "PA": ("Pennsylvania", Region.NORTHEAST),
    "IL": ("Illinois", Region.MIDWEST), "IN": ("Indiana", Region.MIDWEST),
    "MI": ("Michigan", Region.MIDWEST), "OH": ("Ohio", Region.MIDWEST),
    "WI": ("Wisconsin", Region.MIDWEST), "IA": ("Iowa", Region.MIDWEST),
    "KS": ("Kansas", Region.MIDWEST), "MN": ("Minnesota", Region.MIDWEST),
    "MO": ("Missouri", Region.MIDWEST), "NE": ("Nebraska", Region.MIDWEST),
    "ND": ("North Dakota", Region.MIDWEST), "SD": ("South Dakota", Region.MIDWEST),
    "DE": ("Delaware", Region.SOUTH), "DC": ("District of Columbia", Region.SOUTH),
    "FL": ("Florida", Region.SOUTH), "GA": ("Georgia", Region.SOUTH),
    "MD": ("Maryland", Region.SOUTH), "NC": ("North Carolina", Region.SOUTH),
    "SC": ("South Carolina", Region.SOUTH), "VA": ("Virginia", Region.SOUTH),
    "WV": ("West Virginia", Region.SOUTH), "AL": ("Alabama", Region.SOUTH),
    "KY": ("Kentucky", Region.SOUTH), "MS": ("Mississippi", Region.SOUTH),
    "TN": ("Tennessee", Region.SOUTH), "AR": ("Arkansas", Region.SOUTH),
    "LA": ("Louisiana", Region.SOUTH), "OK": ("Oklahoma", Region.SOUTH),
    "TX": ("Texas", Region.SOUTH),
    "AZ": ("Arizona", Region.WEST), "CO": ("Colorado", Region.WEST),
    "ID": ("Idaho", Region.WEST), "MT": ("Montana", Region.WEST),
    "NV": ("Nevada", Region.WEST), "NM": ("New Mexico", Region.WEST),
    "UT": ("Utah", Region.WEST), "WY": ("Wyoming", Region.WEST),
    "AK": ("Alaska", Region.WEST), "CA": ("California", Region.WEST),
    "HI": ("Hawaii", Region.WEST), "OR": ("Oregon", Region.WEST),
    "WA": ("Washington", Region.WEST),
}
"""Two-letter codes of the 50 states and DC, with the name and the Census region. US
territories (PR, GU…) belong to no Census region, so a program there has none."""


def region_of(state: str) -> Region:
    """The Census region of a state code (a code this vocabulary knows)."""
    return STATES[state.upper()][1]


class ProgramType(StrEnum):
    ACADEMIC = "academic"
    COMMUNITY = "community"
    COMMUNITY_ACADEMIC = "community-academic"


class Visa(StrEnum):
    """A visa a student needs, or one a program sponsors."""

    NONE = "none"
    J1 = "j1"
    H1B = "h1b"


VISA_LABELS: Mapping[str, str] = {Visa.NONE: "no visa", Visa.J1: "J-1", Visa.H1B: "H-1B"}


class Applicant(StrEnum):
    """Who is applying: a US MD or DO student or graduate, or an international medical
    graduate (the NRMP's groups, which the published figures are split by)."""

    MD = "md"
    DO = "do"
    IMG = "img"


APPLICANT_LABELS: Mapping[str, str] = {Applicant.MD: "US MD", Applicant.DO: "US DO",
                                       Applicant.IMG: "IMG"}


class SignalTier(StrEnum):
    GOLD = "gold"
    SILVER = "silver"
    NONE = "none"  # by hand: no signal to this program


class Tier(StrEnum):
    """Where a program sits for the student, from Step 2 CK against its reported mean."""

    REACH = "reach"
    TARGET = "target"
    LIKELY = "likely"
    UNKNOWN = "unknown"


class Result(StrEnum):
    """What happened at a program (`/residency outcome`)."""

    APPLIED = "applied"
    INTERVIEW = "interview"
    RANKED = "ranked"
    MATCHED = "matched"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Event(StrEnum):
    """The dates of a cycle a plan shows (SPEC: applications open, programs receive them,
    MSPE release, rank-list deadline, Match Day)."""

    APPLICATIONS_OPEN = "applications-open"
    PROGRAMS_RECEIVE = "programs-receive"
    MSPE_RELEASE = "mspe-release"
    RANK_LIST_DEADLINE = "rank-list-deadline"
    MATCH_DAY = "match-day"


EVENT_LABELS: Mapping[str, str] = {
    Event.APPLICATIONS_OPEN: "applications open",
    Event.PROGRAMS_RECEIVE: "programs can begin reviewing applications",
    Event.MSPE_RELEASE: "MSPEs are released to programs",
    Event.RANK_LIST_DEADLINE: "rank order list deadline (NRMP)",
    Event.MATCH_DAY: "Match Day (NRMP)",
}


class EntryState(StrEnum):
    """What the student did with a program by hand: kept it on the list, or dropped it."""

    ADDED = "added"
    DROPPED = "dropped"


class SourceKind(StrEnum):
    """Where a figure comes from: the body that sets or counts it (AAMC, NRMP, the
    application service, a specialty body), or someone reporting it."""

    PRIMARY = "primary"
    SECONDARY = "secondary"


ALL = "all"
"""A figure for every specialty, or every applicant type."""
