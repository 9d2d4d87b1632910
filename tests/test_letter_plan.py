"""`/letter plan`: the letter mix counts one letter per writer, only letters for that
application (not an away rotation, not another specialty's programs), lists planned and
asked letters as not yet secured and is never "complete" while one is, flags a second letter
from one writer, takes the same care for medical school, and shows when to start
(relationships 9–12 months before letters are needed, and when each ask falls). Through the
real core on SQLite and PostgreSQL (clock: Mon 4 Jan 2027), and the mix's rules as a
property test."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.letters import cycle, mix, plan_messages
from bot.letters.cycle import CycleSource, target_cycle
from bot.letters.rules import GONE_STATES, PENDING_STATES, LetterFacts, writer_key
from bot.vocab.letters import LETTER_KINDS, LETTER_STATES, PORTALS, Track
from tests.support.factories import add_faculty, add_student
from tests.support.letters import move, section, track
from tests.support.properties import examples

NY = "America/New_York"
TODAY = date(2027, 1, 4)


def people(core, **student):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY, **student)
        faculty = {
            "smith": add_faculty(s, "Dr. Jane Smith", specialty="Emergency Medicine"),
            "okafor": add_faculty(s, "Dr. Samuel Okafor", specialty="Emergency Medicine"),
            "lee": add_faculty(s, "Dr. Marcus Lee", specialty="Internal Medicine"),
            "kim": add_faculty(s, "Dr. Grace Kim", specialty="General Surgery"),
            "park": add_faculty(s, "Dr. Helen Park", specialty="Peds"),
        }
    return ana, faculty


def test_specialty_counts_only_that_specialtys_letters(core, driver):
    """"From peds" once listed every EM letter, because every letter of kind specialty
    counted: now the plan reads the specialty through the vocabulary."""
    ana, _ = people(core, stage="ms4", interests=["emergency medicine"])
    em = [track(driver, ana, f'{who} due:2027-09-01 program:"EM residency" kind:{kind} '
                             "portal:ERAS")
          for who, kind in (("Dr. Jane Smith", "specialty"), ("Dr. Samuel Okafor", "specialty"),
                            ("Dr. Marcus Lee", "clerkship"))]
    for letter_id in em:
        move(driver, ana, letter_id, "agreed")
    peds = driver.run(ana, "/letter plan residency specialty:peds")
    assert not peds.error, peds.as_text()
    assert "Specialty: pediatrics." in peds.text  # the vocabulary's name for "peds"
    assert section(peds, "Covered") == "Nothing secured yet."
    missing = section(peds, "Missing")
    assert "3 more letters (aim for 3–4 in all)" in missing
    assert "At least 1 letter from pediatrics" in missing
    not_counted = section(peds, "Not counted")
    for letter_id in em:
        assert f"#{letter_id} " in not_counted
    assert not_counted.count("for emergency medicine programs, not pediatrics") == 3
    # a pediatrician's letter for a pediatrics program counts from pediatrics
    park = track(driver, ana, 'Dr. Helen Park due:2027-09-01 program:"Pediatrics residency" '
                              "kind:specialty portal:ERAS")
    move(driver, ana, park, "agreed")
    again = driver.run(ana, "/letter plan residency specialty:pediatrics")
    assert f"From pediatrics: #{park} Dr. Helen Park" in section(again, "Covered")
    assert "from pediatrics" not in section(again, "Missing")
    # and the EM plan counts the EM letters, not the pediatrics one
    em_plan = driver.run(ana, "/letter plan residency")
    covered = section(em_plan, "Covered")
    assert "Letters in all: 3 writers secured" in covered
    assert f"From emergency medicine: #{em[0]} Dr. Jane Smith" in covered
    assert f"#{park} " in section(em_plan, "Not counted")


def test_a_specialty_letter_from_another_specialtys_writer_is_not_from_the_specialty(core,
                                                                                  driver):
    ana, _ = people(core, stage="ms4")
    letter_id = track(driver, ana, "Dr. Jane Smith due:2027-09-01 kind:specialty portal:ERAS")
    move(driver, ana, letter_id, "agreed")
    plan = driver.run(ana, "/letter plan residency specialty:surgery")
    assert "Letters in all: 1 writer secured" in section(plan, "Covered")
    assert "From general surgery" not in section(plan, "Covered")
    assert "At least 1 letter from general surgery" in section(plan, "Missing")


def test_letters_for_other_applications_do_not_count(core, driver):
    """An away rotation's letter (the demo's "Away rotation: County EM (VSLO)", kind
    specialty) and a summer research fellowship's are not residency or medical-school
    letters."""
    ana, _ = people(core, stage="ms4", interests=["emergency medicine"])
    away = track(driver, ana, 'Dr. Jane Smith due:2027-02-01 program:"Away rotation: County EM '
                              '(VSLO)" kind:specialty portal:other')
    summer = track(driver, ana, '"Prof. Alan Brooks (Biology)" due:2027-03-01 '
                                'program:"Summer research fellowship" kind:science '
                                "portal:Interfolio")
    for letter_id in (away, summer):
        move(driver, ana, letter_id, "submitted")
    residency = driver.run(ana, "/letter plan residency")
    assert section(residency, "Covered") == "Nothing secured yet."
    assert "2 SLOEs — emergency medicine programs expect 2" in section(residency, "Missing")
    not_counted = section(residency, "Not counted")
    assert f"#{away} Dr. Jane Smith, Away rotation: County EM (VSLO) (submitted) — for another " \
           "application, not residency" in not_counted
    assert f"#{summer} " in not_counted
    med = driver.run(ana, "/letter plan med-school")
    assert section(med, "Covered") == "Nothing secured yet."
    assert f"#{summer} " in section(med, "Not counted")


def test_one_writer_counts_once_and_a_second_letter_is_flagged(core, driver):
    ana, _ = people(core, stage="ms4", interests=["emergency medicine"])
    first = track(driver, ana, 'Dr. Jane Smith due:2027-09-01 program:"State EM residency" '
                               "kind:specialty portal:ERAS")
    second = track(driver, ana, 'Dr. Jane Smith due:2027-09-15 program:"County EM residency" '
                                "kind:specialty portal:ERAS")
    move(driver, ana, first, "agreed")
    move(driver, ana, second, "asked")
    plan = driver.run(ana, "/letter plan residency")
    assert "Letters in all: 1 writer secured" in section(plan, "Covered")
    assert "2 more letters (aim for 3–4 in all)" in section(plan, "Missing")
    assert (f"Dr. Jane Smith is on 2 letters (#{first}, #{second}): one writer counts once in "
            "the mix.") in section(plan, "Notes")
    # the writer's strongest letter counts; the other is not listed as not yet secured
    assert section(plan, "Not yet secured") == ""


def test_planned_or_asked_letters_are_not_yet_secured_and_never_complete(core, driver):
    ana, _ = people(core, stage="ms4", interests=["internal medicine"])
    ids = {
        who: track(driver, ana, f'{name} due:2027-09-01 program:"IM residency" kind:{kind} '
                                "portal:ERAS")
        for who, name, kind in (("lee", "Dr. Marcus Lee", "specialty"),
                                ("smith", "Dr. Jane Smith", "clerkship"),
                                ("okafor", "Dr. Samuel Okafor", "research"),
                                ("kim", "Dr. Grace Kim", "clerkship"))
    }
    planned = driver.run(ana, "/letter plan residency")
    text = planned.as_text()
    assert "the mix is complete" not in text
    assert section(planned, "Covered") == "Nothing secured yet."
    waiting = section(planned, "Not yet secured")
    for letter_id in ids.values():
        assert f"#{letter_id} " in waiting
    assert f"#{ids['lee']} Dr. Marcus Lee, IM residency (planned) — would count from " \
           "internal medicine; ask by Wed 21 Jul 2027" in waiting
    missing = section(planned, "Missing")
    assert f"3 more letters (aim for 3–4 in all) — 4 letters not yet secured (#{ids['lee']}, " \
           f"#{ids['smith']}, #{ids['okafor']}, #{ids['kim']})" in missing
    # three agree, one is only asked: nothing is missing, but the mix is not complete
    for who in ("lee", "smith", "okafor"):
        move(driver, ana, ids[who], "agreed")
    move(driver, ana, ids["kim"], "asked")
    almost = driver.run(ana, "/letter plan residency")
    assert "the mix is complete" not in almost.as_text()
    assert section(almost, "Missing") == ("Nothing more to find: your secured letters cover the "
                                          "mix, and 1 more letter not yet secured (above).")
    assert f"#{ids['kim']} Dr. Grace Kim, IM residency (asked) — would count as a core " \
           "clerkship letter; asked, waiting for a yes" in section(almost, "Not yet secured")
    move_on = driver.run(ana, f"/letter update {ids['kim']} agreed")
    assert not move_on.error
    done = driver.run(ana, "/letter plan residency")
    assert section(done, "Missing") == "Nothing: the mix is complete."
    assert section(done, "Not yet secured") == ""


def test_declined_and_withdrawn_letters_leave_the_mix(core, driver):
    ana, _ = people(core, stage="ms4", interests=["emergency medicine"])
    declined = track(driver, ana, 'Dr. Jane Smith due:2027-09-01 program:"EM residency" '
                                  "kind:specialty")
    withdrawn = track(driver, ana, 'Dr. Samuel Okafor due:2027-09-01 program:"EM residency" '
                                   "kind:specialty")
    move(driver, ana, declined, "declined")
    assert not driver.run(ana, f"/letter cancel {withdrawn}").error
    plan = driver.run(ana, "/letter plan residency").as_text()
    assert f"#{declined} " not in plan and f"#{withdrawn} " not in plan


def test_med_school_mix_takes_the_same_care(core, driver):
    ana, _ = people(core, stage="premed")
    liu = track(driver, ana, '"Prof. Karen Liu" due:2027-06-01 program:"Medical school '
                             '(AMCAS)" kind:science portal:AMCAS')
    brooks = track(driver, ana, '"Prof. Alan Brooks" due:2027-06-01 kind:science portal:AMCAS')
    brooks_again = track(driver, ana, '"Prof. Alan Brooks" due:2027-06-15 kind:character '
                                      "portal:AMCAS")
    summer = track(driver, ana, '"Prof. Alan Brooks" due:2027-03-01 program:"Summer research '
                                'fellowship" kind:science portal:Interfolio')
    howard = track(driver, ana, '"Dr. Patricia Howard" due:2027-06-01 kind:character '
                                "portal:AMCAS")
    committee = track(driver, ana, '"Premedical Advisory Committee" due:2027-06-01 '
                                   "portal:AMCAS")
    move(driver, ana, brooks, "agreed")
    move(driver, ana, summer, "agreed")
    move(driver, ana, liu, "asked")
    plan = driver.run(ana, "/letter plan med-school")
    assert not plan.error, plan.as_text()
    assert f"Science faculty letters (1 of 2–3): #{brooks} Prof. Alan Brooks" in \
        section(plan, "Covered")
    missing = section(plan, "Missing")
    assert f"1 more science faculty letter (aim for 2–3) — 1 letter not yet secured (#{liu})" \
        in missing
    assert f"1 non-science or character letter — 1 letter not yet secured (#{howard})" in missing
    assert "A committee letter, if your school has a premed committee — 1 letter not yet " \
           f"secured (#{committee})" in missing
    assert f"Prof. Alan Brooks is on 2 letters (#{brooks}, #{brooks_again})" in \
        section(plan, "Notes")
    assert f"#{summer} " in section(plan, "Not counted")
    assert "the mix is complete" not in plan.as_text()


# --- start early ---------------------------------------------------------------------------


def test_start_early_from_the_students_stage(core, driver):
    ana, _ = people(core, stage="ms2", interests=["pediatrics"])
    text = section(driver.run(ana, "/letter plan residency"), "Start early")
    assert "Letters needed by: Fri 01 Sep 2028 (the start of the season in your applying " \
           "year, from your stage)." in text
    assert ("Relationships: 9–12 months before letters are needed: start between Wed 01 Sep "
            "2027 and Wed 01 Dec 2027.") in text
    assert "Asks: 4–6 weeks before each deadline." in text
    assert "- The letters still missing: ask their writers by Fri 21 Jul 2028" in text


def test_start_early_says_when_the_window_has_passed_and_lists_each_ask(core, driver):
    ana, _ = people(core, stage="ms3", interests=["emergency medicine"])
    smith = track(driver, ana, 'Dr. Jane Smith due:2027-06-01 program:"EM residency" '
                               "kind:specialty")
    late = track(driver, ana, 'Dr. Marcus Lee due:2027-02-01 program:"EM residency" '
                              "kind:clerkship")
    text = section(driver.run(ana, "/letter plan residency"), "Start early")
    assert "Letters needed by: Mon 01 Feb 2027 (your earliest letter deadline)." in text
    assert "so by Fri 01 May 2026; that has passed. Build on the relationships you have" in text
    assert f"- Ask Dr. Jane Smith (#{smith}) by Tue 20 Apr 2027" in text
    # an ask whose ideal day is gone falls today, and says so
    assert (f"- Ask Dr. Marcus Lee (#{late}) by today, Mon 04 Jan 2027 (the ideal date, Mon "
            "21 Dec 2026, has passed)") in text


def test_target_cycle_rules():
    # an MS3 in January applies this September; an MS3 in August, next September
    assert target_cycle(Track.RESIDENCY, today=TODAY, stage="ms3", deadlines=()).needed == \
        date(2027, 9, 1)
    assert target_cycle(Track.RESIDENCY, today=date(2027, 8, 2), stage="ms3",
                        deadlines=()).needed == date(2028, 9, 1)
    # an MS4 after September: the next season
    late = target_cycle(Track.RESIDENCY, today=date(2027, 10, 1), stage="ms4", deadlines=())
    assert (late.needed, late.source) == (date(2028, 9, 1), CycleSource.NEXT)
    # the earliest deadline still ahead wins
    mine = target_cycle(Track.MED_SCHOOL, today=TODAY, stage="premed",
                        deadlines=(date(2026, 12, 1), date(2027, 7, 1), date(2027, 5, 1)))
    assert (mine.needed, mine.source) == (date(2027, 5, 1), CycleSource.LETTERS)
    assert (mine.relationships_from, mine.relationships_by) == (date(2026, 5, 1),
                                                                date(2026, 8, 1))


def test_start_early_wording_follows_its_constant(core, driver, monkeypatch):
    monkeypatch.setattr(cycle, "RELATIONSHIP_MONTHS", (6, 8))
    ana, _ = people(core, stage="ms2")
    text = section(driver.run(ana, "/letter plan residency"), "Start early")
    assert "Relationships: 6–8 months before letters are needed: start between Sat 01 Jan " \
           "2028 and Wed 01 Mar 2028." in text


# --- the mix's rules, over any letters -------------------------------------------------------

_letters = st.lists(
    st.builds(
        LetterFacts,
        id=st.integers(1, 10_000),
        writer_id=st.one_of(st.none(), st.integers(1, 6)),
        writer_name=st.sampled_from(["Dr. A", "Dr. B", "Prof. C", "d. outsider"]),
        program=st.sampled_from(["", "EM residency", "Pediatrics residency", "State IM",
                                 "Away rotation: County EM", "Medical school (AMCAS)",
                                 "Summer research fellowship", "Riverside"]),
        kind=st.one_of(st.none(), st.sampled_from(LETTER_KINDS)),
        portal=st.one_of(st.none(), st.sampled_from(PORTALS)),
        state=st.sampled_from(LETTER_STATES),
        deadline=st.dates(date(2027, 1, 1), date(2028, 12, 31)),
        writer_specialty=st.sampled_from(["", "Emergency Medicine", "Pediatrics", "Surgery"]),
    ),
    max_size=12, unique_by=lambda x: x.id)


@settings(max_examples=examples(300), deadline=None)
@given(letters=_letters, track_=st.sampled_from(list(Track)),
       specialty=st.sampled_from(["", "EM", "peds", "surgery", "cardiology"]))
def test_mix_rules_hold_for_any_letters(letters, track_, specialty):
    result = mix.evaluate_mix(track_, letters, specialty=specialty)
    counted_keys = [writer_key(x.writer_id, x.writer_name) for x in result.counted]
    assert len(counted_keys) == len(set(counted_keys))  # one letter per writer
    gone = {x.id for x in letters if x.state in GONE_STATES}
    assert not gone & {x.id for x in result.counted}
    assert not gone & {x.id for x, _ in result.skipped}
    # every live letter is counted, skipped with a reason, or a writer's second letter
    repeated = {x.id for group in result.repeated for x in group}
    live = {x.id for x in letters} - gone
    assert live == {x.id for x in result.counted} | {x.id for x, _ in result.skipped} | repeated
    for status in result.parts:
        assert all(x.state not in PENDING_STATES for x in status.secured)
        assert all(x.state in PENDING_STATES for x in status.pending)
    if result.complete:
        assert not any(x.state in PENDING_STATES for x in result.counted)
    text = plan_messages.plan_reply(
        result, target_cycle(track_, today=TODAY, stage=None,
                             deadlines=[x.deadline for x in result.counted]),
        today=TODAY).as_text()
    assert ("Nothing: the mix is complete." in text) == result.complete
    for letter in result.pending:
        assert f"#{letter.id} " in text
