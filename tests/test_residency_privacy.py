"""A student's residency plan is theirs: `/mentor privacy` says what is kept and who sees
it, the export holds it, deletion removes it (a mentor who leaves leaves their comment
unsigned), and two records of one person joined by linking accounts keep one profile, one
entry per program and one share per mentor."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.app.core import Core
from bot.infra.models import (
    Person,
    ResidencyComment,
    ResidencyEntry,
    ResidencyOutcome,
    ResidencyProfile,
    ResidencyShare,
)
from bot.privacy import rules as privacy_rules
from bot.privacy.erasure import erase_person
from bot.privacy.merge import merge_people
from bot.residency import store as residency_store
from bot.residency.store import ProfileChange
from bot.vocab.residency import Applicant, Result, SignalTier
from tests.support.factories import Driver, add_faculty, add_group, add_student
from tests.support.residency import import_rows

TABLES = ("residency_profiles", "residency_entries", "residency_outcomes",
          "residency_shares", "residency_comments")


def _world(core: Core) -> dict[str, int]:
    now = core.clock.now()
    with core.db.session() as s:
        maya = add_student(s, "Maya Patel", stage="ms4")
        mentor = add_faculty(s, "Dr. Elena Ramirez")
        group = add_group(s, "em", members=[maya, mentor])
        county, riverside = import_rows(s, group, [
            {"name": "County EM", "specialty": "EM", "state": "NY"},
            {"name": "Riverside EM", "specialty": "EM", "state": "RI"}], now=now)
        residency_store.save_profile(s, maya, ProfileChange(
            specialty="emergency medicine", applicant=Applicant.MD, step2=248), now=now)
        residency_store.keep(s, maya, county, now=now)
        residency_store.set_signal(s, maya, riverside, SignalTier.GOLD, now=now)
        residency_store.record_outcome(s, maya, county, Result.INTERVIEW, now=now)
        residency_store.share(s, maya, mentor, scores=False, now=now)
        residency_store.add_comment(s, maya, mentor, county, "Great fit.", now=now)
        return {"maya": maya.id, "mentor": mentor.id, "county": county.id,
                "riverside": riverside.id, "group": group.id}


def test_privacy_says_what_is_kept_and_the_export_holds_it(core: Core, driver: Driver) -> None:
    ids = _world(core)
    overview = driver.run(ids["maya"], "/mentor privacy")
    section = next(s for s in overview.sections if s.heading == "Residency plan")
    assert "Your residency profile (specialty, backup, applicant type, visa, Step 2 CK" in \
        section.text
    assert "your Step 2 CK and tiers only if you say so" in section.text
    reply = driver.run(ids["maya"], "/mentor privacy export")
    assert reply.attachment is not None
    document = json.loads(reply.attachment.content)
    assert set(TABLES) <= set(document["tables"])
    rows = document["tables"]["residency_comments"]["rows"]
    assert [r["text"] for r in rows] == ["Great fit."]


def test_deleting_a_student_removes_their_plan(core: Core) -> None:
    ids = _world(core)
    with core.db.session() as s:
        erase_person(s, s.get_one(Person, ids["maya"]), requested_by=privacy_rules.Requester.SELF,
                     now=core.clock.now(), default_tz="UTC")
    with core.db.session() as s:
        for model in (ResidencyProfile, ResidencyEntry, ResidencyOutcome, ResidencyShare,
                      ResidencyComment):
            assert s.scalars(select(model)).all() == [], model.__tablename__


def test_a_mentor_who_leaves_leaves_their_comment_unsigned(core: Core, driver: Driver) -> None:
    ids = _world(core)
    with core.db.session() as s:
        erase_person(s, s.get_one(Person, ids["mentor"]),
                     requested_by=privacy_rules.Requester.CLI, now=core.clock.now(),
                     default_tz="UTC")
    with core.db.session() as s:
        (comment,) = s.scalars(select(ResidencyComment)).all()
        assert comment.mentor_id is None and comment.text == "Great fit."
        assert s.scalars(select(ResidencyShare)).all() == []
    plan = driver.run(ids["maya"], "/residency plan").as_text()
    assert "• County EM — a mentor who left mentorbot: “Great fit.”" in plan


def test_two_records_of_one_person_join_their_plans(core: Core) -> None:
    ids = _world(core)
    now = core.clock.now()
    with core.db.session() as s:
        twin = add_student(s, "Maya P (Discord)", email="maya.discord@example.edu")
        mentor = s.get_one(Person, ids["mentor"])
        county, riverside = residency_store.group_programs(s, [ids["group"]])
        residency_store.save_profile(s, twin, ProfileChange(
            specialty="internal medicine", step2=250, couples=True), now=now)
        residency_store.drop(s, twin, county, now=now)
        residency_store.keep(s, twin, riverside, now=now)
        residency_store.record_outcome(s, twin, county, Result.INTERVIEW, now=now)
        residency_store.record_outcome(s, twin, county, Result.MATCHED, now=now)
        residency_store.share(s, twin, mentor, scores=True, now=now)
        twin_id = twin.id
    with core.db.session() as s:
        merge_people(s, s.get_one(Person, ids["maya"]), s.get_one(Person, twin_id))
    with core.db.session() as s:
        (profile,) = s.scalars(select(ResidencyProfile)).all()
        assert (profile.person_id, profile.specialty, profile.step2, profile.couples) == (
            ids["maya"], "emergency medicine", 248, True)
        entries = {(e.program_id, e.state, e.signal) for e in s.scalars(select(ResidencyEntry))}
        assert entries == {(ids["county"], "added", None),
                           (ids["riverside"], "added", "gold")}
        results = sorted(o.result for o in s.scalars(select(ResidencyOutcome)))
        assert results == ["interview", "matched"]
        (share,) = s.scalars(select(ResidencyShare)).all()
        assert (share.student_id, share.mentor_id, share.scores) == (ids["maya"],
                                                                     ids["mentor"], False)
