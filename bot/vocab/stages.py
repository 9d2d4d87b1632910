"""Stages of training (SPEC: premed, MS1–MS4, resident) and the spellings people use for them.

`Stage` is the vocabulary; a stage is stored and compared as its plain value ("ms3"), which a
`StrEnum` member already is, so stored rows and typed options need no conversion."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.errors import UserError


class Stage(StrEnum):
    PREMED = "premed"
    MS1 = "ms1"
    MS2 = "ms2"
    MS3 = "ms3"
    MS4 = "ms4"
    RESIDENT = "resident"


STAGES: tuple[Stage, ...] = tuple(Stage)
"""Every stage, in the order of training (choices of `stage:` options, roster checks)."""

PGY_YEARS = range(1, 10)
"""Postgraduate years a resident or fellow may give as their stage ("PGY-2"): internship is
PGY-1, the longest residencies with a fellowship run to PGY-8 or so."""

_STAGE_ALIASES: dict[str, Stage] = {
    "pre-med": Stage.PREMED, "pre med": Stage.PREMED, "undergrad": Stage.PREMED,
    "undergraduate": Stage.PREMED,
    "m1": Stage.MS1, "m2": Stage.MS2, "m3": Stage.MS3, "m4": Stage.MS4,
    "ms-1": Stage.MS1, "ms-2": Stage.MS2, "ms-3": Stage.MS3, "ms-4": Stage.MS4,
    "first year": Stage.MS1, "second year": Stage.MS2, "third year": Stage.MS3,
    "fourth year": Stage.MS4,
    "intern": Stage.RESIDENT, "residency": Stage.RESIDENT, "pgy": Stage.RESIDENT,
    "fellow": Stage.RESIDENT,
    **{f"pgy{sep}{year}": Stage.RESIDENT for year in PGY_YEARS for sep in ("-", "", " ")},
}

STAGE_ALIASES: tuple[tuple[str, str], ...] = tuple(
    (word, stage.value) for word, stage in _STAGE_ALIASES.items())
"""Other words for a stage, as (word, stage) pairs: the `stage:` option's aliases, so
`stage:PGY-2` or `stage:M3` is read as the roster reads it."""


def normalize_stage(value: str) -> Stage:
    """The stage a person means by `value` ("M3", "third year", "PGY-2"); refused with the
    list of stages when it names none."""
    cleaned = re.sub(r"\s+", " ", value.strip().lower())
    if cleaned in STAGES:
        return Stage(cleaned)
    if cleaned in _STAGE_ALIASES:
        return _STAGE_ALIASES[cleaned]
    raise UserError(f"unknown stage “{value}” (one of {', '.join(STAGES)})")
