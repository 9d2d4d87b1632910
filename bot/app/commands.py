"""The one command registry, built explicitly from every feature's command set. Nothing
registers itself on import: a module that is imported but not listed here adds nothing. The
command sets that act on nudges by kind (snooze and dismiss, the report) are built from the
program's catalog of nudge kinds (`bot.app.nudges`)."""

from __future__ import annotations

from functools import cache

from bot.app.nudges import nudge_catalog
from bot.framework import help
from bot.framework.registry import CommandSet, Registry
from bot.groups import commands as groups
from bot.letters import commands as letters
from bot.matching import commands as matching
from bot.mentoring import commands as mentoring
from bot.nudges import commands as nudges
from bot.privacy import commands as privacy
from bot.profile import commands as profile
from bot.reports import commands as reports
from bot.residency import commands as residency

COMMAND_SETS: tuple[CommandSet, ...] = (
    help.commands,
    profile.commands,
    matching.commands,
    mentoring.commands,
    groups.commands,
    letters.commands,
    nudges.command_set(nudge_catalog()),
    reports.command_set(nudge_catalog()),
    privacy.commands,
    residency.commands,
)


def build_registry() -> Registry:
    registry = Registry()
    for commands in COMMAND_SETS:
        registry.include(commands)
    return registry


@cache
def default_registry() -> Registry:
    """The program's registry (specs and handlers never change while it runs)."""
    return build_registry()
