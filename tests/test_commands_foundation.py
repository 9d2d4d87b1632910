"""Help, profile, groups and the error paths of the registry, through the real core."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.framework.channels import ChannelRef
from bot.groups.store import SLUG_LENGTH
from bot.infra.models import ChannelBinding, InterestGroup, Membership, Person
from tests.support.factories import add_faculty, add_group, add_student


def test_help_lists_commands_with_examples(core, driver):
    with core.db.session() as s:
        student = add_student(s, "Ana Diaz")
    reply = driver.run(student, "/mentor help")
    text = reply.as_text()
    assert "/mentor profile" in text and "/mentor join GROUP" in text
    assert "Example:" in text
    letter = driver.run(student, "/letter help").as_text()
    assert "/letter help" in letter


def test_profile_show_and_set(core, driver):
    with core.db.session() as s:
        student = add_student(s, "Ana Diaz", stage="ms1")
    reply = driver.run(student, '/mentor profile stage:ms2 interests:"emergency medicine; '
                                'ultrasound" tz:America/New_York quiet:22-7')
    assert not reply.error, reply.as_text()
    with core.db.session() as s:
        person = s.get(Person, student.id)
        assert person.timezone == "America/New_York"
        assert person.quiet_hours == "22:00-07:00"
        assert person.student_profile.stage == "ms2"
        assert person.student_profile.interests == ["emergency medicine", "ultrasound"]
    shown = driver.run(student, "/mentor profile").as_text()
    assert "America/New_York" in shown and "ultrasound" in shown


def test_a_resident_may_give_their_postgraduate_year_as_stage(core, driver):
    """`stage:PGY-2` (and pgy1, "PGY 3", intern, M3) is read as the roster reads it: the
    profile stores and shows the stage it names."""
    with core.db.session() as s:
        rae = add_student(s, "Rae Resident", stage="ms4")
    for typed, stored in (("PGY-2", "resident"), ("M3", "ms3"), ("pgy1", "resident"),
                          ('"PGY 3"', "resident"), ("intern", "resident")):
        reply = driver.run(rae, f"/mentor profile stage:{typed}")
        assert not reply.error, (typed, reply.as_text())
        with core.db.session() as s:
            assert s.get(Person, rae.id).student_profile.stage == stored, typed
    shown = driver.run(rae, "/mentor profile")
    assert {f.name: f.value for f in shown.fields}["Stage"] == "resident"
    refused = driver.run(rae, "/mentor profile stage:PGY-12")
    assert refused.error and "must be one of premed, ms1, ms2, ms3, ms4, resident" in \
        refused.text


def test_bad_input_is_refused_and_changes_nothing(core, driver):
    with core.db.session() as s:
        student = add_student(s, "Ana Diaz", stage="ms1")
    cases = {
        "/mentor frobnicate": "not a command",
        "/mentor profile color:blue": "no option color:",
        "/mentor profile stage:ms9": "must be one of",
        "/mentor profile tz:Mars/Olympus stage:ms3": "unknown time zone",
        "/mentor profile quiet:25:00-08:00": "quiet:",
        '/mentor profile research:"unclosed': "not closed",
        "/mentor profile capacity:3": "for faculty",
        "/mentor group organizer em nobody@example.edu": "organizers",
    }
    for line, expected in cases.items():
        reply = driver.run(student, line)
        assert reply.error, line
        assert expected in reply.as_text(), (line, reply.as_text())
    with core.db.session() as s:
        assert s.get(Person, student.id).student_profile.stage == "ms1"


def test_group_create_binds_channel_and_join_leave(core, driver):
    with core.db.session() as s:
        organizer = add_faculty(s, "Dr. Grace Hopper")
        add_group(s, "seed", organizers=[organizer])
        student = add_student(s, "Ana Diaz")
    channel = ChannelRef(platform="slack", workspace="T1", channel_id="C42")
    reply = driver.run(organizer, '/mentor group create em-interest name:"EM Interest Group" '
                                  'specialty:"emergency medicine"', channel=channel)
    assert not reply.error, reply.as_text()
    with core.db.session() as s:
        group = s.scalar(select(InterestGroup).where(InterestGroup.slug == "em-interest"))
        assert s.scalar(select(ChannelBinding.channel_id).where(
            ChannelBinding.group_id == group.id)) == "C42"
    assert not driver.run(student, "/mentor join em-interest").error
    assert "already" in driver.run(student, "/mentor join EM-Interest").as_text()
    assert not driver.run(student, "/mentor leave em-interest").error
    assert driver.run(student, "/mentor leave em-interest").error
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Membership).where(
            Membership.person_id == student.id)) == 0


def test_students_cannot_create_groups(core, driver):
    with core.db.session() as s:
        student = add_student(s, "Ana Diaz")
    reply = driver.run(student, "/mentor group create x1 name:X specialty:Y")
    assert reply.error and "organizers" in reply.as_text()


def test_organizer_promotes_by_fuzzy_name(core, driver):
    with core.db.session() as s:
        organizer = add_faculty(s, "Dr. Grace Hopper")
        add_group(s, "em", organizers=[organizer])
        add_student(s, "Jordan Lee")
    reply = driver.run(organizer, "/mentor group organizer em jordn lee")
    assert not reply.error, reply.as_text()
    assert "Jordan Lee" in reply.title


def test_profile_and_group_create_store_a_specialty_under_its_eras_name(core, driver):
    """"EM" and "Emergency Medicine" are stored as "emergency medicine", the name find,
    matching and the digest compare by, and so is a subspecialty ("Sports Medicine"); a
    specialty outside the vocabulary is kept as typed, with a warning."""
    with core.db.session() as s:
        rivera = add_faculty(s, "Dr. Maria Rivera", specialty="")
        organizer = add_faculty(s, "Dr. Grace Hopper")
        add_group(s, "seed", organizers=[organizer])
    assert not driver.run(rivera, "/mentor profile specialty:EM").error
    with core.db.session() as s:
        assert s.get(Person, rivera.id).faculty_profile.specialty == "emergency medicine"
    shown = driver.run(rivera, '/mentor profile specialty:"Sports Medicine"').as_text()
    assert "Specialty: sports medicine" in shown and "not one I know" not in shown
    shown = driver.run(rivera, '/mentor profile specialty:"Basket Weaving"').as_text()
    assert "Specialty: Basket Weaving" in shown and "not one I know" in shown
    with core.db.session() as s:
        assert s.get(Person, rivera.id).faculty_profile.specialty == "Basket Weaving"

    for slug, typed, stored in (("em-ig", "EM", "emergency medicine"),
                                ("peds-ig", "Pediatrics", "pediatrics"),
                                ("sports-ig", "Sports Medicine", "sports medicine"),
                                ("craft-ig", "Basket Weaving", "Basket Weaving")):
        reply = driver.run(organizer, f'/mentor group create {slug} name:"{typed} IG" '
                                      f'specialty:"{typed}"')
        assert not reply.error, reply.as_text()
        assert ("not one I know" in reply.text) == (typed == "Basket Weaving")
        with core.db.session() as s:
            assert s.scalar(select(InterestGroup.specialty).where(
                InterestGroup.slug == slug)) == stored


def test_a_bad_group_name_states_the_slug_rule(core, driver):
    with core.db.session() as s:
        organizer = add_faculty(s, "Dr. Grace Hopper")
        add_group(s, "seed", organizers=[organizer])
    reply = driver.run(organizer, "/mentor group create x name:X specialty:EM")
    low, high = SLUG_LENGTH
    assert reply.error and f"use {low}–{high} lowercase letters" in reply.as_text()
    assert not driver.run(organizer, f"/mentor group create {'a' * high} name:X "
                                     "specialty:EM").error
    assert driver.run(organizer, f"/mentor group create {'b' * (high + 1)} name:X "
                                 "specialty:EM").error
