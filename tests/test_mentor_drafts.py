"""The message drafts through the core (`/mentor draft intro|update|thanks`, and the first
email shown after `/mentor request`), on SQLite and PostgreSQL: tested for the facts each
must contain (names, dates, the student's note, what happened since, placeholders), not
for their exact wording. A draft is only shown: nothing is stored or sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.framework.replies import Reply
from bot.framework.wording import and_list
from bot.infra.models import ActionItem, Contact, Letter, Nudge, Outcome
from bot.matching import rules as intro_rules
from bot.mentoring import drafts
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.relationships import add_contact, add_mentorship, nudges_of

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # the `clock` fixture


def _draft(reply) -> str:
    assert not reply.error, reply.as_text()
    [section] = [s for s in reply.sections if s.heading == "Draft"]
    return section.text


def _count(core, model) -> int:
    with core.db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def _cho(core, **student):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", **{"stage": "ms2",
                                            "interests": ["emergency medicine", "ultrasound",
                                                          "sepsis"],
                                            "research": [], **student})
        cho = add_faculty(s, "Dr. Hannah Cho", specialty="Emergency Medicine",
                          research=["point-of-care ultrasound", "resuscitation"])
        add_group(s, "em", name="EM Interest Group", members=[ana, cho])
        return ana, cho


# --- the first email ---------------------------------------------------------------------------


def test_intro_draft_says_who_why_this_faculty_member_and_asks_briefly(core, driver):
    ana, _cho_ = _cho(core)
    text = _draft(driver.run(ana, "/mentor draft intro Cho"))
    assert "Dear Dr. Cho," in text and "Hannah" not in text
    assert "Ana Diaz" in text and "second-year medical student" in text
    assert drafts.SCHOOL in text  # the bot does not know the school: a clear placeholder
    assert "EM Interest Group" in text
    # Lists read as English, never the stored "a; b".
    assert "emergency medicine, ultrasound and sepsis" in text and ";" not in text
    # Why her: her research, tied to the student's matching interest.
    assert "point-of-care ultrasound" in text and "my own interest in ultrasound" in text
    # Nothing specific known: the placeholder says what to add.
    assert "[add one specific paper, talk or project]" in text
    low, high = intro_rules.FIRST_MEETING_MINUTES
    assert f"{low}–{high} minutes" in text
    assert "Thank you" in text and text.rstrip().endswith("Ana Diaz")
    assert _count(core, Nudge) == 0  # shown, never sent


def test_intro_draft_works_the_note_in_and_matches_the_one_after_request(core, driver):
    ana, _cho_ = _cho(core)
    sent = driver.run(ana, '/mentor request Cho kind:research note:"I loved your talk on '
                           'POCUS in septic shock"')
    assert not sent.error, sent.as_text()
    [after_request] = [s.text for s in sent.sections if s.heading.startswith("A first email")]
    assert "I loved your talk on POCUS in septic shock." in after_request
    assert "[add one specific paper" not in after_request
    assert "how a student at my stage could get involved in your research" in after_request
    # /mentor draft intro gives the same email, from the open request's kind and note.
    assert _draft(driver.run(ana, "/mentor draft intro Cho")) == after_request


def test_the_request_reaching_the_faculty_member_lists_interests_as_english(core, driver):
    ana, cho = _cho(core, research=["POCUS", "sepsis bundles"])
    assert not driver.run(ana, "/mentor request Cho").error
    with core.db.session() as s:
        [dm] = [Reply.from_dict(n.payload) for n in nudges_of(s, cho, kind="notice")]
    fields = {f.name: f.value for f in dm.fields}
    assert fields["Interests"] == "emergency medicine, ultrasound and sepsis"
    assert fields["Research interests"] == "POCUS and sepsis bundles"


def test_intro_draft_without_shared_research_names_the_specialty(core, driver):
    with core.db.session() as s:
        ben = add_student(s, "Ben Ode", stage="premed", interests=["pediatrics"])
        add_faculty(s, "Omar Reyes", specialty="Pediatrics", research=[])
    text = _draft(driver.run(ben, "/mentor draft intro Reyes kind:clinical"))
    assert "Dear Dr. Reyes," in text  # faculty without a title in their name: Dr.
    assert "premedical student" in text
    assert "clinical work in pediatrics" in text and "the specialty I hope to go into" in text
    assert "[add one specific paper, talk or project]" in text


def test_intro_draft_refusals_change_nothing(core, driver):
    ana, cho = _cho(core)
    with core.db.session() as s:
        add_student(s, "Jordan Kim")
    for line, expected in (("/mentor draft intro Jordan Kim", "not a faculty member"),
                           ("/mentor draft intro nobody@example.edu", "don't know"),
                           ("/mentor draft intro", "needs FACULTY")):
        reply = driver.run(ana, line)
        assert reply.error and expected in reply.text, (line, reply.as_text())
    assert driver.run(cho, "/mentor draft intro Cho").error  # students only
    assert _count(core, Nudge) == 0


# --- the four-part update ------------------------------------------------------------------------


def _history(core):
    """A mentorship with a contact 30 days ago and things that happened before and since."""
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz="America/New_York")
        rivera = add_faculty(s, "Dr. Maria Rivera")
        xu = add_faculty(s, "Dr. Wei Xu")
        m = add_mentorship(s, ana, rivera, started_at=NOW - timedelta(days=90))
        add_contact(s, ana, rivera, NOW - timedelta(days=30), note="shared my step 1 plan")
        items = [
            ("Read the ACEP ultrasound guidelines", NOW - timedelta(days=10),
             "useful; questions for next time", False),
            ("email Dr. Park about shadowing", NOW - timedelta(days=9),
             "decided not to, because the rotation filled", True),
            ("join the journal club", NOW - timedelta(days=40), "went twice", False),  # before
            ("draft a case report", None, "", False),  # still open
        ]
        for task, done_at, note, decided_not in items:
            s.add(ActionItem(student_id=ana.id, mentor_id=rivera.id, mentorship_id=m.id,
                             task=task, created_at=NOW - timedelta(days=60), done_at=done_at,
                             done_note=note, decided_not=decided_not))
        s.add(Outcome(student_id=ana.id, text="interview invitation from Stanford EM",
                      at=NOW - timedelta(days=3)))
        s.add(Outcome(student_id=ana.id, text="an old result", at=NOW - timedelta(days=45)))
        add_contact(s, ana, xu, NOW - timedelta(days=5), note="talked about a research project")
        return ana, rivera


def test_update_draft_fills_the_four_parts_with_what_happened_since(core, driver):
    ana, _rivera = _history(core)
    reply = driver.run(ana, "/mentor draft update Rivera")
    text = _draft(reply)
    assert text.startswith("Dear Dr. Rivera,")
    # 1. greeting and context: the last contact, on the student's calendar (its note is the
    # student's own: not quoted to the mentor)
    assert "Since we last spoke on Sat 05 Dec 2026, a few things have moved." in text
    assert "shared my step 1 plan" not in text
    # 2. 2–3 updates since then: this mentor's suggestions first (done, and decided not to);
    # a closing note that is not a sentence for the mentor stays out of the draft
    assert "You suggested I read the ACEP ultrasound guidelines, and I did." in text
    assert "useful; questions" not in text
    assert "email Dr. Park about shadowing, and I decided not to (because the rotation " \
        "filled)" in text
    # a contact with someone else is not news: never listed in the draft, shown around it
    assert "Xu" not in text and "talked about a research project" not in text
    [left] = [s.text for s in reply.sections if s.heading == "Not in the draft"]
    assert "Your note on “read the ACEP ultrasound guidelines”: “useful; questions for next " \
           "time”" in left
    assert "You were in touch with Dr. Wei Xu on Wed 30 Dec 2026" in left
    assert "Interview invitation from Stanford EM" in text
    bullets = [line for line in text.splitlines() if line.startswith("• ")]
    low, high = drafts.UPDATES
    qlow, qhigh = drafts.QUESTIONS
    assert low + qlow <= len(bullets) <= high + qhigh
    # Nothing from before the last contact.
    assert "journal club" not in text and "an old result" not in text
    # 3. questions: the open suggestion, and the student's own
    assert "draft a case report" in text and drafts.A_QUESTION in text
    # 4. thanks and next steps, with the rhythm
    assert "Thank you for suggesting I read the ACEP ultrasound guidelines" in text
    assert drafts.NEXT_STEP in text and "in about 6 weeks" in text


def test_update_draft_with_little_to_say_has_placeholders(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        rivera = add_faculty(s, "Dr. Maria Rivera")
        add_mentorship(s, ana, rivera, kind="research", started_at=NOW - timedelta(days=20))
    text = _draft(driver.run(ana, "/mentor draft update Rivera"))
    assert "Since we started working together on Tue 15 Dec 2026" in text
    assert text.count(drafts.AN_UPDATE) == drafts.UPDATES[0]
    assert "in about 1 week" in text


def test_update_draft_refusals(core, driver):
    ana, rivera = _history(core)
    with core.db.session() as s:
        peer = add_student(s, "Jordan Kim")
    reply = driver.run(ana, "/mentor draft update Jordan Kim")
    assert reply.error and "Jordan Kim is not a faculty member" in reply.text
    assert driver.run(rivera, "/mentor draft update Rivera").error
    assert driver.run(peer, "/mentor draft update jordan.kim@example.edu").error
    assert _count(core, Nudge) == 0 and _count(core, Contact) == 2


# --- thanks ----------------------------------------------------------------------------------------


def test_thanks_draft_is_specific_about_what_they_did(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        okafor = add_faculty(s, "Samuel Okafor, MD")
        s.add(Letter(student_id=ana.id, writer_id=okafor.id, writer_name=okafor.name,
                     program="EM residency", deadline=(NOW + timedelta(days=30)).date(),
                     state="submitted"))
        s.add(ActionItem(student_id=ana.id, mentor_id=okafor.id, task="Apply for the SAEM grant",
                         created_at=NOW - timedelta(days=50), done_at=NOW - timedelta(days=20)))
    text = _draft(driver.run(ana, "/mentor draft thanks Okafor"))
    assert text.startswith("Dear Dr. Okafor,")
    assert "a letter of recommendation for my EM residency application" in text
    assert "suggesting I apply for the SAEM grant" in text
    assert drafts.WHAT_IT_MADE_POSSIBLE in text and "applications go" in text
    assert text.rstrip().endswith("Ana Diaz")
    assert _count(core, Nudge) == 0  # the writer is told nothing


def test_thanks_draft_for_a_meeting_and_for_someone_unknown(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        xu = add_faculty(s, "Dr. Wei Xu")
        peer = add_student(s, "Jordan Kim")
        add_contact(s, ana, xu, NOW - timedelta(days=2), note="research chat")
    text = _draft(driver.run(ana, "/mentor draft thanks Xu"))
    assert "talk with me on Sat 02 Jan 2027." in text and "research chat" not in text
    peer_text = _draft(driver.run(ana, f"/mentor draft thanks person:{peer.id}"))
    assert peer_text.startswith("Dear Jordan,")  # a peer by first name
    assert drafts.WHAT_FOR in peer_text
    assert driver.run(ana, "/mentor draft thanks Ana Diaz").error


# --- greeting and lists ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "faculty", "expected"), [
    ("Dr. Hannah Cho", True, "Dr. Cho"),
    ("Hannah Cho", True, "Dr. Cho"),
    ("Samuel Okafor, MD", False, "Dr. Okafor"),
    ("Dr. Maria de la Cruz", True, "Dr. de la Cruz"),
    ("Prof. Alan Brooks", False, "Prof. Brooks"),
    ("Dr. Samuel Okafor, MD, PhD", True, "Dr. Okafor"),
    ("Jordan Kim", False, "Jordan"),
    ("Cho", True, "Dr. Cho"),
])
def test_salutation_is_title_and_surname(name, faculty, expected):
    assert drafts.salutation(name, is_faculty=faculty) == expected


_item = st.text(st.characters(categories=("L", "N"), include_characters=" -"),
                min_size=1, max_size=20).filter(lambda t: t.strip())


@given(st.lists(_item, min_size=1, max_size=6))
def test_and_list_reads_as_english(items):
    text = and_list(items)
    words = [i.strip() for i in items]
    assert ";" not in text
    assert text.endswith(words[-1])
    assert all(word in text for word in words)
    if len(words) == 1:
        assert text == words[0]
    else:
        assert text == ", ".join(words[:-1]) + " and " + words[-1]
