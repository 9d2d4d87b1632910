"""A letter's program phrase read into what it is for (track, specialty through the one
vocabulary, portal, preliminary year), and the letter vocabulary's third-round words: the
standardized letter (`kind:sloe`, also SLOE, SLOR, eSLOR) and the portal ResidencyCAS."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.app.core import Core
from bot.infra.models import Letter
from bot.letters import mix
from bot.letters.programs import names_program, read_program
from bot.letters.rules import Destination, LetterFacts, destination, infer_kind
from bot.vocab.letters import LetterKind, LetterState, Portal, ProgramTrack
from tests.support.factories import Driver, add_student

EM, IM, OB = "emergency medicine", "internal medicine", "obstetrics and gynecology"


@pytest.mark.parametrize(("phrase", "portal", "track", "specialty", "named", "prelim"), [
    ("EM residency (ERAS)", None, ProgramTrack.RESIDENCY, EM, Portal.ERAS, False),
    ("EM residency", None, ProgramTrack.RESIDENCY, EM, None, False),
    ("Emergency Medicine residency", None, ProgramTrack.RESIDENCY, EM, None, False),
    ("Emergency Medicine residency (ERAS)", None, ProgramTrack.RESIDENCY, EM, Portal.ERAS,
     False),
    ("ER", None, ProgramTrack.RESIDENCY, EM, None, False),
    ("IM prelim", None, ProgramTrack.RESIDENCY, IM, None, True),
    ("OB/GYN residency (ResidencyCAS)", None, ProgramTrack.RESIDENCY, OB, Portal.RESIDENCYCAS,
     False),
    ("Peds", Portal.ERAS, ProgramTrack.RESIDENCY, "pediatrics", Portal.ERAS, False),
    ("", Portal.RESIDENCYCAS, ProgramTrack.RESIDENCY, None, Portal.RESIDENCYCAS, False),
    ("Cardiology fellowship", Portal.ERAS, ProgramTrack.FELLOWSHIP, "cardiology", Portal.ERAS,
     False),
    ("Away rotation: County EM (VSLO)", None, ProgramTrack.OTHER, EM, None, False),
    ("SLOE, County EM rotation", None, ProgramTrack.RESIDENCY, EM, None, False),
    ("Medical school (AMCAS)", None, ProgramTrack.MED_SCHOOL, None, Portal.AMCAS, False),
    ("Summer research fellowship", Portal.INTERFOLIO, ProgramTrack.FELLOWSHIP, None,
     Portal.INTERFOLIO, False),
    ("Dr. Smith's letter", None, None, None, None, False),
])
def test_a_program_phrase_is_read_into_track_specialty_and_portal(
        phrase: str, portal: Portal | None, track: ProgramTrack | None, specialty: str | None,
        named: Portal | None, prelim: bool) -> None:
    read = read_program(phrase, portal)
    assert (read.track, read.specialty, read.portal, read.prelim) == (track, specialty, named,
                                                                      prelim)


def test_one_program_however_it_is_written() -> None:
    """The strings of issue "Programs are compared as strings" are one program now."""
    phrases = ["EM residency (ERAS)", "EM residency", "Emergency Medicine residency (ERAS)",
               "emergency medicine residency"]
    read = {(read_program(p).track, read_program(p).specialty) for p in phrases}
    assert read == {(ProgramTrack.RESIDENCY, EM)}
    assert all(read_program(p).for_specialty("EM") for p in phrases)
    assert not read_program("IM residency").for_specialty(EM)
    assert read_program("residency (ERAS)").for_specialty(EM)  # names no specialty


def test_a_phrase_names_one_program_by_its_words() -> None:
    assert names_program("County General EM residency (ERAS)", "County General EM")
    assert not names_program("EM residency", "County General EM")
    assert not names_program("General County EM", "County General EM")


def test_the_letter_rules_read_the_new_words() -> None:
    assert destination("", Portal.RESIDENCYCAS) == Destination.RESIDENCY
    assert destination("SLOE from the County EM rotation", None) == Destination.RESIDENCY
    assert destination("Away rotation: County EM (VSLO)", None) == Destination.ELSEWHERE
    assert infer_kind(program="EM residency SLOE", portal="ERAS", writer_name="x") == \
        LetterKind.SLOE
    assert infer_kind(program="ortho eSLOR", portal="ERAS", writer_name="x") == LetterKind.SLOE


def test_a_standardized_letter_counts_in_the_specialty_part_of_the_mix() -> None:
    sloe = LetterFacts(id=1, writer_id=None, writer_name="Dr. A", kind=LetterKind.SLOE,
                       program="SLOE, County EM rotation", portal=None,
                       state=LetterState.AGREED, deadline=date(2026, 9, 1))
    result = mix.evaluate_mix("residency", [sloe], specialty="EM")
    part = result.part(mix.Part.SPECIALTY)
    assert part is not None and [x.id for x in part.secured] == [1]


@pytest.mark.parametrize("typed", ["sloe", "SLOE", "SLOR", "eSLOR", "eslor", "standardized"])
def test_kind_sloe_and_its_aliases_track_a_standardized_letter(core: Core, driver: Driver,
                                                              typed: str) -> None:
    with core.db.session() as session:
        ana = add_student(session, "Ana Diaz")
    reply = driver.run(ana, f'/letter remind "Dr. Outside Writer" due:"in 8 weeks" '
                            f'program:"EM residency" kind:{typed} portal:residencycas')
    assert not reply.error, reply.text
    with core.db.session() as session:
        stored = session.scalars(select(Letter)).one()
    assert (stored.kind, stored.portal) == ("sloe", "ResidencyCAS")


def test_an_unknown_kind_still_lists_the_kinds(core: Core, driver: Driver) -> None:
    with core.db.session() as session:
        ana = add_student(session, "Ana Diaz")
    reply = driver.run(ana, '/letter remind "Dr. Outside Writer" due:"in 8 weeks" kind:slo')
    assert reply.error and "kind: must be one of" in reply.text and "sloe" in reply.text
