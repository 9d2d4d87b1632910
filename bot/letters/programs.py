"""Reading a letter's program phrase ("EM residency (ERAS)", "Emergency Medicine residency",
"IM prelim", "Cardiology fellowship", "Away rotation: County EM (VSLO)") into what it is for:
the track (medical school, residency, fellowship, or something else), the specialty (through
the one specialty vocabulary, `bot.vocab.specialties`, so "EM", "ER" and "Emergency Medicine"
are one specialty), the portal it names, and whether it is a preliminary year.

Programs were compared as strings, so "EM residency (ERAS)" and "EM residency" were two
programs. Anything that counts, warns or groups letters by program reads the phrase here
instead: the residency plan's letters per program, the letter rules' destination of a
letter. The words that say what a phrase is for are kept here, once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.vocab.letters import RESIDENCY_PORTALS, Portal, ProgramTrack
from bot.vocab.specialties import fold, same_specialty, specialties_in

STANDARDIZED_WORDS = re.compile(r"\b(sloe|slor|eslor)\b")
"""A standardized letter (SLOE, SLOR, eSLOR) is written for residency applications, even
when the phrase names the rotation it came from ("SLOE, County EM rotation")."""
RESIDENCY_WORDS = re.compile(
    r"\b(residency|residencies|match|eras|residencycas|sloe|slor|eslor|pgy|pgy1|pgy2|prelim|"
    r"preliminary|categorical|intern year)\b")
"""Words that make a phrase a residency application."""
MED_SCHOOL_WORDS = re.compile(
    r"\b(amcas|aacomas|tmdsas|medical school|med school|md|do|premed)\b")
"""Words that make a phrase a medical-school application."""
FELLOWSHIP_WORDS = re.compile(r"\b(fellowship|fellowships)\b")
"""A fellowship: neither a residency nor a medical-school application."""
ELSEWHERE_WORDS = re.compile(
    r"\b(away|vslo|visiting|rotation|rotations|elective|externship|summer|scholarship|"
    r"internship|award|grant|job|postbacc|post bacc|research program)\b")
"""Words of something else a letter can be for: an away rotation, a summer program, a
scholarship. They are read before the residency words ("Away rotation: County EM" is not a
residency application, though it names a specialty)."""
PRELIM_WORDS = re.compile(r"\b(prelim|preliminary)\b")

_PORTAL_WORDS: tuple[tuple[re.Pattern[str], Portal], ...] = (
    (re.compile(r"\bresidencycas\b"), Portal.RESIDENCYCAS),
    (re.compile(r"\beras\b"), Portal.ERAS),
    (re.compile(r"\bamcas\b"), Portal.AMCAS),
    (re.compile(r"\binterfolio\b"), Portal.INTERFOLIO),
)


@lru_cache(maxsize=100_000)
def normalize_phrase(text: str) -> str:
    """Lower case, accents folded, every run of punctuation one space: how the words above
    are looked for ("OB/GYN residency (ERAS)" → "ob gyn residency eras")."""
    return " ".join(re.split(r"[^a-z0-9]+", fold(text or ""))).strip()


@dataclass(frozen=True)
class ProgramPhrase:
    """What a program phrase says. `track` is None when it says nothing about what the
    letter is for (an empty phrase, "Dr. Smith's letter")."""

    text: str
    track: ProgramTrack | None
    specialty: str | None  # the canonical name, when the phrase names one
    portal: Portal | None  # the portal given, else one the phrase names
    prelim: bool = False

    @property
    def residency(self) -> bool:
        return self.track == ProgramTrack.RESIDENCY

    def for_specialty(self, specialty: str) -> bool:
        """Whether a residency letter read from this phrase goes to `specialty`'s programs:
        the phrase names that specialty (a part of it counts: "peds EM" is pediatrics), or
        names none (a generic "residency (ERAS)" letter goes to every program)."""
        return self.specialty is None or same_specialty(self.specialty, specialty)


@lru_cache(maxsize=50_000)
def read_program(phrase: str, portal: str | None = None) -> ProgramPhrase:
    """Read a program phrase (and the letter's portal, when it has one). The words decide
    first, in this order: a fellowship, something else (an away rotation…), a residency, a
    medical school (a standardized letter's name is a residency before an away rotation's
    words); then the portal (ERAS or ResidencyCAS: a residency; AMCAS: a medical
    school); then a phrase that only names a specialty is a residency program."""
    text = normalize_phrase(phrase)
    named = _portal(portal) or next((p for pattern, p in _PORTAL_WORDS
                                     if pattern.search(text)), None)
    found = specialties_in(phrase) if text else ()
    specialty = found[0] if found else None
    track: ProgramTrack | None
    if FELLOWSHIP_WORDS.search(text):
        track = ProgramTrack.FELLOWSHIP
    elif STANDARDIZED_WORDS.search(text):
        track = ProgramTrack.RESIDENCY
    elif ELSEWHERE_WORDS.search(text):
        track = ProgramTrack.OTHER
    elif RESIDENCY_WORDS.search(text):
        track = ProgramTrack.RESIDENCY
    elif MED_SCHOOL_WORDS.search(text):
        track = ProgramTrack.MED_SCHOOL
    elif named in RESIDENCY_PORTALS:
        track = ProgramTrack.RESIDENCY
    elif named == Portal.AMCAS:
        track = ProgramTrack.MED_SCHOOL
    elif specialty is not None:
        track = ProgramTrack.RESIDENCY
    else:
        track = None
    return ProgramPhrase(text=" ".join((phrase or "").split()), track=track,
                         specialty=specialty, portal=named,
                         prelim=bool(PRELIM_WORDS.search(text)))


def _portal(value: str | None) -> Portal | None:
    if not value:
        return None
    for portal in Portal:
        if portal.value.lower() == value.strip().lower():
            return portal if portal != Portal.OTHER else None
    return None


def names_program(phrase: str, program_name: str) -> bool:
    """Whether a letter's phrase names one program in particular ("County General EM
    residency" names "County General EM"): every word of the program's name appears in the
    phrase, in order."""
    inner = normalize_phrase(program_name).split()
    outer = normalize_phrase(phrase).split()
    if not inner or len(inner) > len(outer):
        return False
    return any(outer[i:i + len(inner)] == inner for i in range(len(outer) - len(inner) + 1))
