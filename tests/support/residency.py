"""Residency lists for tests: programs as plain values for the pure plan, and a group's list
imported through the program CSV and the residency store, as an organizer's would be."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from bot.infra.models import InterestGroup, ResidencyProgram
from bot.letters.rules import LetterFacts
from bot.residency import importing
from bot.residency import store as residency_store
from bot.residency.rules import ProgramFacts
from bot.vocab import cycles
from bot.vocab.letters import LetterKind, LetterState, Portal
from bot.vocab.residency import Event, ProgramType, Region, SourceKind, Visa, region_of

EM, IM = "emergency medicine", "internal medicine"


def program(pid: int, *, specialty: str = EM, state: str = "MA", mean: int | None = 245,
            visas: Iterable[Visa] | None = (Visa.J1, Visa.H1B), takes_do: bool | None = True,
            takes_img: bool | None = True, signals: bool | None = True,
            portal: Portal | None = Portal.ERAS, type: ProgramType | None = None,
            name: str | None = None) -> ProgramFacts:
    return ProgramFacts(
        id=pid, name=name or f"Program {pid:03d}", specialty=specialty, state=state,
        city="City", region=region_of(state), type=type, positions=10,
        visas=frozenset(visas) if visas is not None else None, takes_do=takes_do,
        takes_img=takes_img, step2_mean=mean, portal=portal, signals=signals)


def letter(lid: int, *, kind: LetterKind | None = LetterKind.SPECIALTY,
           program: str = "EM residency (ERAS)", portal: Portal | None = Portal.ERAS,
           state: LetterState = LetterState.AGREED, writer: str | None = None) -> LetterFacts:
    return LetterFacts(id=lid, writer_id=None, writer_name=writer or f"Dr. Writer {lid}",
                       program=program, kind=kind, portal=portal, state=state,
                       deadline=date(2026, 9, 1))


def import_rows(session: Session, group: InterestGroup, rows: list[dict[str, object]],
                *, now: object) -> list[ResidencyProgram]:
    """Import `rows` (CSV columns) into the group's list; returns the group's programs."""
    parsed = importing.read(importing.to_csv(rows))
    residency_store.import_programs(session, parsed, group, now=now)  # type: ignore[arg-type]
    return residency_store.group_programs(session, [group.id])


def em_rows(count: int, *, state: str = "MA", mean: int = 245, prefix: str = "EM Program",
            **extra: object) -> list[dict[str, object]]:
    return [{"name": f"{prefix} {i:02d}", "specialty": "EM", "state": state,
             "city": "Boston", "step2_mean": mean + (i % 9) - 4, "visa": "j1;h1b",
             "takes_do": "yes", "takes_img": "yes", "portal": "ERAS", "signals": "yes",
             **extra} for i in range(1, count + 1)]


TEST_SOURCE = "https://example.org/a-date-made-up-for-a-test"


def with_cycle_date(monkeypatch: pytest.MonkeyPatch, cycle: str, event: Event, day: date,
                    portal: Portal | None = None) -> None:
    """Add a made-up date to a cycle's published data for one test (undone after it): for a
    test that needs a date the data does not have yet, such as one after January 2027."""
    data = cycles.CYCLES[cycle]
    added = cycles.CycleDate(event=event, day=day, portal=portal, source=TEST_SOURCE,
                             source_kind=SourceKind.SECONDARY, note="made up for a test")
    monkeypatch.setitem(cycles.CYCLES, cycle, data.model_copy(
        update={"dates": (*data.dates, added)}))
    # a cache of its own for the test, so the published data's is left as it was
    monkeypatch.setattr(cycles, "sources_of", functools.cache(cycles.sources_of.__wrapped__))


__all__ = ["EM", "IM", "Region", "em_rows", "import_rows", "letter", "program", "with_cycle_date"]
