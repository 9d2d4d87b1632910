"""Drafts people can send: a note typed for oneself ("Asked her about the elective", "sepsis
talk") is never pasted into a draft as it was typed. It is turned into a sentence the reader
would read ("I loved your talk on sepsis."), or left out of the draft and shown to the
student around it. The update draft lists news, not contacts. Through the real core
(clock: Mon 4 Jan 2027) and, for the notes themselves, over generated notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.infra.models import ActionItem
from bot.mentoring import drafts
from bot.mentoring.notes import THIRD_PERSON, note_sentence, words
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.relationships import add_contact, add_mentorship

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)


def _section(reply, heading: str) -> str:
    return next((s.text for s in reply.sections if s.heading == heading), "")


def _cho(core):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms2", interests=["emergency medicine"])
        cho = add_faculty(s, "Dr. Hannah Cho", specialty="Emergency Medicine",
                          research=["resuscitation"])
        add_group(s, "em", name="EM Interest Group", members=[ana, cho])
    return ana


@pytest.mark.parametrize(("note", "sentence"), [
    ("loved her talk on sepsis at grand rounds",
     "I loved your talk on sepsis at grand rounds."),
    ("your talk on POCUS in septic shock",
     "I was especially interested in your talk on POCUS in septic shock."),
    ("read her paper on ultrasound-guided IVs", "I read your paper on ultrasound-guided IVs."),
    ("working on a sepsis quality project", "I'm working on a sepsis quality project."),
    ("I saw your poster at SAEM.", "I saw your poster at SAEM."),
])
def test_an_intro_note_becomes_a_sentence_to_the_faculty_member(core, driver, note, sentence):
    ana = _cho(core)
    reply = driver.run(ana, f'/mentor draft intro Cho note:"{note}"')
    draft = _section(reply, "Draft")
    assert sentence in draft
    assert "[add one specific paper" not in draft
    assert _section(reply, "Not in the draft") == ""


@pytest.mark.parametrize("note", ["sepsis talk", "asked about shadowing?", "Cho's lab - ask re: "
                                  "summer", "follow up w/ Cho"])
def test_an_intro_note_that_is_no_sentence_is_left_out_and_shown_around(core, driver, note):
    ana = _cho(core)
    reply = driver.run(ana, f'/mentor draft intro Cho note:"{note}"')
    draft = _section(reply, "Draft")
    assert note not in draft and note.capitalize() not in draft
    assert "I was especially interested in [add one specific paper, talk or project]." in draft
    assert _section(reply, "Not in the draft") == (
        f"• Your note (“{note}”) is not in the draft as written: say it in a sentence of your "
        "own where [add one specific paper, talk or project] is.")
    # the same after /mentor request, whose reply shows the same email
    sent = driver.run(ana, f'/mentor request Cho note:"{note}"')
    assert note not in sent.as_text().split("Not in the draft")[0]


def test_the_update_draft_quotes_no_private_note_and_lists_no_contacts(core, driver):
    """The issue's case: the update quoted "Asked her…" and listed contacts instead of
    news."""
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz="America/New_York")
        rivera = add_faculty(s, "Dr. Maria Rivera")
        xu = add_faculty(s, "Dr. Wei Xu")
        m = add_mentorship(s, ana, rivera, started_at=NOW - timedelta(days=90))
        add_contact(s, ana, rivera, NOW - timedelta(days=30), note="Asked her about the EM "
                                                                   "elective, she seemed busy")
        for task, note in (("Ask about the EM elective", "Asked her; she said maybe in spring"),
                           ("Submit the abstract", "submitted it to SAEM")):
            s.add(ActionItem(student_id=ana.id, mentor_id=rivera.id, mentorship_id=m.id,
                             task=task, created_at=NOW - timedelta(days=60),
                             done_at=NOW - timedelta(days=10), done_note=note))
        add_contact(s, ana, xu, NOW - timedelta(days=5), note="Asked him about research")
        add_contact(s, ana, xu, NOW - timedelta(days=4), note="coffee")
    reply = driver.run(ana, "/mentor draft update Rivera")
    draft = _section(reply, "Draft")
    for private in ("Asked her", "she seemed busy", "she said", "Asked him", "coffee"):
        assert private not in draft, private
    assert "Xu" not in draft  # a contact with someone else is not news for Dr. Rivera
    assert "You suggested I ask about the EM elective, and I did." in draft
    assert "You suggested I submit the abstract, and I did. I submitted it to SAEM." in draft
    left = _section(reply, "Not in the draft")
    assert "“Asked her; she said maybe in spring”" in left
    assert "You were in touch with Dr. Wei Xu on Thu 31 Dec 2026" in left


FRAGMENTS = ["asked her about", "sent", "my abstract", "she said", "coffee", "the elective",
             "maybe", "working on", "Rivera", "interested in", "your advice", "him", "?",
             "great meeting", "read", "his lab", "submitted", "the poster", "I", "; ", "."]


@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map(" ".join),
       st.booleans())
@example(";  my abstract", False)  # punctuation before the words is not the sentence's start
def test_a_note_is_a_sentence_for_its_reader_or_nothing(note: str, about_reader: bool) -> None:
    """Whatever was typed: either nothing, or a capitalised sentence ending in a full stop
    that speaks of no one in the third person and, unless it is about the reader, does not
    name them."""
    said = note_sentence(note, reader="Dr. Maria Rivera", about_reader=about_reader)
    if said is None:
        return
    assert said[0].isupper() and said.endswith((".", "!"))
    assert not set(words(said)) & THIRD_PERSON
    assert "?" not in said
    if not about_reader:
        assert "rivera" not in words(said)
    assert said.split()[0] in {"I", "I'm", "We", "My", "Your", "You", "Our", "I've", "Thank",
                               "Thanks"}


def test_the_placeholders_are_the_drafts_own() -> None:
    assert drafts.SPECIFIC == "[add one specific paper, talk or project]"
