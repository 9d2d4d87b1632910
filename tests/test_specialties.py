"""One specialty vocabulary: the ERAS list, its abbreviations and the usual subspecialties
under their parents, stored canonically by import, profile and group create (an unknown
name is kept with a warning naming the closest ones), and read by `/mentor find`: a
subspecialty and its parent, words of a faculty title, never radiology for cardiology."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.groups import roster
from bot.infra.models import FacultyProfile, InterestGroup, Person
from bot.people.rules import check_specialty
from bot.vocab.specialties import (
    SPECIALTIES,
    SUBSPECIALTIES,
    SpecialtyFit,
    all_specialties,
    canonical_specialty,
    closest_specialties,
    fuzzy_specialty,
    lineage,
    match_keyword,
    same_specialty,
    specialties_in,
    specialty_fit,
    within,
)
from tests.support.factories import add_faculty, add_group, add_student

# --- the vocabulary itself -----------------------------------------------------------------


@pytest.mark.parametrize(("typed", "canonical", "parent"), [
    ("cardiology", "cardiology", "internal medicine"),
    ("Cards", "cardiology", "internal medicine"),
    ("GI", "gastroenterology", "internal medicine"),
    ("heme/onc", "hematology and oncology", "internal medicine"),
    ("Heme-Onc", "hematology and oncology", "internal medicine"),
    ("pulm/crit care", "pulmonary and critical care medicine", "internal medicine"),
    ("PCCM", "pulmonary and critical care medicine", "internal medicine"),
    ("nephrology", "nephrology", "internal medicine"),
    ("ID", "infectious disease", "internal medicine"),
    ("endo", "endocrinology", "internal medicine"),
    ("rheum", "rheumatology", "internal medicine"),
    ("NICU", "neonatology", "pediatrics"),
    ("peds cards", "pediatric cardiology", "pediatrics"),
    ("PEM", "pediatric emergency medicine", "pediatrics"),
    ("PICU", "pediatric critical care medicine", "pediatrics"),
    ("surg onc", "surgical oncology", "general surgery"),
    ("colorectal", "colon and rectal surgery", "general surgery"),
    ("peds surg", "pediatric surgery", "general surgery"),
    ("MFM", "maternal-fetal medicine", "obstetrics and gynecology"),
    ("tox", "medical toxicology", "emergency medicine"),
    ("neurorads", "neuroradiology", "diagnostic radiology"),
    ("child psych", "child and adolescent psychiatry", "psychiatry"),
])
def test_subspecialties_and_their_abbreviations_name_their_parent(typed, canonical, parent):
    assert canonical_specialty(typed) == canonical
    assert lineage(canonical)[1:][-1] == parent
    assert canonical in within(parent)
    assert specialty_fit(canonical, [parent]) is SpecialtyFit.PARENT
    assert specialty_fit(parent, [canonical]) is SpecialtyFit.SAME


def test_every_name_and_alias_is_one_specialty_and_every_parent_is_known():
    seen: dict[str, str] = {}
    names = {**{c: a for c, a in SPECIALTIES.items()},
             **{c: a for c, (_p, a) in SUBSPECIALTIES.items()}}
    for canonical, aliases in names.items():
        for name in (canonical, *aliases):
            assert seen.setdefault(name, canonical) == canonical, name
            assert canonical_specialty(name) == canonical, name
            assert specialties_in(f"{name} fellowship") == (canonical,), name
    for canonical, (parent, _aliases) in SUBSPECIALTIES.items():
        assert parent in names, canonical
        assert lineage(canonical)[-1] in SPECIALTIES, canonical  # every chain ends on ERAS


def test_cardiology_is_never_radiology():
    assert fuzzy_specialty("cardiology") == "cardiology"
    assert fuzzy_specialty("cardiolgy") == "cardiology"
    assert "diagnostic radiology" not in closest_specialties("cardiolgy")
    assert specialty_fit("cardiology", ["diagnostic radiology"]) is SpecialtyFit.NONE
    assert not same_specialty("cardiology", "radiology residency")
    assert same_specialty("cardiology", "IM residency")  # a cardiologist is internal medicine
    assert not same_specialty("cardiology", "gastroenterology")  # siblings are not one field


def test_a_swap_that_is_also_one_letter_from_another_field_stays_in_its_own():
    """"cradiology" is "cardiology" with two letters swapped and "radiology" with one added:
    the swap keeps the length, so it is cardiology (found by the property test below)."""
    assert fuzzy_specialty("cradiology") == "cardiology"
    assert fuzzy_specialty("radiolgy") == "diagnostic radiology"


@given(st.sampled_from(all_specialties()), st.integers(min_value=1, max_value=6))
def test_one_slip_in_a_long_name_finds_that_name_or_its_own_family(name, position):
    """A typo in a full name is forgiven, and never lands in an unrelated field."""
    if len(name) < 9 or position >= len(name) - 1:
        return
    typo = name[:position] + name[position + 1] + name[position] + name[position + 2:]
    found = fuzzy_specialty(typo)
    assert found is not None, typo
    family = set(lineage(name)) | within(name)
    assert found == name or found in family or canonical_specialty(typo) is not None, \
        (typo, found)


def test_titles_name_specialties():
    assert specialties_in("Associate Professor of Cardiology") == ("cardiology",)
    assert specialties_in("Assistant Professor of Pediatric Emergency Medicine") == (
        "pediatric emergency medicine",)
    assert specialties_in("Professor and Chair") == ()


def test_check_specialty_keeps_an_unknown_one_and_names_the_closest():
    assert check_specialty(" EM ").stored == "emergency medicine"
    assert check_specialty("Cardiology").stored == "cardiology"
    unknown = check_specialty("Cardiolgy Fellowship")
    assert (unknown.known, unknown.stored) == (False, "Cardiolgy Fellowship")
    assert unknown.closest[0] == "cardiology"
    weaving = check_specialty("basket weaving")
    assert (weaving.known, weaving.stored) == (False, "basket weaving")


def test_keywords_that_name_subspecialties_read_as_specialties():
    assert match_keyword("cardiology", set()).specialty == "cardiology"
    assert match_keyword("heme/onc", set()).specialty == "hematology and oncology"


# --- stored canonically, with warnings ----------------------------------------------------


def _csv(rows: list[dict[str, str]]) -> str:
    header = list(roster.FACULTY_COLUMNS)
    lines = [",".join(header)]
    for row in rows:
        lines.append(",".join(f'"{row.get(c, "")}"' for c in header))
    return "\n".join(lines) + "\n"


def _row(i: int, specialty: str) -> dict[str, str]:
    return {"name": f"Dr. Faculty {i}", "email": f"f{i}@example.edu", "specialty": specialty}


def test_import_stores_canonical_names_and_warns_with_row_and_closest_names(core):
    text = _csv([_row(1, "Cardiology"), _row(2, "GI"), _row(3, "basket weaving"),
                 _row(4, "Cardiolgy"), _row(5, "Emergency Medicine")])
    with core.db.session() as s:
        result = roster.import_csv(s, text, "faculty", now=core.clock.now())
    assert result.created == 5  # a warning is not a refusal
    assert [w.row for w in result.warnings] == [4, 5]
    summary = result.summary()
    assert "2 rows imported with a warning:" in summary
    assert "Row 4: specialty “basket weaving” is not one I know" in summary
    assert "Row 5: specialty “Cardiolgy” is not one I know" in summary
    assert "Did you mean cardiology" in summary.split("Row 5:")[1]
    assert "radiology" not in summary.split("Row 5:")[1]
    with core.db.session() as s:
        stored = dict(s.execute(select(Person.email, FacultyProfile.specialty).join(
            FacultyProfile, FacultyProfile.person_id == Person.id)).all())
    assert stored == {"f1@example.edu": "cardiology", "f2@example.edu": "gastroenterology",
                      "f3@example.edu": "basket weaving", "f4@example.edu": "Cardiolgy",
                      "f5@example.edu": "emergency medicine"}


def test_profile_and_group_create_say_so_for_an_unknown_specialty(core, driver):
    with core.db.session() as s:
        doc = add_faculty(s, "Dr. Ada Heart", specialty="")
        add_group(s, "seed", organizers=[doc])
    reply = driver.run(doc, "/mentor profile specialty:Cards")
    assert "Specialty: cardiology" in reply.as_text() and "not one I know" not in reply.text
    reply = driver.run(doc, "/mentor profile specialty:Cardiolgy")
    assert not reply.error
    assert "specialty “Cardiolgy” is not one I know" in reply.text
    assert "Did you mean cardiology" in reply.text
    reply = driver.run(doc, '/mentor group create heart name:"Heart Club" specialty:cardiolgy')
    assert not reply.error and "specialty “cardiolgy” is not one I know" in reply.text
    reply = driver.run(doc, '/mentor group create heme name:"Heme" specialty:heme/onc')
    assert not reply.error and "not one I know" not in reply.text
    with core.db.session() as s:
        assert s.scalar(select(InterestGroup.specialty).where(InterestGroup.slug == "heme")) \
            == "hematology and oncology"


# --- find reads the family tree ----------------------------------------------------------


def _headings(reply) -> list[str]:
    return [s.heading for s in reply.sections]


def test_specialty_cardiology_finds_cardiologists_then_internists_never_radiologists(core,
                                                                                   driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms3")
        add_faculty(s, "Dr. Ray Diology", specialty="Diagnostic Radiology")
        add_faculty(s, "Dr. Ian Ternist", specialty="Internal Medicine", capacity=5)
        add_faculty(s, "Dr. Cora Cardio", specialty="Cardiology", accepting=False)
        add_faculty(s, "Dr. Tia Title", specialty="Internal Medicine",
                    title="Associate Professor of Cardiology")
        add_faculty(s, "Dr. Ed Emerg", specialty="Emergency Medicine")
    reply = driver.run(ana, "/mentor find specialty:cardiology")
    assert not reply.error, reply.as_text()
    # Cardiologists first (the accessible one before the closed door), then the field.
    assert _headings(reply) == ["1. Dr. Tia Title", "2. Dr. Cora Cardio — not accepting",
                                "3. Dr. Ian Ternist"]
    text = reply.as_text()
    assert "radiology" not in text.lower() and "Diology" not in text
    assert "Associate Professor of Cardiology, as you asked" in reply.sections[0].text
    assert "cardiology, as you asked" in reply.sections[1].text
    assert "internal medicine, the field cardiology belongs to" in reply.sections[2].text


def test_the_keyword_cardiology_finds_a_cardiologist_and_titles_count_as_words(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms3")
        add_faculty(s, "Dr. Cora Cardio", specialty="Cardiology")
        add_faculty(s, "Dr. Tia Title", specialty="Internal Medicine",
                    title="Associate Professor of Cardiology")
        add_faculty(s, "Dr. Ray Diology", specialty="Diagnostic Radiology")
        add_faculty(s, "Dr. Cleo Clerk", specialty="Emergency Medicine",
                    title="Clerkship Director")
    reply = driver.run(ana, "/mentor find cardiology")
    texts = {s.heading.split(". ", 1)[1]: s.text for s in reply.sections}
    assert set(texts) == {"Dr. Cora Cardio", "Dr. Tia Title"}
    assert "cardiology matches “cardiology”" in texts["Dr. Cora Cardio"]
    assert "Associate Professor of Cardiology matches “cardiology”" in texts["Dr. Tia Title"]
    clerk = driver.run(ana, "/mentor find clerkship")  # a title word, like a research word
    assert _headings(clerk) == ["1. Dr. Cleo Clerk"]
    assert "Clerkship Director matches “clerkship”" in clerk.sections[0].text


def test_a_students_subspecialty_interest_ranks_the_parent_field_next(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms3", interests=["cards"])
        add_faculty(s, "Dr. Ian Ternist", specialty="IM", capacity=9)
        add_faculty(s, "Dr. Cora Cardio", specialty="Cardiology")
        add_faculty(s, "Dr. Ray Diology", specialty="Radiology")
    reply = driver.run(ana, "/mentor find")
    assert _headings(reply) == ["1. Dr. Cora Cardio", "2. Dr. Ian Ternist"]
    assert "cardiology, your interest" in reply.sections[0].text
    assert "internal medicine, the field your interest cardiology belongs to" in \
        reply.sections[1].text
    # And the other way round: an internal medicine student counts a cardiologist in.
    with core.db.session() as s:
        ben = add_student(s, "Ben Ortiz", stage="ms3", interests=["internal medicine"])
    reply = driver.run(ben, "/mentor find")
    assert {h.split(". ", 1)[1] for h in _headings(reply)} == {"Dr. Ian Ternist",
                                                              "Dr. Cora Cardio"}
    cora = next(x for x in reply.sections if "Cora" in x.heading)
    assert "cardiology, part of internal medicine (your interest)" in cora.text


def test_an_unknown_specialty_option_names_the_closest(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
    reply = driver.run(ana, "/mentor find specialty:basketweaving")
    assert reply.error and "don't know the specialty “basketweaving”" in reply.text
    typo = driver.run(ana, "/mentor find specialty:cardiolgy")
    assert not typo.error  # a slip in a full name is read as cardiology
    assert typo.title in ("No faculty found", "Faculty for cardiology")
