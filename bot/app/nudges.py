"""Every nudge kind's spec, listed once: the features declare their kinds
(`bot/<feature>/nudge_kinds.py`), this module lists them into the program's catalog, which
refuses a kind with no spec or two. The delivery sweep, the snooze and dismiss buttons, the
report and `mentorbot nudges due` all read this catalog. Nothing registers itself on import:
a kind declared but not listed here is an error when the catalog is built."""

from __future__ import annotations

from functools import cache

from bot.letters import nudge_kinds as letters
from bot.matching import nudge_kinds as matching
from bot.mentoring import nudge_kinds as mentoring
from bot.nudges.kinds import NOTICE, NudgeCatalog
from bot.residency import nudge_kinds as residency

NUDGE_SPECS = (
    *mentoring.NUDGE_SPECS,
    *matching.NUDGE_SPECS,
    *letters.NUDGE_SPECS,
    *residency.NUDGE_SPECS,
    NOTICE,
)


@cache
def nudge_catalog() -> NudgeCatalog:
    """The program's catalog of nudge kinds (specs never change while it runs)."""
    return NudgeCatalog(NUDGE_SPECS)
