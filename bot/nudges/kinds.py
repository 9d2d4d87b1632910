"""One description per nudge kind: a `NudgeSpec` says which feature owns the kind, what
subject it is about, what answers it, whether it waits for the person's daytime, whether it
can be snoozed or dismissed, and how it is worded. The specs are collected explicitly, as
command specs are: each feature declares its own (`bot/<feature>/nudge_kinds.py`) and the
program's assembly (`bot.app.nudges`) lists them into one `NudgeCatalog`, which refuses a
kind with no spec or with two. Nothing registers itself on import. The delivery sweep, the
snooze and dismiss buttons, the report and `mentorbot nudges due` read the catalog, so a new
kind is one spec, not an edit in six modules.

Words are built when a nudge is sent, not when it is planned. A planned nudge stores what
makes it distinct (kind, subject, occurrence, due time) and no words; a notice, a direct
answer to something just done, keeps the reply it was queued with. At send time a
`Rendering` reads the current state of the batch's subjects, one read per subject type (a
spec's `SubjectSpec.load`), and each spec's `word` builds the message from that state and
the moment of sending in the recipient's zone, so "tomorrow" is true when it is read. When
the subject has moved on (the letter changed state, the contact was logged, the item was
closed, the person is gone) `word` answers `Moot` instead of words, and the nudge is
cancelled, never sent stale. `word` is pure: plain state, the stored nudge and the moment in,
a `Reply` or `Moot` out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from bot.framework.registry import CommandSpec
from bot.framework.replies import Reply
from bot.infra.zones import local_day
from bot.vocab.nudges import NudgeKind, Subject

S = TypeVar("S")
S_co = TypeVar("S_co", covariant=True)


# --- a nudge about to be worded ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """A nudge as stored: what it is about, and (a notice only) the words it was queued
    with."""

    id: int
    person_id: int
    kind: NudgeKind
    subject_id: int | None
    occurrence: str  # what made it distinct when planned: a day, a round, a counter
    due_at: datetime
    stored: Mapping[str, Any] | None = None  # a notice's reply, as `Reply.to_dict` gave it


@dataclass(frozen=True, slots=True)
class Moment:
    """When a message is read, and by whom: the moment of sending and the recipient's zone."""

    now: datetime
    tz: str

    @property
    def today(self) -> date:
        return local_day(self.now, self.tz)


@dataclass(frozen=True, slots=True)
class Moot:
    """What a nudge's wording answers when its subject moved on: it is cancelled, with this
    reason kept on the row ("the letter is now submitted")."""

    reason: str


Words = Reply | Moot


class Loader(Protocol[S_co]):
    """Reads the current state of the subjects these nudges are about, in a few queries for
    the whole batch (never one per nudge), keyed by subject id. A subject missing from the
    answer is gone, and its nudges are moot."""

    def __call__(self, session: Session, dues: Sequence[Due], *, now: datetime,
                 default_tz: str) -> Mapping[int, S_co]: ...


@dataclass(frozen=True, eq=False)
class SubjectSpec(Generic[S]):
    """A subject type and how its current state is read for a batch of nudges. Kinds about
    the same subject share one spec, so a batch reads each subject type once."""

    type: Subject
    load: Loader[S]
    gone: str  # why its nudges are moot when the subject is missing


Wording = Callable[[S, Due, Moment], Words]
"""(the subject's state, the stored nudge, the moment of sending) -> words, or Moot."""


# --- what answers a nudge ------------------------------------------------------------------


class Evidence(StrEnum):
    """What in the bot's own records shows a reminder was acted on (the report's "acted on
    within 7 days")."""

    CONTACT = "contact"  # a contact logged with the mentor, or the letter's writer
    NEWS = "news"  # such a contact that was not an ask
    ITEM_CLOSED = "item-closed"  # the action item closed (done, or decided against)
    CHECKIN_ANSWERED = "checkin-answered"  # "Did you meet?" answered
    LETTER_MOVED = "letter-moved"  # the letter entered one of `Answers.states`


@dataclass(frozen=True)
class Answers:
    """What answers a nudge: the commands its buttons run (its wording builds the buttons
    from these specs with `spec.action(...)`; a test holds the two together), and what the
    report sees of an answer (None: sent and counted, not judged)."""

    commands: tuple[CommandSpec, ...] = ()
    evidence: Evidence | None = None
    states: frozenset[str] = frozenset()  # Evidence.LETTER_MOVED: the states that answer it

    def __post_init__(self) -> None:
        if (self.evidence == Evidence.LETTER_MOVED) != bool(self.states):
            raise ValueError("letter states answer a nudge exactly when the letter moving does")


# --- the spec ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class NudgeSpec(Generic[S]):
    """Everything about one nudge kind. `subject` None: the words are the ones it was queued
    with (a notice)."""

    kind: NudgeKind
    owner: str  # the feature package that plans it and words it
    summary: str  # what it is for, in a line
    subject: SubjectSpec[S] | None
    word: Wording[S]
    answers: Answers = Answers()
    waits_for_daytime: bool = True  # held until the end of the person's quiet hours
    snoozable: bool = True  # carries "Snooze", and `/mentor nudge snooze` takes it
    dismissable: bool = True  # carries "Not relevant", and `/mentor nudge dismiss` takes it

    @property
    def is_reminder(self) -> bool:
        """A reminder its recipient may put off or turn down (a notice is neither)."""
        return self.snoozable or self.dismissable


def stored_words(_state: None, due: Due, _moment: Moment) -> Words:
    """A notice's words: the reply it was queued with."""
    if not due.stored:
        return Moot("nothing was stored to say")
    return Reply.from_dict(dict(due.stored))


NOTICE = NudgeSpec[None](
    kind=NudgeKind.NOTICE,
    owner="nudges",
    summary="a direct answer to something just done (an intro request reaching a mentor, a "
            "match result): sent at once, in the words it was queued with",
    subject=None,
    word=stored_words,
    waits_for_daytime=False,
    snoozable=False,
    dismissable=False,
)


# --- the catalog ---------------------------------------------------------------------------


class NudgeCatalog:
    """Every kind's spec, one each. Built by the program's assembly from the features'
    declarations; refuses a kind declared twice or not at all, and a subject type read by
    two different `SubjectSpec`s."""

    def __init__(self, specs: Iterable[NudgeSpec[Any]]) -> None:
        self._specs: dict[NudgeKind, NudgeSpec[Any]] = {}
        for spec in specs:
            if spec.kind in self._specs:
                raise ValueError(f"nudge kind {spec.kind} has two specs")
            self._specs[spec.kind] = spec
        missing = [kind.value for kind in NudgeKind if kind not in self._specs]
        if missing:
            raise ValueError(f"nudge kinds without a spec: {', '.join(missing)}")
        readers: dict[Subject, SubjectSpec[Any]] = {}
        for spec in self._specs.values():
            if spec.subject is not None and \
                    readers.setdefault(spec.subject.type, spec.subject) is not spec.subject:
                raise ValueError(f"{spec.subject.type} subjects are read two ways: one "
                                 "SubjectSpec per subject type, so a batch reads each once")

    def __getitem__(self, kind: NudgeKind | str) -> NudgeSpec[Any]:
        return self._specs[NudgeKind(kind)]

    def __iter__(self) -> Iterator[NudgeSpec[Any]]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def kinds(self, wanted: Callable[[NudgeSpec[Any]], bool]) -> tuple[NudgeKind, ...]:
        return tuple(spec.kind for spec in self if wanted(spec))

    @cached_property
    def reminders(self) -> tuple[NudgeKind, ...]:
        return self.kinds(lambda spec: spec.is_reminder)

    @cached_property
    def snoozable(self) -> tuple[NudgeKind, ...]:
        return self.kinds(lambda spec: spec.snoozable)

    @cached_property
    def dismissable(self) -> tuple[NudgeKind, ...]:
        return self.kinds(lambda spec: spec.dismissable)

    def answered_by(self, evidence: Evidence) -> tuple[NudgeKind, ...]:
        return self.kinds(lambda spec: spec.answers.evidence == evidence)

    @cached_property
    def letter_moves(self) -> dict[NudgeKind, frozenset[str]]:
        """The letter states that answer each letter reminder."""
        return {spec.kind: spec.answers.states for spec in self
                if spec.answers.evidence == Evidence.LETTER_MOVED}

    @cached_property
    def measured(self) -> tuple[NudgeKind, ...]:
        """Reminders whose answer the bot can see in its own records."""
        return self.kinds(lambda spec: spec.is_reminder and spec.answers.evidence is not None)

    def rendering(self, *, now: datetime, default_tz: str) -> Rendering:
        """An empty rendering at `now`: `read` the batch's subjects into it, then word each
        nudge."""
        return Rendering(self, now, default_tz)

    def render(self, session: Session, dues: Sequence[Due], *, now: datetime,
               default_tz: str, zones: Mapping[int, str]) -> dict[int, Words]:
        """The words of each of `dues` sent at `now` (by nudge id), each recipient's zone
        from `zones` (the default where missing): what `mentorbot nudges due` shows."""
        rendering = self.rendering(now=now, default_tz=default_tz)
        rendering.read(session, dues)
        return {due.id: rendering.words(due, Moment(now, zones.get(due.person_id)
                                                    or default_tz))
                for due in dues}


# --- rendering a batch ---------------------------------------------------------------------

READ_CHUNK = 900
"""Subjects read by one load at most: each load's `IN (…)` stays under SQLite's bound-
parameter limit, however many nudges a preview words."""


class RenderError(Exception):
    """The state of a nudge's subject could not be read (the read failed): the send is
    retried later, like any failed attempt."""


@dataclass
class Rendering:
    """The current state of a batch's subjects, read once per subject type, and the words of
    each nudge built from it at the moment it is sent."""

    catalog: NudgeCatalog
    read_at: datetime
    default_tz: str
    _states: dict[SubjectSpec[Any], Mapping[int, Any]] = field(default_factory=dict)
    _errors: dict[SubjectSpec[Any], str] = field(default_factory=dict)

    def by_subject(self, dues: Iterable[Due]) -> dict[SubjectSpec[Any], list[Due]]:
        """`dues` grouped by the subject spec their kind reads (notices need none)."""
        groups: dict[SubjectSpec[Any], list[Due]] = defaultdict(list)
        for due in dues:
            subject = self.catalog[due.kind].subject
            if subject is not None:
                groups[subject].append(due)
        return groups

    def read(self, session: Session, dues: Sequence[Due]) -> None:
        """Read the state of every subject `dues` are about: one load per subject type."""
        for subject, group in self.by_subject(dues).items():
            self.read_subject(session, subject, group)

    def read_subject(self, session: Session, subject: SubjectSpec[Any],
                     dues: Sequence[Due]) -> None:
        """Read the subjects of `dues` (all of one subject type), `READ_CHUNK` subjects to a
        load."""
        ids = sorted({d.subject_id for d in dues if d.subject_id is not None})
        states = dict(self._states.get(subject, {}))
        for start in range(0, len(ids), READ_CHUNK):
            wanted = set(ids[start:start + READ_CHUNK])
            loaded = subject.load(session, [d for d in dues if d.subject_id in wanted],
                                  now=self.read_at, default_tz=self.default_tz)
            for subject_id in wanted:  # read and missing: gone, not "not read"
                states.pop(subject_id, None)
            states.update(loaded)
        self._states[subject] = states
        self._errors.pop(subject, None)

    def failed(self, subject: SubjectSpec[Any], error: str) -> None:
        """Reading `subject` failed: its nudges' sends fail (and are retried) instead of
        being worded from nothing."""
        self._errors[subject] = error

    def words(self, due: Due, moment: Moment) -> Words:
        """The message for `due` as read at `moment`, or Moot."""
        spec = self.catalog[due.kind]
        subject = spec.subject
        if subject is None:
            return spec.word(None, due, moment)
        if subject in self._errors:
            raise RenderError(f"reading its {subject.type} failed: {self._errors[subject]}")
        if subject not in self._states:
            raise RenderError(f"its {subject.type} was not read")
        state = self._states[subject].get(due.subject_id) if due.subject_id is not None \
            else None
        if state is None:
            return Moot(subject.gone)
        return spec.word(state, due, moment)
