"""The chat platforms a person can reach the bot from, as stored in `identities.platform`,
`people.notify_platform` and `people.last_platform`, and as delivery channels name
themselves. The only place these words are written down in the core."""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    SLACK = "slack"
    DISCORD = "discord"


PLATFORMS: tuple[Platform, ...] = tuple(Platform)

LABELS: dict[str, str] = {Platform.SLACK: "Slack", Platform.DISCORD: "Discord"}
"""How a platform is named in text."""


def label(platform: str) -> str:
    """A platform as people write it ("Slack"); an unknown one as stored."""
    return LABELS.get(platform, platform)
