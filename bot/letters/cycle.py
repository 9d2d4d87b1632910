"""Starting early (the guide: relationships with future writers start 9–12 months before
letters are needed): when the student's application cycle needs its letters, and so when
relationships should start and when the asks fall. Pure functions of plain values; the
words are `bot.letters.plan_messages`'."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.infra.months import add_months
from bot.letters import rules
from bot.vocab.letters import Track
from bot.vocab.stages import Stage

RELATIONSHIP_MONTHS = (9, 12)
"""Relationships with future writers start this many months before letters are needed."""

LETTERS_NEEDED: Mapping[Track, tuple[int, int]] = {
    # AMCAS opens at the end of May; schools read complete files (letters in) from July.
    Track.MED_SCHOOL: (7, 1),
    # ERAS: programs start reading applications in September; letters should be in by then.
    Track.RESIDENCY: (9, 1),
}
"""(month, day) by which an application cycle of each track needs its letters."""

ACADEMIC_YEAR_START = (7, 1)
"""(month, day) a school year starts: a student's stage moves on then."""

SCHOOL_YEAR: Mapping[str, int] = {Stage.MS1: 1, Stage.MS2: 2, Stage.MS3: 3, Stage.MS4: 4}
APPLYING_YEAR: Mapping[Track, int] = {Track.RESIDENCY: 4}
"""The school year in which students apply: residency in the fourth (MS4) year."""


class CycleSource(StrEnum):
    """Where the target cycle was read from."""

    LETTERS = "letters"  # the earliest deadline among the student's letters for the track
    STAGE = "stage"  # the season of the student's applying year, from their stage
    NEXT = "next"  # the track's next season


@dataclass(frozen=True)
class Cycle:
    track: Track
    needed: date  # when the letters are needed
    source: CycleSource

    @property
    def relationships_from(self) -> date:
        """The earliest start the guide gives for relationships with future writers."""
        return add_months(self.needed, -RELATIONSHIP_MONTHS[1])

    @property
    def relationships_by(self) -> date:
        """The latest start the guide gives."""
        return add_months(self.needed, -RELATIONSHIP_MONTHS[0])

    @property
    def ask_by(self) -> date:
        """When the asks for letters needed on `needed` fall (`bot.letters.rules`' ask-by)."""
        return rules.timeline(self.needed).ask_by


def _next_season(track: Track, today: date) -> date:
    month, day = LETTERS_NEEDED[track]
    season = date(today.year, month, day)
    return season if season >= today else date(today.year + 1, month, day)


def _school_year_start(today: date) -> int:
    """The calendar year in which the current school year started."""
    return today.year if (today.month, today.day) >= ACADEMIC_YEAR_START else today.year - 1


def target_cycle(track: Track, *, today: date, stage: str | None,
                 deadlines: Iterable[date]) -> Cycle:
    """The cycle the student is working to: the earliest of their letters' deadlines still
    ahead; else, for a medical student applying to residency, the season of the school year
    in which they will be an MS4 (an MS3 in January: this coming September); else the
    track's next season."""
    ahead = sorted(d for d in deadlines if d >= today)
    if ahead:
        return Cycle(track, ahead[0], CycleSource.LETTERS)
    applying = APPLYING_YEAR.get(track)
    year = SCHOOL_YEAR.get(stage or "")
    if applying is not None and year is not None:
        month, day = LETTERS_NEEDED[track]
        season = date(_school_year_start(today) + applying - year, month, day)
        if season >= today:
            return Cycle(track, season, CycleSource.STAGE)
    return Cycle(track, _next_season(track, today), CycleSource.NEXT)
