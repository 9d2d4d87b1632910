"""Finding people from what users type: an email, a platform mention, or a name (forgiving of
case, titles and small typos). An unknown or ambiguous reference lists the closest names."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.framework.channels import ChannelRef
from bot.framework.errors import UserError
from bot.infra.models import Identity, Person, Role

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


def resolve(session: Session, ref: str, *, role: str | None = None, where: Where = Where(),
            exclude: int | None = None) -> Person:
    text = (ref or "").strip()
    kind = {"faculty": "faculty member", "student": "student"}.get(role or "", "person")
    if not text:
        raise UserError(f"Name a {kind}: a name, an email or a mention.")
    person = _by_exact_reference(session, text, where)
    if person is None and (EMAIL.match(text) or text.startswith("<@") or _INTERNAL.match(text)):
        raise UserError(f"I don't know a {kind} {text}.", title="Unknown person")
    if person is not None:
        if role and not person.has_role(role):
            raise UserError(f"{person.name} is not a {kind}.")
        return person
    return _by_name(session, text, role=role, kind=kind, exclude=exclude)


def resolve_in_request(session: Session, ref: str, *, role: str | None,
                       channel: ChannelRef | None, actor: Person) -> Person:
    """`resolve` as the request context needs it (the framework's `PersonResolver`)."""
    where = Where() if channel is None else Where(channel.platform, channel.workspace)
    return resolve(session, ref, role=role, where=where)


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
        query = query.join(Role, Role.person_id == Person.id).where(Role.role == role).distinct()
    return [(row[0], row[1]) for row in session.execute(query)]


def _by_name(session: Session, text: str, *, role: str | None, kind: str,
             exclude: int | None) -> Person:
    wanted = normalize_name(text)
    if not wanted:
        raise UserError(f"“{text}” is not a name I can look up.")
    candidates = [(pid, name) for pid, name in candidate_names(session, role) if pid != exclude]
    normalized = {pid: normalize_name(name) for pid, name in candidates}
    exact = [pid for pid, norm in normalized.items() if norm == wanted]
    if len(exact) == 1:
        return session.get_one(Person, exact[0])
    if len(exact) > 1:
        _ambiguous(session, text, exact)
    matches = process.extract(
        wanted, normalized, scorer=_name_score, limit=5, score_cutoff=MIN_SCORE
    )
    if matches and matches[0][1] >= ACCEPT_SCORE:
        best = matches[0][1]
        close = [m for m in matches if best - m[1] < 4]
        if len(close) == 1:
            return session.get_one(Person, close[0][2])
        _ambiguous(session, text, [m[2] for m in close])
    if role:
        other = [pid for pid, name in candidate_names(session, None)
                 if normalize_name(name) == wanted]
        if len(other) == 1:
            raise UserError(f"{session.get_one(Person, other[0]).name} is not a {kind}.")
    names = [session.get_one(Person, m[2]).name for m in matches[:3]]
    hint = f" Closest: {', '.join(names)}." if names else ""
    raise UserError(f"I don't know a {kind} called “{text}”.{hint}", title="Unknown person")


def _name_score(a: str, b: str, **kwargs: object) -> float:
    """Whole-name similarity, but a bare surname or first name ('smith') also counts."""
    full = fuzz.WRatio(a, b)
    parts = max((fuzz.ratio(a, part) for part in b.split()), default=0.0)
    return max(full, parts if " " not in a else 0.0)


def _ambiguous(session: Session, text: str, ids: list[int]) -> None:
    people = [session.get_one(Person, pid) for pid in ids[:5]]
    listed = "; ".join(f"{p.name} ({p.email})" if p.email else p.name for p in people)
    raise UserError(
        f"“{text}” could be several people: {listed}. Use the email or a mention.",
        title="Which one?",
    )


def display(person: Person) -> str:
    return f"{person.name} <{person.email}>" if person.email else person.name
