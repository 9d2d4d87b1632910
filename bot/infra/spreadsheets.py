"""Text that goes into a CSV file people open in a spreadsheet."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is read as a formula by Excel, LibreOffice and Google
Sheets, so a name typed as `=HYPERLINK(…)` would run when the file is opened (CSV
injection)."""


def cell(text: str) -> str:
    """`text` as a spreadsheet shows it, never as a formula: a leading apostrophe (which
    spreadsheets hide) where it would otherwise start one."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
