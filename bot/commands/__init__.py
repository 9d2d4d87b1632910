"""Command modules register themselves into `bot.registry.registry` on import."""

from bot.commands import (  # noqa: F401
    groups,
    help,
    letters,
    matching,
    nudges,
    profile,
    relationships,
)
