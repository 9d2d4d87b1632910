"""Nothing a person types is lost: for every way of naming a person (a quoted name, a bare
surname or full name, an email, a mention, `person:ID`) followed by any free text, the
stored text is exactly what was typed (whitespace aside). A property test over the
tokenizer, the registry's binding and the name resolver, through the real core."""

from __future__ import annotations

import string
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from sqlalchemy import select

from bot.app.core import Core, Request
from bot.framework.channels import ChannelRef
from bot.infra.models import ActionItem, Identity, Person
from bot.people.resolve import normalize_name
from tests.support.factories import add_faculty, add_student
from tests.support.properties import examples

FACULTY = ("Dr. Samuel Okafor", "Elena Ramirez", "Prof. Kim Lee", "Dr. Wei Xu")
NAME_WORDS = {w for name in FACULTY for w in normalize_name(name).split()}
TITLES = {"dr", "doctor", "prof", "professor", "mr", "mrs", "ms", "mx", "miss", "md", "phd",
          "do", "mph", "mba", "facep", "facs", "jr", "sr", "rn", "np", "pa"}


@pytest.fixture(scope="module")
def roster(sqlite_factory) -> Iterator[tuple[Core, int, dict[str, int]]]:  # type: ignore[no-untyped-def]
    from bot.infra.clock import FixedClock
    from bot.infra.db import Database
    from bot.infra.settings import Settings

    url = sqlite_factory.new_url()
    core = Core(db=Database(url), clock=FixedClock(),
                settings=Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    ids: dict[str, int] = {}
    with core.db.session() as s:
        student = add_student(s, "Maya Patel").id
        for i, name in enumerate(FACULTY):
            person = add_faculty(s, name, email=_email(name))
            s.add(Identity(person_id=person.id, platform="slack", workspace="",
                           external_id=f"U0FAC{i}"))
            ids[name] = person.id
    yield core, student, ids
    core.db.dispose()


def _email(name: str) -> str:
    return ".".join(normalize_name(name).split()) + "@example.edu"


def _forms(name: str, person_id: int, index: int) -> list[str]:
    plain = " ".join(w for w in name.split() if w.lower().strip(".") not in TITLES)
    email = _email(name)
    return [f'"{name}"', f'"{plain}"', plain.split()[-1], plain, email, f"<@U0FAC{index}>",
            f"person:{person_id}"]


def _word_is_safe(word: str) -> bool:
    """Words a task may contain for the property to hold: no option (`key:`), quote or
    reference syntax, and not a (misspelt) word of someone's name or a title, which right
    after a bare name would honestly read as part of it."""
    folded = word.lower()
    if any(ch in word for ch in ":\"'“”‘’<>@") or folded.startswith("person"):
        return False
    letters = "".join(ch for ch in folded if ch.isalnum())
    if letters in TITLES:
        return False
    return not any(fuzz.ratio(letters, part) >= 70 for part in NAME_WORDS)


WORD = st.text(alphabet=string.ascii_letters + string.digits + "-.,;!?()/&%#+=",
               min_size=1, max_size=12).filter(_word_is_safe)
SPACES = st.sampled_from([" ", "  ", "\t", " \u00a0"])


@settings(max_examples=examples(200), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(who=st.integers(0, len(FACULTY) - 1), form=st.integers(0, 6),
       words=st.lists(WORD, min_size=1, max_size=8), gaps=st.lists(SPACES, min_size=8,
                                                                   max_size=8))
def test_the_task_after_any_reference_is_kept_whole(roster, who: int, form: int,  # type: ignore[no-untyped-def]
                                                    words: list[str], gaps: list[str]) -> None:
    core, student, ids = roster
    name = FACULTY[who]
    ref = _forms(name, ids[name], who)[form]
    typed = "".join(w + g for w, g in zip(words, gaps, strict=False)).strip()
    reply = core.handle(Request(root="mentor", actor_id=student, text=f"todo {ref} {typed}",
                                channel=ChannelRef("slack", "T1", "C1")))
    assert not reply.error, reply.as_text()
    with core.db.session() as s:
        item = s.scalars(select(ActionItem).order_by(ActionItem.id.desc()).limit(1)).one()
        assert item.mentor_id == ids[name]
        assert item.task == " ".join(typed.split())


@pytest.mark.parametrize("line, task", [
    ('"Dr. Samuel Okafor" read the ACEP ultrasound guidelines',
     "read the ACEP ultrasound guidelines"),
    ('"Elena Ramirez" read the EMRA guide', "read the EMRA guide"),
    ("Okafor read the guide due:\"in 2 weeks\"", "read the guide"),
    ("Samuel Okafr read the guide", "read the guide"),
    ("Okafor Dr. Park said to email him", "Dr. Park said to email him"),
])
def test_help_examples_and_typos_keep_the_task(roster, line: str, task: str) -> None:  # type: ignore[no-untyped-def]
    core, student, _ = roster
    reply = core.handle(Request(root="mentor", actor_id=student, text=f"todo {line}"))
    assert not reply.error, reply.as_text()
    with core.db.session() as s:
        item = s.scalars(select(ActionItem).order_by(ActionItem.id.desc()).limit(1)).one()
        assert item.task == task
        assert s.get_one(Person, item.mentor_id).name == "Dr. Samuel Okafor" or \
            "Ramirez" in line
