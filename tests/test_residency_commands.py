"""`/residency …` through the real core and database (the console's path), on a clock in
July 2025 so the 2025–26 cycle's figures and dates are ahead: the profile explained back, bad
input refused with nothing changed, the group's list with why a program is closed, counts
only from five people, the list kept and dropped by hand, signals within the allotment, a
mentor's view and comments with a message to the student, the export, a long plan in pages,
and the `residency-date` nudges."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.app.planning import plan_all
from bot.errors import UserError
from bot.framework.replies import Reply
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import (
    Base,
    InterestGroup,
    Nudge,
    Person,
    ResidencyEntry,
    ResidencyProfile,
)
from bot.nudges.kinds import Moot
from bot.pages.port import Opened, Visitor
from bot.residency import messages, planning, rules
from bot.residency import store as residency_store
from bot.vocab.letters import Portal
from bot.vocab.nudges import NudgeKind, NudgeState, Subject
from bot.vocab.residency import Event
from bot.web.rules import Page
from tests.support.factories import Driver, add_faculty, add_group, add_student
from tests.support.nudges import said
from tests.support.residency import import_rows

NY = "America/New_York"


@pytest.fixture
def clock() -> FixedClock:
    # Tuesday 1 July 2025, 15:00 UTC (11:00 in New York): the 2025–26 cycle is ahead.
    return FixedClock(datetime(2025, 7, 1, 15, 0, tzinfo=UTC))


@pytest.fixture
def world(core: Core) -> dict[str, int]:
    now = core.clock.now()
    with core.db.session() as s:
        maya = add_student(s, "Maya Patel", stage="ms4", tz=NY)
        kwame = add_student(s, "Kwame Asante", stage="ms4", tz=NY)
        ramirez = add_faculty(s, "Dr. Elena Ramirez", tz=NY)
        okafor = add_faculty(s, "Dr. Samuel Okafor", tz=NY)
        group = add_group(s, "em-interest", name="EM Interest Group",
                          members=[maya, kwame, ramirez])
        im = add_group(s, "im-interest", name="IM Interest Group", members=[maya])
        em_rows = [
            {"name": "Riverside EM", "specialty": "EM", "city": "Providence", "state": "RI",
             "type": "academic", "visa": "j1", "takes_do": "yes", "takes_img": "yes",
             "step2_mean": 247, "portal": "ERAS", "signals": "yes"},
            {"name": "Riverside Health EM", "specialty": "EM", "city": "Dallas", "state": "TX",
             "visa": "none", "step2_mean": 240, "portal": "ERAS"},
            {"name": "County EM", "specialty": "EM", "city": "Brooklyn", "state": "NY",
             "visa": "j1;h1b", "step2_mean": 244, "portal": "ERAS", "signals": "yes"},
            {"name": "Prairie EM", "specialty": "EM", "city": "Omaha", "state": "NE",
             "step2_mean": 236, "portal": "ERAS", "signals": "no"},
            {"name": "Valley Family Medicine", "specialty": "FM", "city": "Worcester",
             "state": "MA", "portal": "ERAS"},
        ]
        import_rows(s, group, em_rows, now=now)
        im_rows = [{"name": f"IM Program {i:02d}", "specialty": "IM", "city": "Cleveland",
                    "state": "OH", "step2_mean": 245, "portal": "ERAS", "signals": "yes",
                    "visa": "j1"} for i in range(1, 21)]
        import_rows(s, im, im_rows, now=now)
        return {"maya": maya.id, "kwame": kwame.id, "ramirez": ramirez.id,
                "okafor": okafor.id, "group": group.id, "im": im.id}


def _snapshot(database: Database) -> dict[str, int]:
    with database.session() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables}


def _profile(core: Core, person_id: int) -> dict[str, object] | None:
    with core.db.session() as s:
        found = s.get(ResidencyProfile, person_id)
        if found is None:
            return None
        return {c.name: getattr(found, c.name) for c in ResidencyProfile.__table__.columns
                if c.name != "updated_at"}


# --- the profile --------------------------------------------------------------------------


def test_the_profile_is_explained_back_field_by_field(driver: Driver, world: dict) -> None:
    reply = driver.run(world["maya"], "/residency profile specialty:EM applicant:md step2:248 "
                                      'regions:Northeast;West types:academic home:"County EM"')
    assert reply.title == "Residency profile updated" and not reply.error
    fields = {f.name: f.value for f in reply.fields}
    assert fields["Specialty (changed)"].startswith("emergency medicine — your plan draws")
    assert fields["Step2 (changed)"] == (
        f"248 — tiers each program — reach: your Step 2 CK is more than {rules.REACH_BELOW} "
        f"points below the program's reported mean; likely: more than {rules.LIKELY_ABOVE} "
        "above it; target: in between; unknown: no mean reported, or no Step 2 CK set")
    assert fields["Home (changed)"] == ("County EM (Brooklyn, NY) — always on your list; "
                                        "emergency medicine: never signalled")
    assert fields["Regions (changed)"].startswith("Northeast, West — programs there rank first")
    assert fields["Cycle"].startswith("2025–26 (ERAS 2026 season, ResidencyCAS 2025–26, "
                                      "2026 Main Residency Match) — from your stage (MS4)")
    assert fields["Visa"] == "not set — no sponsorship assumed"
    again = driver.run(world["maya"], "/residency profile")
    assert again.title == "Your residency profile"


@pytest.mark.parametrize(("line", "message"), [
    ("/residency profile step2:305",
     "step2: 305 is not a Step 2 CK score: scores run from 1 to 300."),
    ("/residency profile step2:0", "step2: 0 is not a Step 2 CK score"),
    ("/residency profile specialty:cardiolgy",
     "specialty: “cardiolgy” is not a specialty I know. Did you mean cardiology, "
     "interventional cardiology or advanced heart failure and transplant cardiology?"),
    ("/residency profile applicant:pa", "applicant: must be one of md, do, img (not “pa”)."),
    ("/residency profile visa:f1", "visa: must be one of none, j1, h1b (not “f1”)."),
    ("/residency profile regions:Midwestt",
     "regions: “Midwestt” is not one of Northeast, Midwest, South or West."),
    ("/residency profile types:university",
     "types: “university” is not one of academic, community or community-academic."),
    ("/residency profile cycle:2024-25", "cycle: 2024–25 is over; the current cycle is "
                                         "2025–26."),
    ("/residency profile cycle:2031-32", "cycle: 2031–32 is more than 4 cycles ahead"),
    ("/residency profile cycle:2026", "cycle: “2026” is not a cycle (like 2026-27)"),
    ("/residency profile home:Riverside",
     "“Riverside” fits 2 programs: Riverside EM (Providence, RI); Riverside Health EM "
     "(Dallas, TX). Name one exactly"),
    ('/residency profile aways:"Nowhere General"',
     "No program “Nowhere General” in your groups' program lists."),
    ("/residency profile specialty:EM step2:248 applicant:xx", "applicant: must be one of"),
])
def test_bad_input_is_refused_and_changes_nothing(driver: Driver, core: Core, world: dict,
                                                  database: Database, line: str,
                                                  message: str) -> None:
    driver.run(world["maya"], "/residency profile specialty:IM step2:240")
    before, profile = _snapshot(database), _profile(core, world["maya"])
    reply = driver.run(world["maya"], line)
    assert reply.error and message in reply.text, reply.text
    assert _snapshot(database) == before and _profile(core, world["maya"]) == profile


def test_a_plan_needs_a_profile_first(driver: Driver, world: dict) -> None:
    reply = driver.run(world["maya"], "/residency plan")
    assert reply.error and "Start with your specialty: /residency profile specialty:EM" \
        in reply.text


# --- the group's list ---------------------------------------------------------------------


def test_programs_are_filtered_and_say_why_one_is_closed(driver: Driver, world: dict) -> None:
    driver.run(world["maya"], "/residency profile specialty:EM visa:j1")
    reply = driver.run(world["maya"], "/residency programs specialty:EM state:tx")
    assert reply.title == "Programs of EM Interest Group and IM Interest Group " \
                          "(specialty:emergency medicine, state:TX)"
    text = reply.as_text()
    assert "1. Riverside Health EM (Dallas, TX) — emergency medicine, Step 2 CK mean 240, " \
           "ERAS" in text
    assert "Not for you: does not sponsor a J-1" in text
    bad = driver.run(world["maya"], "/residency programs state:Texas")
    assert bad.error and "state must be a two-letter code: write TX for Texas" in bad.text


def test_group_counts_appear_only_from_five_people_and_name_no_one(
        driver: Driver, core: Core, world: dict) -> None:
    with core.db.session() as s:
        group = s.get_one(InterestGroup, world["group"])
        students = [add_student(s, f"Student {i}").id for i in range(5)]
        for sid in students:
            from bot.infra.models import Membership

            s.add(Membership(person_id=sid, group_id=group.id))
    results = ["matched", "interview", "interview", "applied"]
    for sid, result in zip(students, results, strict=False):
        assert not driver.run(sid, f'/residency outcome "Riverside EM" result:{result}').error
    text = driver.run(world["maya"], "/residency programs specialty:EM").as_text()
    assert "Your groups:" not in text and "No program has outcomes from 5 or more" in text
    reply = driver.run(students[4], '/residency outcome "Riverside EM" result:rejected')
    assert "never your name" in reply.text
    text = driver.run(world["maya"], "/residency programs specialty:EM").as_text()
    assert "Your groups: 5 applied, 3 interviewed, 1 matched (5 people)" in text
    assert "Student" not in text


# --- the student's list -------------------------------------------------------------------


def test_keep_and_drop_by_hand_and_ambiguous_names_are_asked(driver: Driver, core: Core,
                                                            world: dict) -> None:
    maya = world["maya"]
    driver.run(maya, "/residency profile specialty:EM step2:246 visa:j1")
    asked = driver.run(maya, "/residency drop Riverside")
    assert asked.error and asked.title == "Which program?"
    assert "“Riverside” fits 2 programs" in asked.text
    closed = driver.run(maya, '/residency add "Riverside Health EM"')
    assert closed.error and "Riverside Health EM (Dallas, TX) does not sponsor a J-1: it " \
                            "can't be on your list." in closed.text
    dropped = driver.run(maya, '/residency drop "County EM"')
    assert dropped.title == "Dropped County EM (Brooklyn, NY)"
    plan = driver.run(maya, "/residency plan").as_text()
    assert "Dropped by you: County EM (Brooklyn, NY)." in plan
    assert "2. County EM" not in plan
    kept = driver.run(maya, '/residency add "Riverside EM, RI"')
    assert kept.title == "Kept Riverside EM (Providence, RI)"
    with core.db.session() as s:
        states = dict(s.execute(select(ResidencyEntry.program_id, ResidencyEntry.state)).all())
    assert sorted(states.values()) == ["added", "dropped"]


def test_signals_by_hand_stay_within_the_allotment(driver: Driver, world: dict) -> None:
    maya = world["maya"]
    driver.run(maya, "/residency profile specialty:IM step2:245")
    for i in (1, 2, 3):
        reply = driver.run(maya, f'/residency signal "IM Program {i:02d}" tier:gold')
        assert not reply.error and "Set by hand: gold signal." in reply.text, reply.text
    over = driver.run(maya, '/residency signal "IM Program 04" tier:gold')
    assert over.error and over.title == "Over your allotment"
    assert "Your 2025–26 allotment for internal medicine is 3 gold and 12 silver, and your 3 " \
           "gold signals are all set by hand." in over.text
    plan = driver.run(maya, "/residency plan").as_text()
    assert "Used: 3 gold, 12 silver." in plan
    assert driver.run(maya, '/residency signal "IM Program 01" tier:none').text.startswith(
        "No signal will go to it")


def test_no_signal_to_an_em_home_program_or_one_that_takes_none(driver: Driver,
                                                              world: dict) -> None:
    maya = world["maya"]
    driver.run(maya, '/residency profile specialty:EM home:"County EM"')
    home = driver.run(maya, '/residency signal "County EM" tier:gold')
    assert home.error and "is your home or an away program, and emergency medicine programs " \
                          "are never signalled there." in home.text
    none = driver.run(maya, '/residency signal "Prairie EM" tier:silver')
    assert none.error and "Prairie EM (Omaha, NE) takes no program signals" in none.text


# --- sharing ------------------------------------------------------------------------------


def _notices(core: Core, person_id: int) -> list[str]:
    with core.db.session() as s:
        return [n.payload["title"] for n in s.scalars(
            select(Nudge).where(Nudge.person_id == person_id, Nudge.kind == NudgeKind.NOTICE)
            .order_by(Nudge.id))]


def test_a_shared_list_can_be_seen_and_commented_on_and_the_student_is_told(
        driver: Driver, core: Core, world: dict) -> None:
    maya, ramirez, okafor = world["maya"], world["ramirez"], world["okafor"]
    driver.run(maya, "/residency profile specialty:EM step2:246")
    stranger = driver.run(ramirez, '/residency comment "Maya Patel" "Riverside EM" Apply!')
    assert stranger.error and "has not shared their residency list with you" in stranger.text
    shared = driver.run(maya, "/residency share Dr. Elena Ramirez")
    assert shared.title == "Shared with Dr. Elena Ramirez"
    assert _notices(core, ramirez) == ["Maya Patel shared their residency list with you"]
    view = driver.run(ramirez, f"/residency view person:{maya}")
    assert "Without their Step 2 CK or tiers" in view.text
    assert "Step 2 CK" not in "\n".join(s.text for s in view.sections)
    reply = driver.run(ramirez, '/residency comment "Maya Patel" "Riverside EM" Strong '
                                "ultrasound track; apply early.")
    assert reply.title == "Comment sent to Maya Patel"
    assert _notices(core, maya) == ["Dr. Elena Ramirez commented on Riverside EM"]
    plan = driver.run(maya, "/residency plan").as_text()
    assert "• Riverside EM — Dr. Elena Ramirez: “Strong ultrasound track; apply early.”" in plan
    off_list = driver.run(ramirez, '/residency comment "Maya Patel" "Valley Family Medicine" '
                                   "hm")
    assert off_list.error and "No program “Valley Family Medicine” in Maya Patel's list" in \
        off_list.text
    with_scores = driver.run(maya, "/residency share Ramirez scores:yes")
    assert "your list with your Step 2 CK and tiers" in with_scores.text
    assert "Step 2 CK 246 vs mean 247" in driver.run(ramirez,
                                                     f"/residency view person:{maya}").as_text()
    assert driver.run(okafor, f"/residency view person:{maya}").error
    gone = driver.run(maya, "/residency share Ramirez remove:yes")
    assert gone.title == "No longer shared with Dr. Elena Ramirez"
    assert driver.run(ramirez, f"/residency view person:{maya}").error


# --- export, pages, letters, web ----------------------------------------------------------


def test_export_is_the_list_as_csv(driver: Driver, world: dict) -> None:
    driver.run(world["maya"], "/residency profile specialty:IM step2:245")
    reply = driver.run(world["maya"], "/residency export")
    assert reply.attachment is not None and reply.attachment.filename == "residency-list.csv"
    rows = list(csv.reader(io.StringIO(reply.attachment.content.decode())))
    assert rows[0] == ["program", "state", "tier", "signal", "letters", "reasons", "fee"]
    assert len(rows) == 21
    assert rows[1][:4] == ["IM Program 01", "OH", "target", "gold"]
    assert rows[1][6] == "11" and sum(int(r[6]) for r in rows[1:]) == 20 * 11


def test_a_long_plan_is_paged(driver: Driver, core: Core, world: dict) -> None:
    with core.db.session() as s:
        group = s.get_one(InterestGroup, world["im"])
        import_rows(s, group, [{"name": f"IM Extra {i:02d}", "specialty": "IM", "state": "OH",
                                "step2_mean": 245, "portal": "ERAS"} for i in range(1, 41)],
                    now=core.clock.now())
    driver.run(world["maya"], "/residency profile specialty:IM applicant:md step2:245")
    first = driver.run(world["maya"], "/residency plan")
    assert first.title == "Residency plan: internal medicine, 2025–26 (page 1 of 3)"
    assert "Programs 1–25 of 58: “Next page” (or page:2) shows the rest" in first.as_text()
    (next_page,) = [a for a in first.actions if a.label == "Next page"]
    third = driver.press(world["maya"], next_page.encode().replace("page=2", "page=3"))
    assert third.title.endswith("(page 3 of 3)") and third.footer == "Programs 51–58 of 58."
    assert [a.label for a in third.actions] == ["Previous page"]


def test_plan_web_answers_with_a_one_time_link_to_the_students_own_plan_page(
        driver: Driver, core: Core, world: dict) -> None:
    """The page shows the plan the chat shows (the same `Plan`), and its forms add, drop
    and signal through what `/residency add|drop|signal` run: a refusal says the same and
    changes nothing."""
    maya = world["maya"]
    driver.run(maya, "/residency profile specialty:EM step2:246 applicant:md")
    off = driver.run(maya, "/residency plan web")
    assert off.error and off.title == "No web pages here" and "PUBLIC_URL" in off.text
    core.settings = core.settings.model_copy(update={"public_url": "https://bot.example.edu"})
    reply = driver.run(maya, "/residency plan web")
    assert not reply.error and reply.link is not None
    assert reply.link.url.startswith("https://bot.example.edu/web/open/")
    assert "opens your residency plan, for you only" in reply.text
    assert reply.text.endswith("For a new one: /residency plan web")
    pages = core.web_pages()
    opened = pages.open_link(reply.link.url.rsplit("/", 1)[1])
    assert isinstance(opened, Opened)
    visitor = pages.visitor(Page.PLAN, opened.cookie)
    assert isinstance(visitor, Visitor)
    view = pages.plan(visitor)
    with core.db.session() as s:
        student = s.get_one(Person, maya)
        profile = residency_store.profile_of(s, maya)
        assert profile is not None
        chat, _ = residency_store.plan_for(s, student, profile, today=date(2025, 7, 1))
        ids = {p.name: p.id for p in residency_store.group_programs(s, [world["group"]])}
    assert [r.program for r in view.rows] == [p.program.name for p in chat.programs]
    assert [r.tier for r in view.rows] == [p.tier.value for p in chat.programs]
    assert view.fee_total_usd == chat.fee_total_usd and view.fee_portal == "ERAS"
    assert view.cycle.startswith("2025–26") and view.specialty == "emergency medicine"
    assert view.sources and all("http" in line for line in view.sources[:1])
    assert all(r.reasons for r in view.rows) and all(r.key.isdigit() for r in view.rows)
    done = pages.plan_action(visitor, "drop", str(ids["County EM"]))
    assert done.startswith("Dropped County EM (Brooklyn, NY).")
    after = pages.plan(visitor)
    assert "County EM" not in {r.program for r in after.rows}
    assert (str(ids["County EM"]), "County EM (Brooklyn, NY)") in after.addable
    assert pages.plan_action(visitor, "add", str(ids["County EM"])).startswith(
        "Kept County EM (Brooklyn, NY).")
    before = _snapshot(core.db)
    with pytest.raises(UserError) as refused:
        pages.plan_action(visitor, "signal", str(ids["Prairie EM"]), "gold")
    assert "Prairie EM (Omaha, NE) takes no program signals" in refused.value.message
    assert _snapshot(core.db) == before


def test_letters_per_program_read_the_program_phrase(driver: Driver, core: Core,
                                                     world: dict) -> None:
    maya = world["maya"]
    driver.run(maya, "/residency profile specialty:EM step2:246")
    for writer, program, kind in (("Dr. Elena Ramirez", "EM residency (ERAS)", "SLOR"),
                                  ("Dr. Samuel Okafor", "Emergency Medicine residency",
                                   "specialty"),
                                  ("Dr. Away Writer", "Away rotation: County EM (VSLO)",
                                   "specialty"),
                                  ("Dr. Other Field", "IM prelim", "clerkship")):
        reply = driver.run(maya, f'/letter remind "{writer}" due:2025-09-01 '
                                 f'program:"{program}" kind:{kind}')
        assert not reply.error, reply.text
    reply = driver.run(maya, "/residency letters")
    text = reply.as_text()
    assert "1. County EM: #1 sloe (Dr. Elena Ramirez, planned), #2 specialty (Dr. Samuel " \
           "Okafor, planned)" in text
    assert "Dr. Away Writer" not in text and "Dr. Other Field" not in text


# --- the residency-date nudges -------------------------------------------------------------


def test_date_nudges_fall_14_and_3_days_before_each_date_while_there_is_a_list(
        driver: Driver, core: Core, world: dict) -> None:
    maya = world["maya"]
    driver.run(maya, "/residency profile specialty:IM")
    with core.db.session() as s:
        nudges = s.scalars(select(Nudge).where(
            Nudge.person_id == maya, Nudge.kind == NudgeKind.RESIDENCY_DATE,
            Nudge.state == NudgeState.PENDING).order_by(Nudge.due_at)).all()
        # worded when sent: each as read on the day it is due
        rows = [(n.due_at, _words(s, n).text) for n in nudges]
    days = [(due.astimezone(UTC).date(), text) for due, text in rows]
    assert [d for d, _ in days] == [date(2025, 9, 10), date(2025, 9, 21), date(2026, 2, 18),
                                    date(2026, 3, 1), date(2026, 3, 6), date(2026, 3, 17)]
    assert days[0][1] == ("Programs can begin reviewing applications (ERAS) and MSPEs are "
                          "released to programs (ERAS) in 14 days: Wed 24 Sep 2025 (2025–26 "
                          "cycle).")
    assert days[3][1] == "Rank order list deadline (NRMP) in 3 days: Wed 04 Mar 2026 " \
                         "(2025–26 cycle)."
    assert all(due.astimezone(ZoneInfo(NY)).hour == 10 for due, _ in rows)  # both sides of DST
    # another specialty without a list in the groups: every pending one is cancelled
    driver.run(maya, "/residency profile specialty:urology")
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Nudge).where(
            Nudge.kind == NudgeKind.RESIDENCY_DATE, Nudge.state == NudgeState.PENDING)) == 0


def _words(s: Session, nudge: Nudge, at: datetime | None = None) -> Reply:
    words = said(s, nudge, at)
    assert isinstance(words, Reply), words
    return words


def test_a_date_nudge_is_worded_when_sent_and_moot_once_its_list_is_gone(
        driver: Driver, core: Core, world: dict) -> None:
    """Read late (snoozed to the day before), it says "tomorrow"; once the student's
    profile names another cycle, or the date is past, it is moot rather than stale."""
    maya = world["maya"]
    driver.run(maya, "/residency profile specialty:IM")
    with core.db.session() as s:
        nudge = s.scalars(select(Nudge).where(
            Nudge.person_id == maya, Nudge.kind == NudgeKind.RESIDENCY_DATE,
            Nudge.dedup_key.like("%:2026-03-20:14"))).one()
        assert _words(s, nudge).text.startswith("Match Day (NRMP) in 14 days")
        late = datetime(2026, 3, 19, 15, tzinfo=UTC)
        assert _words(s, nudge, late).text.startswith("Match Day (NRMP) tomorrow")
        past = said(s, nudge, datetime(2026, 3, 21, 15, tzinfo=UTC))
        assert isinstance(past, Moot) and past.reason == "the date has passed"
    driver.run(maya, "/residency profile cycle:2026-27")
    with core.db.session() as s:
        moved = said(s, s.get_one(Nudge, nudge.id))
    assert isinstance(moved, Moot) and moved.reason == "their plan is now for the 2026–27 cycle"


def test_the_date_nudge_says_what_is_true_on_the_day_it_is_read() -> None:
    facts = messages.DateFacts(cycle="2025-26", day=date(2026, 3, 20),
                               events=((Event.MATCH_DAY, None),), source="https://nrmp.org")
    assert messages.date_nudge_text(facts, date(2026, 3, 6)) == \
        "Match Day (NRMP) in 14 days: Fri 20 Mar 2026 (2025–26 cycle)."
    assert messages.date_nudge_text(facts, date(2026, 3, 19)).startswith(
        "Match Day (NRMP) tomorrow")
    assert messages.date_nudge_text(facts, date(2026, 3, 20)).startswith(
        "Match Day (NRMP) today")


def test_the_planner_plans_once_and_cancels_for_a_student_without_a_list(
        core: Core, world: dict, driver: Driver) -> None:
    driver.run(world["maya"], "/residency profile specialty:IM")
    with core.db.session() as s:
        assert plan_all(s, core.clock.now(), core.settings) == 0  # already planned
        planning.replan(s, world["maya"], core.clock.now() + timedelta(days=200),
                        core.settings)
        left = s.scalars(select(Nudge.due_at).where(
            Nudge.kind == NudgeKind.RESIDENCY_DATE, Nudge.state == NudgeState.PENDING,
            Nudge.subject_type == Subject.RESIDENCY)).all()
    assert sorted(d.astimezone(UTC).date() for d in left) == [
        date(2026, 2, 18), date(2026, 3, 1), date(2026, 3, 6), date(2026, 3, 17)]
    with core.db.session() as s:
        s.delete(s.get_one(ResidencyProfile, world["maya"]))
    with core.db.session() as s:
        plan_all(s, core.clock.now(), core.settings)
        assert s.scalar(select(func.count()).select_from(Nudge).where(
            Nudge.kind == NudgeKind.RESIDENCY_DATE, Nudge.state == NudgeState.PENDING)) == 0


def test_the_cycle_follows_the_stage(core: Core, world: dict, driver: Driver) -> None:
    with core.db.session() as s:
        s.get_one(Person, world["kwame"]).student_profile.stage = "ms3"  # type: ignore[union-attr]
    reply = driver.run(world["kwame"], "/residency profile specialty:EM")
    assert {f.name: f.value for f in reply.fields}["Cycle"].startswith(
        "2026–27 (ERAS 2027 season, 2027 Main Residency Match) — from your stage (MS3)")
    plan = driver.run(world["kwame"], "/residency plan").as_text()
    assert "Not found for 2026–27:" in plan and Portal.ERAS.value in plan
