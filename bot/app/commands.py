"""Command modules register themselves into `bot.framework.registry.registry` on import."""

from bot.framework import help  # noqa: F401
from bot.groups import commands as groups  # noqa: F401
from bot.letters import commands as letters  # noqa: F401
from bot.matching import commands as matching  # noqa: F401
from bot.mentoring import commands as relationships  # noqa: F401
from bot.nudges import commands as nudges  # noqa: F401
from bot.people import commands as profile  # noqa: F401
