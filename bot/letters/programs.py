"""Reading a letter's program phrase ("EM residency (ERAS)", "Emergency Medicine residency",
"IM prelim", "Cardiology fellowship", "Away rotation: County EM (VSLO)") into what it is for:
the track (medical school, residency, fellowship, or something else), the specialty (through
the one specialty vocabulary, `bot.vocab.specialties`, so "EM", "ER" and "Emergency Medicine"
are one specialty), the portal it names, and whether it is a preliminary year.

Programs were compared as strings, so "EM residency (ERAS)" and "EM residency" were two
programs. Anything that counts, warns or groups letters by program reads the phrase here
instead: the residency plan's letters per program, the letter rules' destination of a
letter, the same-program warning, the letter mix's cap per program, the writers suggested
in place of one who declined, and which writers an outcome is shared with. The words that
say what a phrase is for are kept here, once.

Two phrases are one program (`same_program`) when they are for the same track and
specialty and name no two different places: "EM residency (ERAS)", "Emergency Medicine
residency" and "EM residency at County General" all reach County General's emergency
medicine program (a letter for every EM program is assigned to it too); "County General EM"
and "State EM" do not. The portal is where a letter is sent, not which program it is for,
so it does not tell programs apart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.vocab.letters import RESIDENCY_PORTALS, Portal, ProgramTrack
from bot.vocab.specialties import (
    LOOKUP_CACHE,
    TEXT_CACHE,
    fold,
    same_specialty,
    specialties_in,
    words_besides_specialties,
)

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
FILLER_WORDS = re.compile(
    r"\b(program|programs|programme|application|applications|apply|applying|letter|letters|"
    r"recommendation|lor|lors|cycle|season|position|positions|a|an|the|of|for|at|in|and|to|"
    r"my|with|from|via|through|year|categorical|intern)\b")
"""Words that say nothing about which program a phrase means ("letter for my application")."""

_PORTAL_WORDS: tuple[tuple[re.Pattern[str], Portal], ...] = (
    (re.compile(r"\bresidencycas\b"), Portal.RESIDENCYCAS),
    (re.compile(r"\beras\b"), Portal.ERAS),
    (re.compile(r"\bamcas\b"), Portal.AMCAS),
    (re.compile(r"\binterfolio\b"), Portal.INTERFOLIO),
)


@lru_cache(maxsize=TEXT_CACHE)
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
    place: tuple[str, ...] = ()  # the words naming one program ("county general"), if any

    @property
    def residency(self) -> bool:
        return self.track == ProgramTrack.RESIDENCY

    def for_specialty(self, specialty: str) -> bool:
        """Whether a residency letter read from this phrase goes to `specialty`'s programs:
        the phrase names that specialty (a part of it counts: "peds EM" is pediatrics), or
        names none (a generic "residency (ERAS)" letter goes to every program)."""
        return self.specialty is None or same_specialty(self.specialty, specialty)


@lru_cache(maxsize=LOOKUP_CACHE)
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
    # A standardized letter's phrase names the rotation it was earned on ("SLOE, County EM
    # rotation"), not a program: it goes to every program of the specialty.
    earned = track == ProgramTrack.RESIDENCY and bool(ELSEWHERE_WORDS.search(text))
    return ProgramPhrase(text=" ".join((phrase or "").split()), track=track,
                         specialty=specialty, portal=named,
                         prelim=bool(PRELIM_WORDS.search(text)),
                         place=() if earned else place_words(phrase))


_NOT_PLACE: tuple[re.Pattern[str], ...] = (
    FELLOWSHIP_WORDS, STANDARDIZED_WORDS, ELSEWHERE_WORDS, RESIDENCY_WORDS, MED_SCHOOL_WORDS,
    PRELIM_WORDS, FILLER_WORDS, *(pattern for pattern, _ in _PORTAL_WORDS))


@lru_cache(maxsize=LOOKUP_CACHE)
def place_words(phrase: str) -> tuple[str, ...]:
    """The words of a phrase that name one program in particular: what is left once the
    specialty, the track, the portal and filler words are taken out ("County General EM
    residency (ERAS)" -> county, general; "EM residency" -> none)."""
    text = " ".join(words_besides_specialties(phrase or ""))
    for pattern in _NOT_PLACE:
        text = pattern.sub(" ", text)
    return tuple(word for word in text.split() if not word.isdigit())


def same_place(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """A phrase that names no place reaches every program of its kind; two that name one
    must name the same (one's words a run in the other's: "County General" and "County
    General Hospital")."""
    if not a or not b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return any(long_[i:i + len(short)] == short for i in range(len(long_) - len(short) + 1))


def _same_specialty_slot(a: ProgramPhrase, b: ProgramPhrase) -> bool:
    """The same specialty: the same canonical name; for a residency, a phrase naming none
    ("residency (ERAS)") goes to every specialty's programs."""
    if a.specialty == b.specialty:
        return True
    return a.residency and (a.specialty is None or b.specialty is None)


def same_program(a: ProgramPhrase, b: ProgramPhrase) -> bool:
    """Whether letters read from `a` and `b` go to the same program (see the module's
    docstring). Phrases that say nothing about what they are for are the same only when
    they are written the same (two letters "with no program named")."""
    if a.track is None or b.track is None:
        return a.track is None and b.track is None and \
            normalize_phrase(a.text) == normalize_phrase(b.text)
    return (a.track == b.track and a.prelim == b.prelim and _same_specialty_slot(a, b)
            and same_place(a.place, b.place))


def credits(outcome: ProgramPhrase, letter: ProgramPhrase) -> bool:
    """Whether a letter had a part in an outcome (an interview, an acceptance, the match):
    unless the outcome says it was for another track (a residency interview is not a
    fellowship's) or another specialty's programs, every letter the writer submitted
    may have helped. Places are not compared: an outcome names where, a letter often
    does not."""
    if outcome.track is not None and letter.track is not None and outcome.track != letter.track:
        return False
    if outcome.specialty is None or letter.specialty is None:
        return True
    return same_specialty(outcome.specialty, letter.specialty)


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
