"""Who is behind a Discord interaction: the roster person with that Discord id, else a new
student (who is then asked to set a time zone). Discord user ids are global, so identities
carry no workspace ('' — the same as a roster import's `discord_id` column)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from bot.app.core import Core, PlatformUser
from bot.framework.replies import Reply
from bot.infra.models import Identity
from bot.people.resolve import find_by_identity

PLATFORM = "discord"
WORKSPACE = ""


@dataclass(frozen=True)
class Who:
    person_id: int
    new: bool = False
    dm_blocked: bool = False  # a direct message to them failed since their last command

    def notices(self) -> list[Reply]:
        """Private notes shown with the reply to their command."""
        out = []
        if self.new:
            out.append(WELCOME)
        if self.dm_blocked:
            out.append(DMS_CLOSED)
        return out


WELCOME = Reply(
    title="Welcome to mentorbot",
    text="You're new here, so I've added you as a student. Set your time zone so nudges "
         "arrive in your daytime: /mentor profile tz:America/New_York (any IANA zone). "
         "Faculty: ask an organizer to add you to the roster with your Discord id.",
)

DMS_CLOSED = Reply(
    title="I couldn't send you a direct message",
    text="Your privacy settings block direct messages from me, so a reminder is waiting. "
         "Allow direct messages from this server's members (server name → Privacy Settings "
         "→ Direct Messages) and I'll send it again.",
)


def platform_user(user_id: int, name: str) -> PlatformUser:
    return PlatformUser(PLATFORM, str(user_id), workspace=WORKSPACE, name=name)


def identify(core: Core, user_id: int, name: str) -> Who:
    """Synchronous (run it in a thread). Clears the "DMs closed" mark it reports, so the
    notice is shown once per failure and the next delivery attempt decides again."""
    external_id = str(user_id)
    with core.db.session() as session:
        person = find_by_identity(session, PLATFORM, WORKSPACE, external_id)
        if person is not None:
            blocked = session.scalars(
                select(Identity.id).where(Identity.person_id == person.id,
                                          Identity.platform == PLATFORM,
                                          Identity.dm_blocked_at.is_not(None))
            ).all()
            if blocked:
                session.execute(update(Identity).where(Identity.id.in_(blocked))
                                .values(dm_blocked_at=None))
            who = Who(person.id, dm_blocked=bool(blocked))
        else:
            who = None
    if who is not None:
        if who.dm_blocked:
            core.poke_delivery()  # they may have opened their DMs: try the waiting message
        return who
    return Who(core.identify(platform_user(user_id, name)), new=True)


def mark_dm_blocked(core: Core, user_id: str, blocked: bool) -> None:
    """Record (or clear) that direct messages to this Discord user are refused."""
    value = core.clock.now() if blocked else None
    with core.db.session() as session:
        query = update(Identity).where(Identity.platform == PLATFORM,
                                       Identity.external_id == user_id)
        if not blocked:
            query = query.where(Identity.dm_blocked_at.is_not(None))
        session.execute(query.values(dm_blocked_at=value))
