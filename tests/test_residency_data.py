"""The published figures are data: one file per cycle, every figure with its source, checked
when loaded (a typo'd specialty or a gap in a fee schedule stops the program, naming the file
and the problem), and asked for by cycle, an earlier cycle's figure always named as such."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.letters import mix
from bot.letters.rules import LetterFacts
from bot.vocab import cycles
from bot.vocab.cycles import CycleDataError, load_file
from bot.vocab.letters import LetterKind, LetterState, Portal
from bot.vocab.residency import Event, SourceKind
from bot.vocab.specialties import canonical_specialty

AAMC_2025 = {  # "Program Signaling for the 2025 MyERAS Application Season" (AAMC)
    "anesthesiology": (5, 10), "child neurology": 3, "dermatology": (3, 25),
    "diagnostic radiology": (6, 6), "interventional radiology": (6, 6),
    "emergency medicine": 5, "family medicine": 5, "general surgery": 15,
    "internal medicine": (3, 12), "internal medicine-psychiatry": 2,
    "neurological surgery": 25, "neurology": 8, "orthopaedic surgery": 30,
    "otolaryngology": 25, "pathology": 5, "pediatrics": 5,
    "physical medicine and rehabilitation": 8, "preventive medicine": 3, "psychiatry": 10,
    "radiation oncology": 4, "thoracic surgery": 3, "transitional year": 12,
}


def test_every_cycle_file_loads_and_every_figure_names_its_source() -> None:
    assert cycles.known_cycles() == ("2024-25", "2025-26", "2026-27", "2027-28")
    for name in cycles.known_cycles():
        data = cycles.cycle(name)
        assert data is not None and data.cycle == name
        for _kind, figure in cycles.sources_of(name):
            assert figure.source.startswith(("http://", "https://"))
            assert figure.source_kind in (SourceKind.PRIMARY, SourceKind.SECONDARY)
        assert data.missing, f"{name}: what was looked for and not found is listed"


def test_the_2025_signal_table_is_the_aamcs() -> None:
    for specialty, expected in AAMC_2025.items():
        found = cycles.signals("2024-25", specialty)
        assert found is not None, specialty
        got = (found.gold, found.silver) if found.tiered else found.count
        assert got == expected, specialty
    assert cycles.signals("2024-25", "obstetrics and gynecology") is None


def test_fees_follow_the_published_examples() -> None:
    eras = cycles.fees("2025-26", Portal.ERAS, "internal medicine")
    assert eras is not None and not eras.earlier
    assert eras.value.total(30) == 330  # AAMC example 1: 30 EM programs
    assert eras.value.total(43) == 330 + 13 * 30  # example 2's IM part
    assert eras.value.total(35) == 480
    cas = cycles.fees("2025-26", Portal.RESIDENCYCAS, "emergency medicine")
    assert cas is not None and cas.value.total(46) == 683  # the EM organizations' example
    assert cycles.fees("2025-26", Portal.RESIDENCYCAS, "obstetrics and gynecology") is None
    later = cycles.fees("2027-28", Portal.ERAS, "internal medicine")
    assert later is not None and later.earlier and later.cycle == "2025-26"


def test_the_letter_mix_reads_the_letter_rules_from_the_data() -> None:
    """The ERAS cap and emergency medicine's SLOEs are stated once, in the data: the letter
    mix reads them there (the residency plan does too), so changing the data changes both."""
    cap = cycles.letter_rule("2025-26", Portal.ERAS)
    assert cap is not None and cap.value.max_per_program == 4
    sloe = cycles.standardized_letter("2025-26", "emergency medicine")
    assert sloe is not None and sloe.value.wanted == 2
    letters = [LetterFacts(id=i, writer_id=i, writer_name=f"Dr. {i}", program="EM residency",
                           kind=LetterKind.SPECIALTY, portal=Portal.ERAS,
                           state=LetterState.AGREED, deadline=date(2025, 9, 1))
               for i in range(1, 6)]
    result = mix.evaluate_mix("residency", letters, specialty="EM", cycle="2025-26")
    [crowded] = result.crowded_programs
    assert len(crowded.kept) == cap.value.max_per_program and crowded.cap.cycle == "2025-26"
    part = result.part(mix.Part.STANDARDIZED)
    assert part is not None and part.wanted == (sloe.value.wanted, sloe.value.wanted)


def test_dates_are_the_cycles_own() -> None:
    days = {(d.event, d.portal): d.day.isoformat() for d in cycles.dates("2025-26")}
    assert days[(Event.PROGRAMS_RECEIVE, Portal.ERAS)] == "2025-09-24"
    assert days[(Event.PROGRAMS_RECEIVE, Portal.RESIDENCYCAS)] == "2025-10-01"
    assert days[(Event.MATCH_DAY, None)] == "2026-03-20"
    assert cycles.dates("2027-28") == () and cycles.dates("2031-32") == ()


def test_an_earlier_cycles_figure_is_always_named_as_such() -> None:
    found = cycles.applications("2027-28", "emergency medicine", "md")
    assert found is not None and found.earlier and (found.cycle, found.asked) == (
        "2025-26", "2027-28")
    own = cycles.applications("2025-26", "emergency medicine", "md")
    assert own is not None and not own.earlier
    assert cycles.applications("2023-24", "emergency medicine", "md") is None


@pytest.mark.parametrize(("body", "problem"), [
    ('cycle = "2025-26"\nnames = "x"\n[[signals]]\nspecialties = ["cardiolgy"]\ntotal = 3\n'
     'source = "https://x.org"\nsource_kind = "primary"\n',
     "“cardiolgy” is not a canonical name of the specialty vocabulary"),
    ('cycle = "2025-26"\nnames = "x"\n[[signals]]\nspecialties = ["EM"]\ntotal = 3\n'
     'source = "https://x.org"\nsource_kind = "primary"\n', "did you mean “emergency medicine”"),
    ('cycle = "2025-26"\nnames = "x"\n[[fees]]\nportal = "ERAS"\ntiers = [{first = 1, last = '
     '30, each_usd = 11}, {first = 32, each_usd = 30}]\nsource = "https://x.org"\n'
     'source_kind = "primary"\n', "a tier starts at 32, not 31"),
    ('cycle = "2025-26"\nnames = "x"\n[[fees]]\nportal = "AMCAS"\ntiers = [{first = 1, '
     'each_usd = 1}]\nsource = "https://x.org"\nsource_kind = "primary"\n',
     "AMCAS is not a residency portal"),
    ('cycle = "2025-26"\nnames = "x"\n[[applications]]\nspecialty = "all"\napplicant = "md"\n'
     'mean = 58\nsource = "somewhere"\nsource_kind = "primary"\n',
     "the source must be a web address"),
    ('cycle = "2025-26"\nnames = "x"\n[[applications]]\nspecialty = "all"\napplicant = "md"\n'
     'mean = 58\nsource = "https://x.org"\nsource_kind = "hearsay"\n', "source_kind"),
    ('cycle = "2025-27"\nnames = "x"\n', "the second year must follow the first"),
    ('cycle = "2025-26"\nnames = "x"\nsignals = 3\n', "signals"),
])
def test_a_bad_data_file_is_refused_with_its_name_and_problem(tmp_path: Path, body: str,
                                                             problem: str) -> None:
    path = tmp_path / "2025-26.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CycleDataError) as caught:
        load_file(path)
    assert str(caught.value).startswith("2025-26.toml: ") and problem in str(caught.value)


def test_a_file_must_be_named_for_its_cycle(tmp_path: Path) -> None:
    path = tmp_path / "2026-27.toml"
    path.write_text('cycle = "2025-26"\nnames = "x"\n', encoding="utf-8")
    with pytest.raises(CycleDataError, match="name it 2025-26.toml"):
        load_file(path)


def test_every_specialty_of_the_data_is_in_the_one_vocabulary() -> None:
    for name in cycles.known_cycles():
        for _kind, figure in cycles.sources_of(name):
            for specialty in getattr(figure, "specialties", ()) or (
                    getattr(figure, "specialty", None),):
                if specialty not in (None, "all"):
                    assert canonical_specialty(specialty) == specialty
