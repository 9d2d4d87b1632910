"""Who is behind a Discord interaction: the roster person with that Discord id, else a new
student (who is then asked to set a time zone). Discord user ids are global, so identities
carry no workspace ('' — the same as a roster import's `discord_id` column)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.framework.ports import CorePort, PlatformUser
from bot.framework.replies import Reply

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


def identify(core: CorePort, user_id: int, name: str) -> Who:
    """Synchronous (run it in a thread). Whether their DMs were refused since their last
    command is the core's to say (`bot.nudges.policy`), once per refusal."""
    account = platform_user(user_id, name)
    person_id = core.holder(account)
    if person_id is None:
        return Who(core.identify(account), new=True)
    return Who(person_id, dm_blocked=core.take_dm_refusal(account))
