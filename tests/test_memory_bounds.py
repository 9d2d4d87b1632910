"""A long-running process keeps what it parses from rows bounded by the rows, not by how
often they change: re-importing the same faculty with their research reworded leaves one
parsed research list per person in the finder, and every text cache has a size of its own
(bench/bench_memory.py prints the process's memory across re-imports)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app.core import Core, Request
from bot.groups import roster
from bot.infra.models import FacultyProfile
from bot.letters import programs
from bot.matching import finder, fit
from bot.vocab import specialties
from tests.support.factories import add_student

FACULTY = 40


def _roster(version: int) -> str:
    return roster.to_csv("faculty", (
        {"name": f"Dr. Test {i}", "email": f"f{i}@example.edu", "specialty": "Pediatrics",
         "research": [f"sepsis {version}", f"asthma outcomes {version}"], "capacity": 2,
         "accepting": True}
        for i in range(FACULTY)))


def test_re_imports_with_reworded_research_keep_one_parse_per_person(core: Core) -> None:
    with core.db.session() as session:
        student = add_student(session, "Ana Lopez", interests=["pediatrics"]).id
    seen = []
    for version in range(4):
        with core.db.session() as session:
            roster.import_csv(session, _roster(version), "faculty", now=core.clock.now())
        for index in list(finder._indexes.values()):  # noqa: SLF001 - the periodic rebuild
            index.built_at = 0.0
        reply = core.handle(Request(root="mentor", actor_id=student, text="find sepsis"))
        assert not reply.error, reply.as_text()
        with core.db.session() as session:
            ids = set(session.scalars(select(FacultyProfile.person_id)))
        held = {pid for pid in finder._research_of if pid in ids}  # noqa: SLF001
        assert held == ids  # the current version of each person's research, no other
        assert all(finder._research_of[pid][0].count(f" {version}") == 2  # noqa: SLF001
                   for pid in ids)
        seen.append(len(held))
    assert seen == [FACULTY] * 4


@pytest.mark.parametrize(("cache", "limit"), [
    (specialties.fold, specialties.TEXT_CACHE), (specialties.words_of, specialties.TEXT_CACHE),
    (specialties.canonical_specialty, specialties.LOOKUP_CACHE),
    (specialties.specialties_in, specialties.LOOKUP_CACHE),
    (fit.held_specialties, specialties.LOOKUP_CACHE), (fit.title_terms, specialties.LOOKUP_CACHE),
    (fit._student_terms, fit.STUDENT_CACHE),  # noqa: SLF001
    (specialties.whole_terms, specialties.TEXT_CACHE),
    (specialties.words_besides_specialties, specialties.LOOKUP_CACHE),
    (fit.whole_research, fit.STUDENT_CACHE),
    (programs.normalize_phrase, specialties.TEXT_CACHE),
    (programs.read_program, specialties.LOOKUP_CACHE),
    (programs.place_words, specialties.LOOKUP_CACHE),
    (finder.json_list, finder.LIST_CACHE), (finder.canonical_for, finder.CANONICAL_CACHE)])
def test_every_text_cache_has_a_size_well_under_the_old_ones(cache, limit) -> None:  # type: ignore[no-untyped-def]
    assert cache.cache_info().maxsize == limit <= 20_000
