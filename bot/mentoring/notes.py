"""A student's note, as a sentence someone else may read, or nothing.

Notes are typed for oneself ("asked her about the elective", "sepsis talk", "great
meeting"): pasted into a draft for a mentor they read as a fragment, or as something said
behind the reader's back. A draft holds a note only when it can be turned into a sentence
the recipient would read: a first-person fragment ("sent my abstract") becomes "I sent my
abstract."; one about what the student is doing ("working on a sepsis project") "I'm working
on …"; one addressed to the reader ("your talk on sepsis") stays as it is. A note about the
reader in the third person ("loved her talk") is turned to the second person ("I loved your
talk") only where the reader is who it is about (the faculty member an intro note is for);
anywhere else a note that speaks of someone in the third person, names the reader, asks a
question or is a bare phrase is left out, and the reply around the draft shows it to the
student to say in their own words. Pure: text in, text out."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z’']+")

FIRST_PERSON = frozenset({"i", "i'm", "i’m", "i've", "i’ve", "i'd", "i’d", "i'll", "i’ll",
                          "my", "we", "we're", "we’re", "we've", "we’ve", "our"})
"""A note that starts with one of these is already a sentence about the student."""

TO_THE_READER = frozenset({"your", "you", "you're", "you’re", "thank", "thanks"})
"""A note that starts with one of these already speaks to the reader."""

THIRD_PERSON = frozenset({"he", "she", "him", "her", "his", "hers", "himself", "herself",
                          "he's", "she's", "he’s", "she’s"})
"""Words that speak of someone in the third person."""

IRREGULAR_PAST = frozenset({
    "sent", "wrote", "read", "met", "made", "got", "took", "went", "began", "did", "gave",
    "spoke", "found", "built", "brought", "saw", "kept", "left", "told", "won", "ran",
    "taught", "thought", "heard", "paid", "put", "chose", "drew", "led", "had", "shadowed",
    "finished", "sat", "spent", "learnt", "learned", "caught", "sought", "felt"})
"""Past-tense verbs a note may start with that do not end in -ed."""

NOT_PAST = frozenset({"need", "needed", "feed", "seed", "speed", "breed", "bleed", "shed",
                      "embed", "red", "bed", "interested", "excited", "tired", "scheduled",
                      "planned", "supposed", "based", "related", "used"})
"""Words ending in -ed that do not start a first-person past sentence ("interested in…" is
"I'm interested in…", "scheduled for…" is a to-do)."""

STATE_WORDS = frozenset({"interested", "excited", "curious", "keen", "eager", "hoping",
                         "planning", "thinking", "considering", "applying", "working",
                         "looking", "starting", "writing", "doing", "leading"})
"""Words that start a note about what the student is, or is doing: "I'm interested in…"."""

_SECOND_PERSON = {"he": "you", "she": "you", "him": "you", "his": "your", "hers": "yours",
                  "himself": "yourself", "herself": "yourself", "he's": "you're",
                  "she's": "you're", "he’s": "you’re", "she’s": "you’re"}
_AGREEMENT = {"is": "are", "was": "were", "has": "have", "does": "do", "says": "say",
              "seems": "seem", "wants": "want", "thinks": "think"}
_OBJECT_FOLLOWERS = frozenset({
    "about", "for", "to", "with", "on", "at", "in", "if", "whether", "when", "and", "again",
    "that", "this", "tomorrow", "today", "yesterday", "after", "before", "during", "by",
    "from", "what", "how", "why", "a", "an", "the", "my", "our", "some", "any", "last",
    "next", "once", "twice", "back", "up", "out", "over"})
"""Words after "her" that make it the object ("asked her about…": "you"), not the
possessive ("her talk": "your")."""


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _tidy(note: str) -> str:
    return " ".join(note.split()).strip(" .;,:-–—")


def names_of(person_name: str) -> frozenset[str]:
    """The words a note could name the reader by (titles aside): "Dr. Maria Rivera" ->
    maria, rivera."""
    return frozenset(w for w in words(person_name)
                     if w not in {"dr", "prof", "professor", "md", "phd", "mr", "ms", "mrs"}
                     and len(w) > 1)


def to_second_person(text: str) -> str:
    """Third-person words about the reader, turned to the second person: "loved her talk"
    -> "loved your talk"; "asked her about it" -> "asked you about it"; "she is" -> "you
    are"."""
    tokens = text.split(" ")
    out: list[str] = []
    for index, token in enumerate(tokens):
        core = token.strip(".,;:!?()\"“”")
        lower = core.lower()
        replacement: str | None = None
        if lower == "her":
            stops = core != token  # "asked her." — nothing of hers follows
            following = tokens[index + 1].lower().strip(".,;:!?") if index + 1 < len(tokens) \
                else ""
            replacement = "you" if stops or not following or following in _OBJECT_FOLLOWERS \
                else "your"
        elif lower in _SECOND_PERSON:
            replacement = _SECOND_PERSON[lower]
        elif lower in _AGREEMENT and out and out[-1].lower().strip(".,;:") in ("you",):
            replacement = _AGREEMENT[lower]
        if replacement is None:
            out.append(token)
            continue
        if core[:1].isupper():
            replacement = replacement.capitalize()
        out.append(token.replace(core, replacement, 1))
    return " ".join(out)


def _first_person(text: str) -> str | None:
    """A fragment as the student's own sentence, or None when it cannot be one."""
    said = words(text)
    if len(said) < 2:  # a word alone is a label, not a sentence ("coffee", "him")
        return None
    lead = said[0]
    if lead in FIRST_PERSON or lead in TO_THE_READER:
        return text
    if lead in STATE_WORDS or (lead.endswith("ing") and len(lead) > 4):
        return f"I'm {text[0].lower()}{text[1:]}"
    if lead == "met" and len(words(text)) > 1 and words(text)[1] in _OBJECT_FOLLOWERS:
        return f"We met{text[3:]}"
    if lead in IRREGULAR_PAST or (lead.endswith("ed") and len(lead) > 3
                                  and lead not in NOT_PAST):
        return f"I {text[0].lower()}{text[1:]}"
    return None


NOUN_PHRASE_LEADS = frozenset({"your", "the", "a", "an"})
_VERBS = frozenset({"is", "was", "were", "are", "has", "have", "had"})


def noun_phrase(note: str, *, reader: str) -> str | None:
    """A note that names a thing of the reader's rather than saying a sentence ("your talk
    on sepsis", "the ultrasound workshop you ran"), turned to the second person: what a
    draft can work into a sentence of its own ("I was especially interested in …")."""
    text = to_second_person(_tidy(note))
    said = words(text)
    if not said or said[0] not in NOUN_PHRASE_LEADS or set(said) & _VERBS \
            or set(said) & THIRD_PERSON or "?" in text:
        return None
    return text[0].lower() + text[1:]


def _sentence(text: str) -> str:
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!" else text + "."


def note_sentence(note: str, *, reader: str, about_reader: bool = False) -> str | None:
    """The note as a sentence `reader` may read, or None to leave it out. `about_reader`:
    the note is about the reader (an intro note is about the faculty member it goes to), so
    "her" is "you"; otherwise a note that speaks of someone in the third person or names
    the reader is the student's own, and stays out."""
    text = _tidy(note)
    if not text or "?" in text or "!" in text[:-1]:
        return None
    said = set(words(text))
    if about_reader:
        text = to_second_person(text)
    elif said & THIRD_PERSON or said & names_of(reader):
        return None
    if set(words(text)) & THIRD_PERSON:
        return None
    found = _first_person(text)
    return _sentence(found) if found is not None else None


def shareable(text: str, *, reader: str) -> bool:
    """Whether a short reason the student typed ("no time before the deadline") may be
    shown to `reader` as it is: it speaks of no one in the third person, does not name the
    reader, and asks nothing."""
    said = set(words(text))
    return bool(text.strip()) and "?" not in text and not said & THIRD_PERSON \
        and not said & names_of(reader)
