"""Finding people from what users type: an email, a platform mention, or a name (forgiving of
case, titles and small typos). An unknown reference lists the closest names.

A name that fits several people is never picked silently: the acting person's own
relationships decide (someone they have a mentorship, a logged contact, an intro request or
a letter with, or an outside letter writer they track), and when that leaves more than one
the answer is the list, so nothing is changed on a guess. Everyone on the roster counts as a
candidate whatever the command expects (`/mentor log Kim` with a student Jordan Kim and a
Dr. Kim Lee is ambiguous); a person without the expected role is refused by name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.framework.channels import ChannelRef
from bot.infra.models import Contact, Identity, IntroRequest, Letter, Mentorship, Person
from bot.infra.models import Role as RoleRow
from bot.vocab.people import GLOBAL_ROLES, Role

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_SLACK_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_DISCORD_MENTION = re.compile(r"^<@!?(\d{5,25})>$")
_INTERNAL = re.compile(r"^person:(\d+)$")
_TITLES = {
    "dr", "doctor", "prof", "professor", "mr", "mrs", "ms", "mx", "miss", "md", "phd", "do",
    "mph", "mba", "facep", "facs", "jr", "sr", "rn", "np", "pa",
}
ACCEPT_SCORE = 86
MIN_SCORE = 55
_KINDS: dict[str, str] = {Role.FACULTY: "faculty member", Role.STUDENT: "student"}
"""How a refusal names whom a role-restricted option wanted."""


class UnknownPerson(UserError):
    """A reference that names no one; `closest` holds the names it came nearest to (best
    first), so a caller can offer them without reading the message."""

    def __init__(self, message: str, *, closest: tuple[str, ...] = ()) -> None:
        super().__init__(message, title="Unknown person")
        self.closest = closest


def normalize_name(name: str) -> str:
    """Lowercase, accents folded, titles and punctuation dropped: 'Dr. José Núñez, MD' →
    'jose nunez'."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.split(r"[^a-z0-9]+", folded.lower())
    return " ".join(w for w in words if w and w not in _TITLES)


@dataclass(frozen=True)
class Where:
    """Where a mention came from, so `<@U123>` is looked up in the right Slack workspace."""

    platform: str = ""
    workspace: str = ""


@dataclass(frozen=True)
class OutsideWriter:
    """A letter writer the acting student tracks by name only (not on the roster)."""

    name: str  # as the student's letters store it


def resolve(session: Session, ref: str, *, role: str | None = None, where: Where = Where(),
            exclude: int | None = None, actor: Person | None = None) -> Person:
    """The person `ref` names. `actor` is who is asking: their relationships settle a name
    that fits several people (see the module docstring)."""
    found = resolve_reference(session, ref, role=role, where=where, exclude=exclude,
                              actor=actor)
    if isinstance(found, OutsideWriter):
        raise UserError(
            f"“{ref.strip()}” is {found.name}, who writes a letter for you from outside the "
            "roster, so I can't name them here. For someone on the roster with that name, "
            "use their email or a mention.", title="Not on the roster")
    return found


def resolve_reference(session: Session, ref: str, *, role: str | None = None,
                      where: Where = Where(), exclude: int | None = None,
                      actor: Person | None = None) -> Person | OutsideWriter:
    """Like `resolve`, but a name may also be one of the outside letter writers `actor`
    tracks (`/letter remind Brooks` for their "Prof. Alan Brooks")."""
    text = (ref or "").strip()
    kind = _KINDS.get(role or "", "person")
    if not text:
        raise UserError(f"Name a {kind}: a name, an email or a mention.")
    person = _by_exact_reference(session, text, where)
    if person is None and (EMAIL.match(text) or text.startswith("<@") or _INTERNAL.match(text)):
        raise UnknownPerson(f"I don't know a {kind} {text}.")
    if person is not None:
        if role and not person.has_role(role):
            raise UserError(f"{person.name} is not a {kind}.")
        return person
    return _by_name(session, text, role=role, kind=kind, exclude=exclude, actor=actor)


def resolve_in_request(session: Session, ref: str, *, role: str | None,
                       channel: ChannelRef | None, actor: Person) -> Person:
    """`resolve` as the request context needs it (the framework's `PersonResolver`)."""
    return resolve(session, ref, role=role, where=where_of(channel), actor=actor)


def where_of(channel: ChannelRef | None) -> Where:
    """Where a command was typed, for looking up its mentions."""
    return Where() if channel is None else Where(channel.platform, channel.workspace)


NAME_WORD_TYPO = 80
"""How close (rapidfuzz ratio) a typed word must be to a word of a name to count as part of
it: one slip in a surname ("okafr") is; the next word of a task ("read") is not."""


def names_match(prefix: str, person: Person) -> bool:
    """Whether every word of `prefix` is a word of `person`'s name, allowing one small typo
    per word (the framework's `NameMatcher`). Titles count only in front ("Dr. Okafor"): a
    title after the name starts the free text ("Okafor Dr. Park said…"); so does anything
    with no letters ("Okafor / 3 papers")."""
    tokens = [_words(token) for token in prefix.split()]
    while tokens and len(tokens[0]) == 1 and tokens[0][0] in _TITLES:
        tokens = tokens[1:]
    name = normalize_name(person.name).split()
    return bool(tokens) and all(
        words and all(any(fuzz.ratio(word, part) >= NAME_WORD_TYPO for part in name)
                      for word in words)
        for words in tokens)


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return [w for w in re.split(r"[^a-z0-9]+", folded.lower()) if w]


def _by_exact_reference(session: Session, text: str, where: Where) -> Person | None:
    if EMAIL.match(text):
        return session.scalar(select(Person).where(func.lower(Person.email) == text.lower()))
    internal = _INTERNAL.match(text)
    if internal:
        return session.get(Person, int(internal.group(1)))
    slack = _SLACK_MENTION.match(text)
    if slack:
        return find_by_identity(session, "slack", where.workspace, slack.group(1))
    discord = _DISCORD_MENTION.match(text)
    if discord:
        return find_by_identity(session, "discord", "", discord.group(1))
    return None


def find_by_identity(session: Session, platform: str, workspace: str,
                     external_id: str) -> Person | None:
    """A roster import knows no workspace (''), which matches any workspace."""
    rows = session.scalars(
        select(Identity).where(
            Identity.platform == platform,
            Identity.external_id == external_id,
            Identity.workspace.in_({workspace, ""}),
        )
    ).all()
    exact = next((r for r in rows if r.workspace == workspace), None) or next(iter(rows), None)
    return exact.person if exact is not None else None


def candidate_names(session: Session, role: str | None) -> list[tuple[int, str]]:
    query = select(Person.id, Person.name)
    if role:
        query = query.join(RoleRow, RoleRow.person_id == Person.id).where(
            RoleRow.role == role).distinct()
    return [(row[0], row[1]) for row in session.execute(query)]


def outside_writers(session: Session, student_id: int) -> list[str]:
    """The names of the writers off the roster that a student tracks letters with."""
    return list(dict.fromkeys(session.scalars(
        select(Letter.writer_name).where(Letter.student_id == student_id,
                                         Letter.writer_id.is_(None))
        .order_by(Letter.id))))


def related_people(session: Session, person_id: int, among: list[int]) -> set[int]:
    """Which of `among` `person_id` has something to do with, either way round: a
    mentorship (current or past), a logged contact, an intro request, or a letter."""
    if not among:
        return set()
    found: set[int] = set()
    for model, one, other in ((Mentorship, Mentorship.student_id, Mentorship.mentor_id),
                              (Contact, Contact.student_id, Contact.mentor_id),
                              (IntroRequest, IntroRequest.student_id, IntroRequest.faculty_id),
                              (Letter, Letter.student_id, Letter.writer_id)):
        for a, b in session.execute(select(one, other).select_from(model).where(or_(
                (one == person_id) & other.in_(among), (other == person_id) & one.in_(among)))):
            other_id = b if a == person_id else a
            if other_id is not None:
                found.add(other_id)
    return found & set(among)


@dataclass(frozen=True)
class _Candidate:
    key: str  # "p:ID" for a person, "w:NAME" for an outside writer
    name: str
    person_id: int | None = None

    @property
    def outside(self) -> bool:
        return self.person_id is None


def _candidates(session: Session, exclude: int | None,
                actor: Person | None) -> dict[str, tuple[_Candidate, str]]:
    """Everyone on the roster, and the actor's outside writers, by key, with the name as
    compared. An outside writer whose name is a roster person's is that person."""
    found: dict[str, tuple[_Candidate, str]] = {}
    names: set[str] = set()
    for pid, name in candidate_names(session, None):
        if pid != exclude:
            normalized = normalize_name(name)
            found[f"p:{pid}"] = (_Candidate(f"p:{pid}", name, pid), normalized)
            names.add(normalized)
    if actor is not None:
        for name in outside_writers(session, actor.id):
            normalized = normalize_name(name)
            if normalized and normalized not in names:
                found[f"w:{name}"] = (_Candidate(f"w:{name}", name), normalized)
    return found


def _by_name(session: Session, text: str, *, role: str | None, kind: str,
             exclude: int | None, actor: Person | None) -> Person | OutsideWriter:
    wanted = normalize_name(text)
    if not wanted:
        raise UserError(f"“{text}” is not a name I can look up.")
    candidates = _candidates(session, exclude, actor)
    exact = [c for c, normalized in candidates.values() if normalized == wanted]
    fits = exact
    matches: list[tuple[str, float, str]] = []
    if not exact:
        matches = process.extract(wanted, {k: n for k, (_c, n) in candidates.items()},
                                  scorer=_name_score, limit=5, score_cutoff=MIN_SCORE)
        if matches and matches[0][1] >= ACCEPT_SCORE:
            best = matches[0][1]
            fits = [candidates[m[2]][0] for m in matches if best - m[1] < 4]
    if not fits:
        names = tuple(candidates[m[2]][0].name for m in matches[:3])
        hint = f" Closest: {', '.join(names)}." if names else ""
        raise UnknownPerson(f"I don't know a {kind} called “{text}”.{hint}", closest=names)
    chosen = _settle(session, fits, role=role, actor=actor)
    if chosen is None:
        _ambiguous(session, text, fits, role=role, actor=actor)
    assert chosen is not None
    if chosen.person_id is None:
        return OutsideWriter(chosen.name)
    person = session.get_one(Person, chosen.person_id)
    if role and not person.has_role(role):
        raise UserError(f"{person.name} is not a {kind}.")
    return person


def _settle(session: Session, fits: list[_Candidate], *, role: str | None,
            actor: Person | None) -> _Candidate | None:
    """The one candidate a name means: the only one, or the only one the actor has a
    relationship or a letter with. None when it stays ambiguous."""
    if len(fits) == 1:
        return fits[0]
    if actor is None:
        return None
    related = _related(session, fits, actor)
    return related[0] if len(related) == 1 else None


def _related(session: Session, fits: list[_Candidate], actor: Person) -> list[_Candidate]:
    ids = [c.person_id for c in fits if c.person_id is not None]
    known = related_people(session, actor.id, ids)
    return [c for c in fits if c.outside or c.person_id in known]


def _name_score(a: str, b: str, **kwargs: object) -> float:
    """Whole-name similarity, but a bare surname or first name ('smith') also counts."""
    full = fuzz.WRatio(a, b)
    parts = max((fuzz.ratio(a, part) for part in b.split()), default=0.0)
    return max(full, parts if " " not in a else 0.0)


MAX_LISTED = 5
"""Candidates an ambiguous name lists."""


def _ambiguous(session: Session, text: str, fits: list[_Candidate], *, role: str | None,
               actor: Person | None) -> None:
    """Refuse with the list: people with the expected role first, then those the actor
    knows, each with what tells them apart."""
    related = {c.key for c in _related(session, fits, actor)} if actor is not None else set()
    people = {c.person_id: session.get_one(Person, c.person_id)
              for c in fits if c.person_id is not None}

    def order(c: _Candidate) -> tuple[bool, bool, str]:
        person = people.get(c.person_id) if c.person_id is not None else None
        has_role = not role or (person is not None and person.has_role(role))
        return (not has_role, c.key not in related, c.name)

    listed = []
    for c in sorted(fits, key=order)[:MAX_LISTED]:
        person = people.get(c.person_id) if c.person_id is not None else None
        if person is None:
            listed.append(f"{c.name} (your letter writer, not on the roster)")
            continue
        roles = sorted({r.role for r in person.roles} & set(GLOBAL_ROLES))
        about = ", ".join(([person.email] if person.email else []) + roles)
        listed.append(f"{person.name} ({about})" if about else person.name)
    raise UserError(
        f"“{text}” could be several people: {'; '.join(listed)}. Use the email or a "
        "mention (or the full name).", title="Which one?")


def display(person: Person) -> str:
    return f"{person.name} <{person.email}>" if person.email else person.name
