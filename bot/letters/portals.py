"""Where a residency letter goes, and what the portal and the specialty ask of it, from the
cycle data (`bot.vocab.cycles`) rather than restated here: which portal a specialty's
programs use in the cycle of a letter's deadline (emergency medicine: ERAS until 2024–25,
ResidencyCAS from 2025–26), the most letters a portal assigns to one program (ERAS: 4), and
the specialty's standardized letter (emergency medicine: two SLOEs).

A portal the student named is theirs and is kept; one read from the data is said to be
inferred, with the cycle it is from. Pure lookups into data loaded at start-up: no database,
no clock (callers pass the deadline or the cycle)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.letters.programs import ProgramPhrase, read_program
from bot.vocab import cycles
from bot.vocab.cycles import Found, LetterRule, StandardizedLetter
from bot.vocab.letters import Portal

LETTER_CYCLE_TURNS = (4, 1)
"""(month, day) from which a residency letter's deadline belongs to the next cycle: a cycle's
Match is in March, so a letter due from April on is for the applications that go in that
year (a letter due on 15 September 2026 is for 2026–27)."""

DEFAULT_RESIDENCY_PORTAL = Portal.ERAS
"""The portal of a residency program the cycle data places nowhere else: ERAS carries the
applications of every specialty but those whose move to ResidencyCAS the data records."""


def letter_cycle(deadline: date) -> str:
    """The application cycle a residency letter due on `deadline` is for ("2026-27")."""
    first = deadline.year if (deadline.month, deadline.day) >= LETTER_CYCLE_TURNS \
        else deadline.year - 1
    return cycles.cycle_name(first)


@dataclass(frozen=True)
class PortalFor:
    """The portal a letter goes through: the one the student named (`said`), else the one
    the cycle data gives its specialty (`found`, with the figure's own cycle), else the
    default residency portal (`default`); None when the letter is not for a residency, or
    names no specialty and no portal."""

    portal: Portal | None
    said: bool = False
    found: Found[Portal] | None = None
    default: bool = False

    @property
    def inferred(self) -> bool:
        return self.portal is not None and not self.said


def portal_for(phrase: ProgramPhrase, deadline: date) -> PortalFor:
    """Where a letter read as `phrase` and due on `deadline` is submitted."""
    if phrase.portal is not None:
        return PortalFor(phrase.portal, said=True)
    if not phrase.residency or phrase.specialty is None:
        return PortalFor(None)
    found = cycles.latest_portal(letter_cycle(deadline), phrase.specialty)
    if found is not None:
        return PortalFor(found.value, found=found)
    return PortalFor(DEFAULT_RESIDENCY_PORTAL, default=True)


def other_portal(phrase: ProgramPhrase, deadline: date) -> Found[Portal] | None:
    """The portal the cycle data gives the specialty of a residency letter whose student
    named another one (emergency medicine letters "through ERAS" in 2025–26, when EM moved to
    ResidencyCAS): worth a check, never a silent change."""
    if phrase.portal is None or not phrase.residency or phrase.specialty is None:
        return None
    found = cycles.latest_portal(letter_cycle(deadline), phrase.specialty)
    return found if found is not None and found.value != phrase.portal else None


def letter_portal(program: str, portal: str | None, deadline: date) -> PortalFor:
    """`portal_for` of a letter as stored (its program phrase and portal)."""
    return portal_for(read_program(program, portal), deadline)


def program_cap(portal: Portal | None, cycle: str) -> Found[LetterRule] | None:
    """The portal's letter rule for the cycle (the latest published), when it caps the
    letters one program receives; None when it sets no cap (ResidencyCAS: none found)."""
    if portal is None:
        return None
    rule = cycles.letter_rule(cycle, portal)
    if rule is None or rule.value.max_per_program is None:
        return None
    return rule


def standardized(cycle: str, specialty: str) -> Found[StandardizedLetter] | None:
    """The specialty's standardized letter for the cycle (the latest published), if any."""
    return cycles.standardized_letter(cycle, specialty) if specialty else None
