"""The stored domain: SQLAlchemy 2 typed models. Every instant is stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from bot.infra.db import as_utc
from bot.vocab.linking import LinkState
from bot.vocab.nudges import DigestState, NudgeKind, NudgeState
from bot.vocab.people import Role as RoleName

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)


def utcnow() -> datetime:
    return datetime.now(UTC)


def one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    """A CHECK that `column` holds one of the enum's values, named `ck_<table>_<column>`: the
    database refuses any other word, whatever code writes the row.

    Written as `a = 'x' OR a = 'y' …`, not `a IN ('x', 'y', …)`: SQLite rebuilds an IN
    list's lookup table each time a statement runs, which made every row of an executemany
    (the planner's bulk insert, the sweep's outcomes) about 15 µs dearer."""
    return CheckConstraint(" OR ".join(f"{column} = '{value}'" for value in values),
                           name=column)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


# --- people and identities -------------------------------------------------------------


class Person(Base):
    __tablename__ = "people"
    # The zones in use, read by a skip from one to the next: the report's relationship
    # health is counted against each zone's day boundaries (bot.reports.store).
    __table_args__ = (Index("ix_people_timezone", "timezone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    quiet_hours: Mapped[str | None] = mapped_column(String(11))  # "21:00-08:00"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where direct messages go once Slack and Discord accounts are linked: the platform the
    # person chose (`/mentor profile notify:`), else the one they used last.
    notify_platform: Mapped[str | None] = mapped_column(String(16))
    last_platform: Mapped[str | None] = mapped_column(String(16))

    identities: Mapped[list[Identity]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    roles: Mapped[list[Role]] = relationship(back_populates="person", cascade="all, delete-orphan")
    faculty_profile: Mapped[FacultyProfile | None] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    student_profile: Mapped[StudentProfile | None] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    def has_role(self, role: str, group_id: int | None = None) -> bool:
        return any(r.role == role and (group_id is None or r.group_id == group_id) for r in self.roles)

    @property
    def is_student(self) -> bool:
        return self.has_role(RoleName.STUDENT)

    @property
    def is_faculty(self) -> bool:
        return self.has_role(RoleName.FACULTY)

    @property
    def is_organizer(self) -> bool:
        """Organizes some group."""
        return self.has_role(RoleName.ORGANIZER)

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name!r}>"


class Identity(Base):
    """One platform account of a person. Slack ids are per workspace; `workspace` is '' when
    the workspace is not known (a roster import), which matches any workspace."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "workspace", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))  # slack | discord
    workspace: Mapped[str] = mapped_column(String(64), default="")
    external_id: Mapped[str] = mapped_column(String(64))
    dm_channel_id: Mapped[str | None] = mapped_column(String(64))
    dm_blocked_at: Mapped[datetime | None] = mapped_column()

    person: Mapped[Person] = relationship(back_populates="identities")


class Role(Base):
    """A role a person holds (`bot.vocab.people.Role`, and only those: a CHECK): student and
    faculty are global, organizer is per group."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("person_id", "role", "group_id"), one_of("role", RoleName))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("interest_groups.id", ondelete="CASCADE"), index=True
    )

    person: Mapped[Person] = relationship(back_populates="roles")


# --- groups ------------------------------------------------------------------------------


class InterestGroup(Base):
    __tablename__ = "interest_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str] = mapped_column(String(100), default="")
    followup_weeks: Mapped[int] = mapped_column(Integer, default=6)
    digest_weekday: Mapped[int] = mapped_column(Integer, default=0)  # Monday
    digest_hour: Mapped[int] = mapped_column(Integer, default=9)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    bindings: Mapped[list[ChannelBinding]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class ChannelBinding(Base):
    __tablename__ = "channel_bindings"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("interest_groups.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64), default="")  # slack team / discord guild
    channel_id: Mapped[str] = mapped_column(String(64))

    group: Mapped[InterestGroup] = relationship(back_populates="bindings")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("interest_groups.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- profiles ----------------------------------------------------------------------------


class FacultyProfile(Base):
    __tablename__ = "faculty_profiles"
    # `/mentor find` with nothing to align on offers the accepting, best-regarded faculty.
    __table_args__ = (Index("ix_faculty_profiles_accepting_reputation", "accepting",
                            "reputation", "person_id"),)

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    specialty: Mapped[str] = mapped_column(String(100), default="", index=True)
    title: Mapped[str] = mapped_column(String(100), default="")
    research: Mapped[list[str]] = mapped_column(default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    accepting: Mapped[bool] = mapped_column(Boolean, default=True)
    stages: Mapped[list[str]] = mapped_column(default=list)
    office_hours: Mapped[str | None] = mapped_column(Text)
    reputation: Mapped[int] = mapped_column(Integer, default=0)
    requests_answered: Mapped[int] = mapped_column(Integer, default=0)
    requests_unanswered: Mapped[int] = mapped_column(Integer, default=0)
    response_hours_total: Mapped[float] = mapped_column(Float, default=0.0)
    accepting_since: Mapped[datetime | None] = mapped_column()
    # Away until this day (in their zone): not offered, requested or matched until then.
    away_until: Mapped[date | None] = mapped_column(Date)
    # When `accepting` last changed and, when the bot turned it off, why ("no-answer": the
    # still-mentoring question went unanswered), so the report can say so.
    accepting_changed_at: Mapped[datetime | None] = mapped_column()
    accepting_off_reason: Mapped[str] = mapped_column(String(32), default="")

    person: Mapped[Person] = relationship(back_populates="faculty_profile")


class StudentProfile(Base):
    __tablename__ = "student_profiles"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str | None] = mapped_column(String(16))
    interests: Mapped[list[str]] = mapped_column(default=list)
    research: Mapped[list[str]] = mapped_column(default=list)
    wants_mentor: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship(back_populates="student_profile")


# --- mentoring ---------------------------------------------------------------------------


class IntroRequest(Base):
    __tablename__ = "intro_requests"
    __table_args__ = (
        Index("ix_intro_requests_faculty_state", "faculty_id", "state"),
        Index("ix_intro_requests_student_state", "student_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    faculty_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("interest_groups.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(16), default="career")
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="open")  # open accepted declined expired
    rank: Mapped[int | None] = mapped_column(Integer)  # the student's preference order
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column()


class Mentorship(Base):
    __tablename__ = "mentorships"
    __table_args__ = (
        Index("ix_mentorships_student_active", "student_id", "active"),
        Index("ix_mentorships_mentor_active", "mentor_id", "active"),
        # The rhythms in use, read by a skip from one to the next (bot.reports.store).
        Index("ix_mentorships_active_cadence", "active", "cadence_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("interest_groups.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(16), default="career")  # research clinical career
    cadence_days: Mapped[int] = mapped_column(Integer, default=42)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(16), default="request")  # request match import
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_contact_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    end_reason: Mapped[str] = mapped_column(String(32), default="")  # student faculty no-meeting…
    end_note: Mapped[str] = mapped_column(Text, default="")


class Contact(Base):
    __tablename__ = "contacts"
    # Covering: the last contact of a pair, and everything the report reads of the contact
    # log (the week's contacts, ratings, the answers to reminders) from the index alone.
    __table_args__ = (Index("ix_contacts_student_mentor_at", "student_id", "mentor_id", "at",
                            "created_at", "is_ask", "rating"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    mentorship_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentorships.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    is_ask: Mapped[bool] = mapped_column(Boolean, default=False)
    # How useful a meeting was to the student, 1–4; never shown to the mentor.
    rating: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Checkin(Base):
    """One "Did you meet?" question about a mentorship and its answer: round 0 two weeks
    after the start, then again a week after each "not yet" (rounds 1 and 2)."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("mentorship_id", "round"),
                      # Covering for the report's count of answers by student and period.
                      Index("ix_checkins_student_asked", "student_id", "asked_at", "answer"))

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(
        ForeignKey("mentorships.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=0)
    asked_at: Mapped[datetime] = mapped_column()
    answer: Mapped[str | None] = mapped_column(String(16))  # met not-yet no
    answered_at: Mapped[datetime | None] = mapped_column()


class ActionItem(Base):
    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_student_done", "student_id", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    mentorship_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentorships.id", ondelete="SET NULL")
    )
    task: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()
    done_note: Mapped[str] = mapped_column(Text, default="")
    decided_not: Mapped[bool] = mapped_column(Boolean, default=False)


# --- letters -----------------------------------------------------------------------------


class Letter(Base):
    """Tracks a request for a letter. Never holds the letter's content."""

    __tablename__ = "letters"
    # Covering for the report's count of letters by state and deadline.
    __table_args__ = (Index("ix_letters_student_deadline", "student_id", "deadline", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    writer_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    writer_name: Mapped[str] = mapped_column(String(200))
    program: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str | None] = mapped_column(String(16))
    portal: Mapped[str | None] = mapped_column(String(32))
    deadline: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="planned")
    state_reason: Mapped[str] = mapped_column(Text, default="")
    packet: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LetterEvent(Base):
    __tablename__ = "letter_events"
    # Covering for whether a letter moved soon after a reminder (the report).
    __table_args__ = (Index("ix_letter_events_letter_at", "letter_id", "at", "to_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")


class Outcome(Base):
    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32), default="other")
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column()


# --- nudges and delivery -----------------------------------------------------------------


class Nudge(Base):
    """A message owed to one person. Planned nudges and direct notices share this table so
    one durable delivery path serves both; `dedup_key` makes planning idempotent. Written
    only by `bot.nudges.store`."""

    __tablename__ = "nudges"
    __table_args__ = (
        Index("ix_nudges_state_due", "state", "due_at"),
        Index("ix_nudges_person_state", "person_id", "state"),
        Index("ix_nudges_subject", "subject_type", "subject_id"),
        one_of("state", NudgeState),
        one_of("kind", NudgeKind),
        # PostgreSQL: leave room on each page so that claiming (lease_until, claimed_by, not
        # indexed) is a HOT update that touches no index: 3x cheaper claims under load.
        {"postgresql_with": {"fillfactor": 70}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column()
    subject_type: Mapped[str] = mapped_column(String(32), default="")
    subject_id: Mapped[int | None] = mapped_column(Integer)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default=NudgeState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_via: Mapped[str | None] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the last send attempt began (recorded before the platform is called), so a
    # worker that takes over after a crash knows an answer may be missing.
    attempted_at: Mapped[datetime | None] = mapped_column()
    snoozes: Mapped[int] = mapped_column(Integer, default=0)


class DigestPost(Base):
    """One group's weekly digest for one ISO week. Unique on (group, week): whichever worker
    claims the row posts it, holding a lease as a nudge's sender does (`claimed_by`,
    `lease_until`). Written only by `bot.nudges.store`."""

    __tablename__ = "digest_posts"
    __table_args__ = (UniqueConstraint("group_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("interest_groups.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))  # ISO week, e.g. 2027-W03
    state: Mapped[str] = mapped_column(String(16), default=DigestState.POSTING.value)
    posted_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column()


class NudgeTombstone(Base):
    """The dedup key of a finished nudge (sent, dismissed, cancelled, failed) that retention
    deleted: planning skips a key here as it skips one still stored, so a reminder sent or
    dismissed a year ago is never planned again. Only the key, nothing about whose it was.
    Written only by `bot.nudges.store`."""

    __tablename__ = "nudge_tombstones"

    dedup_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    pruned_at: Mapped[datetime] = mapped_column()


class SeenEvent(Base):
    """Platform event ids (and accepted request signatures) already handled, so a retried
    delivery or a replayed request is processed once; pruned past their window."""

    __tablename__ = "seen_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),
                      Index("ix_seen_events_seen_at", "seen_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- privacy -----------------------------------------------------------------------------


class LinkCode(Base):
    """A one-time code that joins a person's accounts on two platforms: asked for on one,
    typed on the other. Only a hash is kept; it works once and expires."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    code_hash: Mapped[str] = mapped_column(String(128), unique=True)
    platform: Mapped[str] = mapped_column(String(16))  # where it was asked for
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class LinkAttempt(Base):
    """A code typed to link accounts, right or wrong: too many wrong ones lock linking."""

    __tablename__ = "link_attempts"
    __table_args__ = (Index("ix_link_attempts_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column()
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class LinkRequest(Base):
    """A right code typed on another account: nothing moves until the code's owner, asked
    on their own account, presses Link (the typing account then joins them) or Not me."""

    __tablename__ = "link_requests"
    __table_args__ = (one_of("state", LinkState),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                          index=True)  # asked for the code; asked to confirm
    typer_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                          index=True)  # the record of the account that typed it
    platform: Mapped[str] = mapped_column(String(16))  # where it was typed
    account: Mapped[str] = mapped_column(String(64))  # the typing account's id there
    account_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default=LinkState.WAITING.value)
    answered_at: Mapped[datetime | None] = mapped_column()


class LinkMerge(Base):
    """A link that joined another record into `person_id`'s: what the merge changed, row by
    row (`journal`), so the owner can undo it for a while (`bot.privacy.rules.UNDO_WINDOW`)
    and get the other record back, with the id it had, as its own person."""

    __tablename__ = "link_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    other_id: Mapped[int] = mapped_column(Integer)  # the joined record's id (no key: it is gone)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("link_requests.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column()
    undone_at: Mapped[datetime | None] = mapped_column()
    journal: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DeletionRecord(Base):
    """That a person's data was deleted, when, and at whose request (the person, or an
    organizer through the command line). Never what was deleted, nor whose."""

    __tablename__ = "deletion_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column()
    requested_by: Mapped[str] = mapped_column(String(16))  # self cli


# --- web pages ---------------------------------------------------------------------------


class WebLinkUse(Base):
    """A web page link that was opened: links work once (bot.web.links), so each one's id
    is remembered from its first use until it would have expired anyway. Names nobody: the
    link's signed contents say whose it was, and those are not kept."""

    __tablename__ = "web_link_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)


class WebKey(Base):
    """The key web links and sessions are signed with when WEB_SECRET is not set: made
    once, at random, and shared by every worker through the database."""

    __tablename__ = "web_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column()


class SendBudget(Base):
    """One send budget, shared by every worker: the calls of one platform `method` in one
    Slack workspace, or by the Discord bot (`scope`). Slots are handed out in order from
    `next_slot`, `1 / rate` apart (`bot.nudges.slots`), never before `blocked_until` (a
    429's `Retry-After`); `version` makes each hand-out a compare-and-set
    (`bot.nudges.budget`). Instants are seconds since the epoch on the database's clock,
    as numbers rather than timestamps: slots are milliseconds apart and are added and
    compared as numbers, on every worker's behalf by one clock."""

    __tablename__ = "send_budgets"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    method: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_slot: Mapped[float] = mapped_column(Double, default=0.0)
    blocked_until: Mapped[float] = mapped_column(Double, default=0.0)
    version: Mapped[int] = mapped_column(default=0)


# --- residency plan ------------------------------------------------------------------------


class ResidencyProgram(Base):
    """A residency program on a group's list (`mentorbot programs import`). One name per
    state in a group; a re-import updates it in place. Written only by
    `bot.residency.store`."""

    __tablename__ = "residency_programs"
    __table_args__ = (UniqueConstraint("group_id", "name", "state"),
                      Index("ix_residency_programs_group_specialty", "group_id", "specialty"))

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("interest_groups.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(16))
    type: Mapped[str | None] = mapped_column(String(24))
    positions: Mapped[int | None] = mapped_column(Integer)
    visa: Mapped[str | None] = mapped_column(String(16))  # "none", "j1", "h1b", "j1;h1b"
    takes_do: Mapped[bool | None] = mapped_column(Boolean)
    takes_img: Mapped[bool | None] = mapped_column(Boolean)
    step2_mean: Mapped[int | None] = mapped_column(Integer)
    portal: Mapped[str | None] = mapped_column(String(16))
    signals: Mapped[bool | None] = mapped_column(Boolean)
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResidencyProfile(Base):
    """The facts a student's residency plan uses (`/residency profile`). Written only by
    `bot.residency.store`."""

    __tablename__ = "residency_profiles"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    specialty: Mapped[str | None] = mapped_column(String(100))
    backup: Mapped[str | None] = mapped_column(String(100))
    applicant: Mapped[str | None] = mapped_column(String(8))
    visa: Mapped[str | None] = mapped_column(String(8))
    step2: Mapped[int | None] = mapped_column(Integer)
    home_program_id: Mapped[int | None] = mapped_column(
        ForeignKey("residency_programs.id", ondelete="SET NULL"))
    aways: Mapped[list[int]] = mapped_column(JSON, default=list)  # program ids
    regions: Mapped[list[str]] = mapped_column(default=list)
    types: Mapped[list[str]] = mapped_column(default=list)
    couples: Mapped[bool] = mapped_column(Boolean, default=False)
    cycle: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResidencyEntry(Base):
    """What a student did by hand with one program of their plan: kept it (`added`) or
    dropped it, and the signal they set. Written only by `bot.residency.store`."""

    __tablename__ = "residency_entries"
    __table_args__ = (UniqueConstraint("student_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                            index=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("residency_programs.id", ondelete="CASCADE"), index=True)
    state: Mapped[str | None] = mapped_column(String(16))  # added dropped
    signal: Mapped[str | None] = mapped_column(String(8))  # gold silver none
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResidencyOutcome(Base):
    """What happened to a student at a program (applied, interview, ranked, matched,
    rejected, withdrawn): the student's own record, counted for the group only where five
    or more people gave one. Written only by `bot.residency.store`."""

    __tablename__ = "residency_outcomes"
    __table_args__ = (UniqueConstraint("student_id", "program_id", "result"),
                      Index("ix_residency_outcomes_program", "program_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                            index=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("residency_programs.id", ondelete="CASCADE"))
    result: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column()


class ResidencyShare(Base):
    """A student's list shared with a mentor, with or without scores. Written only by
    `bot.residency.store`."""

    __tablename__ = "residency_shares"
    __table_args__ = (UniqueConstraint("student_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                            index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    scores: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResidencyComment(Base):
    """A mentor's comment on a program of a student's shared list. The comment is the
    student's to keep: a mentor who leaves mentorbot leaves it unsigned. Written only by
    `bot.residency.store`."""

    __tablename__ = "residency_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                            index=True)
    mentor_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("residency_programs.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column()
