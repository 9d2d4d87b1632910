"""Stages of training (SPEC: premed, MS1–MS4, resident) and the spellings people use for them."""

from __future__ import annotations

import re

from bot.framework.errors import UserError

STAGES = ("premed", "ms1", "ms2", "ms3", "ms4", "resident")
_STAGE_ALIASES = {
    "pre-med": "premed", "pre med": "premed", "undergrad": "premed", "undergraduate": "premed",
    "m1": "ms1", "m2": "ms2", "m3": "ms3", "m4": "ms4",
    "ms-1": "ms1", "ms-2": "ms2", "ms-3": "ms3", "ms-4": "ms4",
    "first year": "ms1", "second year": "ms2", "third year": "ms3", "fourth year": "ms4",
    "intern": "resident", "residency": "resident", "pgy": "resident", "fellow": "resident",
}


def normalize_stage(value: str) -> str:
    cleaned = re.sub(r"\s+", " ", value.strip().lower())
    if cleaned in STAGES:
        return cleaned
    if cleaned in _STAGE_ALIASES:
        return _STAGE_ALIASES[cleaned]
    if re.fullmatch(r"pgy-?\d", cleaned):
        return "resident"
    raise UserError(f"unknown stage “{value}” (one of {', '.join(STAGES)})")
