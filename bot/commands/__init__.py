"""Command modules register themselves into `bot.registry.registry` on import."""

from bot.commands import groups, help, letters, matching, profile, relationships  # noqa: F401
