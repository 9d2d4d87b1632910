"""How a message to someone opens: "Dear Dr. Cho", never "Dear Dr. Hannah Cho" — a title
and the surname, read from a name as people write it ("Dr. José Núñez, MD", "Prof. Alan
Brooks (Biology)", "Hannah Cho, MD, PhD", "Dr. Maria de la Cruz"). Pure: a name goes in,
words come out."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TITLES = {
    "dr": "Dr.", "doctor": "Dr.", "prof": "Prof.", "professor": "Prof.", "mr": "Mr.",
    "mrs": "Mrs.", "ms": "Ms.", "mx": "Mx.", "miss": "Miss",
}
_DOCTORAL = {"md", "do", "phd", "mbbs", "mbchb", "dds", "dmd", "pharmd", "dnp", "edd", "psyd",
             "dphil", "dvm", "od", "dpm"}
_CREDENTIALS = _DOCTORAL | {
    "jr", "sr", "ii", "iii", "iv", "mph", "mba", "ms", "msc", "ma", "bs", "ba", "rn", "np",
    "pa", "pa-c", "facep", "facs", "facp", "faap", "fccp", "faha", "facc",
}
_PARTICLES = {"de", "da", "del", "della", "der", "den", "di", "du", "la", "le", "van", "von",
              "st", "bin", "ibn", "al", "el", "ten", "ter", "dos", "das", "mac"}
_GROUPS = {"committee", "office", "board", "council", "panel", "department", "faculty"}
PLACEHOLDER_TITLE = "[title]"
"""Where no title is known (someone outside the roster with none written): the writer of
the message fills it in."""


@dataclass(frozen=True)
class Addressee:
    title: str  # "Dr.", "Prof."…, or PLACEHOLDER_TITLE
    surname: str
    group: bool = False  # a committee or an office, addressed by its whole name
    name: str = ""

    @property
    def short(self) -> str:
        """'Dr. Cho', or the committee's name."""
        return self.name if self.group else f"{self.title} {self.surname}".strip()


def _key(word: str) -> str:
    return re.sub(r"[^a-z-]", "", word.lower())


def _is_credential(word: str) -> bool:
    """A degree or suffix written after a name without a comma ("Jane Smith MD"). Written
    as a name ("Anh Do", "Wei Ma") it is the surname."""
    bare = word.rstrip(".")
    return _key(word) in _CREDENTIALS and (bare != bare.capitalize() or _key(word) in
                                           ("jr", "sr"))


def addressee(name: str, *, doctor: bool = False) -> Addressee:
    """Title and surname of `name`. A written title wins; a doctoral degree after the name
    ("MD", "PhD") means "Dr."; otherwise "Dr." when `doctor` (faculty on the roster), else
    a placeholder to fill in."""
    plain = " ".join(re.sub(r"\([^)]*\)", " ", name).split())
    if any(_key(w) in _GROUPS for w in plain.split()):
        return Addressee("", plain, group=True, name=plain)
    head, *tails = [part.strip() for part in plain.split(",")]
    words = head.split()
    title = ""
    while words and _key(words[0]) in _TITLES:
        title = title or _TITLES[_key(words[0])]
        words = words[1:]
    credentials = {_key(w) for tail in tails for w in tail.split()}
    while len(words) > 1 and _is_credential(words[-1]):
        credentials.add(_key(words.pop()))
    if not words:  # a title alone: nothing to call them by
        return Addressee(title or PLACEHOLDER_TITLE, "[name]", name=plain)
    start = len(words) - 1
    while start > 1 and _key(words[start - 1]) in _PARTICLES:
        start -= 1
    surname = " ".join(words[start:])
    if not title:
        title = "Dr." if doctor or credentials & _DOCTORAL else PLACEHOLDER_TITLE
    return Addressee(title, surname, name=plain)


def salutation(name: str, *, doctor: bool = False) -> str:
    """'Dear Dr. Cho', 'Dear Prof. Brooks', 'Dear Premedical Advisory Committee'."""
    return f"Dear {addressee(name, doctor=doctor).short}"
