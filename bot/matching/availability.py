"""Whether a faculty member can be offered new mentees, in the database: accepting or not
(and why), away until a day, and the still-mentoring question asked of faculty whose last
intro requests all expired unanswered.

`/mentor profile accepting:` and `away:`, the still-mentoring buttons and the maintenance
task that stops offering someone who never answered all change these columns through
`bot.people.store` (`set_accepting`, `set_away`), so the stamp the question is judged by
(`accepting_changed_at`: when they last set or confirmed whether they accept mentees) means
the same everywhere. Whether someone is away on a given
day, and so not offered, requested or matched, is the one accessibility rule
(`bot.matching.fit.away_on`, `unavailable`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.infra.models import FacultyProfile, IntroRequest, Nudge, Person
from bot.matching import rules
from bot.nudges.store import cancel_for
from bot.vocab.matching import IntroState
from bot.vocab.nudges import NudgeKind, NudgeState, Subject


def close_question(session: Session, faculty_id: int) -> None:
    """The faculty member answered: a still-mentoring question still waiting to go out is
    moot."""
    cancel_for(session, Subject.FACULTY, [faculty_id])


# --- reading who went quiet --------------------------------------------------------------


@dataclass(frozen=True)
class Quiet:
    """A faculty member whose last `rules.QUIET_AFTER` intro requests all expired."""

    faculty_id: int
    latest_request_id: int
    went_quiet_at: datetime  # when the newest of those requests expired
    confirmed_at: datetime | None
    away_until: date | None
    timezone: str | None


def quiet_faculty(session: Session) -> list[Quiet]:
    """Accepting faculty whose most recent intro requests all expired unanswered. Only
    faculty with at least that many unanswered requests on record are looked at (the
    response record's counter), so the request history is read for few people."""
    suspects = select(FacultyProfile.person_id).where(
        FacultyProfile.accepting.is_(True),
        FacultyProfile.requests_unanswered >= rules.QUIET_AFTER)
    ranked = select(
        IntroRequest.faculty_id, IntroRequest.id, IntroRequest.state, IntroRequest.created_at,
        func.row_number().over(
            partition_by=IntroRequest.faculty_id,
            order_by=(IntroRequest.created_at.desc(), IntroRequest.id.desc()),
        ).label("position"),
    ).where(IntroRequest.faculty_id.in_(suspects)).subquery()
    rows = session.execute(
        select(ranked.c.faculty_id, ranked.c.id, ranked.c.state, ranked.c.created_at)
        .where(ranked.c.position <= rules.QUIET_AFTER)
        .order_by(ranked.c.faculty_id, ranked.c.position))
    latest: dict[int, list[tuple[int, str, datetime]]] = defaultdict(list)
    for faculty_id, request_id, state, created_at in rows:
        latest[faculty_id].append((request_id, state, created_at))
    quiet = [fid for fid, requests in latest.items()
             if rules.gone_quiet([state for _id, state, _at in requests])]
    if not quiet:
        return []
    details = {pid: (confirmed, away, tz) for pid, confirmed, away, tz in session.execute(
        select(FacultyProfile.person_id, FacultyProfile.accepting_changed_at,
               FacultyProfile.away_until, Person.timezone)
        .join(Person, Person.id == FacultyProfile.person_id)
        .where(FacultyProfile.person_id.in_(quiet)))}
    found: list[Quiet] = []
    for fid in quiet:
        newest_id, _state, newest_at = latest[fid][0]
        confirmed, away, tz = details[fid]
        found.append(Quiet(fid, newest_id, rules.expires_at(newest_at), confirmed, away, tz))
    return found


@dataclass(frozen=True)
class Asked:
    """A still-mentoring question that reached a faculty member who still accepts mentees."""

    faculty_id: int
    dedup_key: str
    sent_at: datetime
    confirmed_at: datetime | None  # set or confirmed accepting, or answered a request
    away_until: date | None
    timezone: str | None


def questions_waiting(session: Session, now: datetime) -> list[Asked]:
    """Still-mentoring questions delivered at least `rules.ANSWER_WITHIN` ago to faculty who
    still accept mentees, newest per faculty member (whether they answered is the caller's
    rule: `rules.answered_since`). A question they dismissed ("not relevant") or that never
    reached them is not waiting. Answering a student's intro request counts as confirming
    they still mentor."""
    last_answer = (
        select(func.max(IntroRequest.answered_at))
        .where(IntroRequest.faculty_id == FacultyProfile.person_id,
               IntroRequest.state.in_((IntroState.ACCEPTED, IntroState.DECLINED)))
        .correlate(FacultyProfile)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Nudge.subject_id, Nudge.dedup_key, Nudge.sent_at,
               FacultyProfile.accepting_changed_at, last_answer, FacultyProfile.away_until,
               Person.timezone)
        .join(FacultyProfile, FacultyProfile.person_id == Nudge.subject_id)
        .join(Person, Person.id == FacultyProfile.person_id)
        .where(Nudge.kind == NudgeKind.STILL_MENTORING, Nudge.state == NudgeState.SENT,
               Nudge.subject_type == Subject.FACULTY,
               Nudge.sent_at <= now - rules.ANSWER_WITHIN,
               FacultyProfile.accepting.is_(True))
        .order_by(Nudge.subject_id, Nudge.sent_at.desc()))
    newest: dict[int, Asked] = {}
    for fid, key, sent_at, confirmed, answered, away, tz in rows:
        if fid is not None and sent_at is not None and fid not in newest:
            latest = max((t for t in (confirmed, answered) if t is not None), default=None)
            newest[fid] = Asked(fid, key, sent_at, latest, away, tz)
    return list(newest.values())


def pending_questions(session: Session) -> set[int]:
    """Faculty with a still-mentoring question waiting to go out (re-planning may find it
    moot: they answered a request since, or set their availability)."""
    return {fid for fid in session.scalars(
        select(Nudge.subject_id).where(Nudge.kind == NudgeKind.STILL_MENTORING,
                                       Nudge.state == NudgeState.PENDING,
                                       Nudge.subject_type == Subject.FACULTY))
            if fid is not None}
