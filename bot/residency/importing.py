"""Reading a group's program list from CSV (`mentorbot programs import`), all-or-nothing as
the roster import is: every row is checked first, every problem is collected with the row
number a spreadsheet shows (the header is row 1), and a file with any problem writes nothing
(`bot.groups.roster.RosterError` reports it the roster's way).

Columns, exactly: `name,specialty,city,state,type,positions,visa,takes_do,takes_img,
step2_mean,portal,signals,url`. `name`, `specialty` and `state` are required; the specialty
is read through the one specialty vocabulary ("EM" is emergency medicine) and an unknown one
is refused with the closest names; `state` is a US two-letter code (its Census region is
derived); an empty optional cell is "not stated". One row is checked by a pydantic model,
whose validators say what is wrong in words an organizer can act on."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.framework.wording import and_list
from bot.groups.roster import RosterError, RowProblems, decode
from bot.people.rules import check_specialty, name_problem
from bot.residency.rules import STEP2_RANGE
from bot.vocab.letters import RESIDENCY_PORTALS, Portal
from bot.vocab.residency import STATES, ProgramType, Region, Visa, region_of

COLUMNS = ("name", "specialty", "city", "state", "type", "positions", "visa", "takes_do",
           "takes_img", "step2_mean", "portal", "signals", "url")
REQUIRED = ("name", "specialty", "state")
MAX_CELL = {"name": 200, "specialty": 100, "city": 100, "url": 500}
MAX_POSITIONS = 500
_HEADER_ALIASES = {"program": "name", "program_name": "name", "step_2_mean": "step2_mean",
                   "step2": "step2_mean", "takes_dos": "takes_do", "takes_imgs": "takes_img",
                   "website": "url", "program_type": "type"}
_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
VISA_BOTH = "both"


def _header_key(cell: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", cell.strip().lower()).strip("_")
    return _HEADER_ALIASES.get(key, key)


def _yes_no(column: str, value: str | None) -> bool | None:
    if value is None:
        return None
    if value.lower() in _YES:
        return True
    if value.lower() in _NO:
        return False
    raise ValueError(f"{column} must be yes or no, not “{value}”")


def parse_visas(value: str) -> frozenset[Visa]:
    """`none`, `j1`, `h1b`, `j1;h1b` or `both` (case, spaces and hyphens forgiven: "J-1")."""
    words = {re.sub(r"[\s-]+", "", w).lower() for w in re.split(r"[;,/]", value) if w.strip()}
    if words == {VISA_BOTH}:
        return frozenset({Visa.J1, Visa.H1B})
    if words == {Visa.NONE.value}:
        return frozenset()
    unknown = sorted(words - {Visa.J1.value, Visa.H1B.value})
    if unknown or not words:
        raise ValueError(f"visa must be none, j1, h1b or both (j1;h1b), not “{value}”")
    return frozenset(Visa(w) for w in words)


def visa_text(visas: frozenset[Visa] | None) -> str | None:
    """How a program's sponsored visas are stored and written: "none", "j1", "j1;h1b"."""
    if visas is None:
        return None
    if not visas:
        return Visa.NONE.value
    return ";".join(v.value for v in (Visa.J1, Visa.H1B) if v in visas)


def parse_state(value: str) -> str:
    code = value.strip().upper()
    if code in STATES:
        return code
    by_name = {name.lower(): c for c, (name, _region) in STATES.items()}
    hint = by_name.get(value.strip().lower())
    if hint is not None:
        raise ValueError(f"state must be a two-letter code: write {hint} for {value.strip()}")
    raise ValueError(f"state “{value}” is not a US state's two-letter code (like MA or TX)")


def parse_specialty(value: str) -> str:
    check = check_specialty(value)
    if check.known:
        return check.stored
    hint = f"; did you mean {and_list(check.closest, 'or')}?" if check.closest else ""
    raise ValueError(f"specialty “{check.typed}” is not one I know{hint}")


class ProgramRow(BaseModel):
    """One checked row of the program CSV; `None` is "not stated"."""

    model_config = ConfigDict(frozen=True)

    row: int
    name: str
    specialty: str
    state: str
    city: str | None = None
    type: ProgramType | None = None
    positions: int | None = None
    visa: frozenset[Visa] | None = None
    takes_do: bool | None = None
    takes_img: bool | None = None
    step2_mean: int | None = None
    portal: Portal | None = None
    signals: bool | None = None
    url: str | None = None

    @property
    def region(self) -> Region:
        return region_of(self.state)

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: str) -> str:
        name = " ".join((value or "").split())
        if not name:
            raise ValueError("name is empty")
        problem = name_problem(name, "name")
        if problem is not None:
            raise ValueError(problem)
        return name

    @field_validator("specialty", mode="before")
    @classmethod
    def _specialty(cls, value: str) -> str:
        if not value:
            raise ValueError("specialty is empty")
        return parse_specialty(value)

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: str) -> str:
        if not value:
            raise ValueError("state is empty")
        return parse_state(value)

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: str | None) -> ProgramType | None:
        if value is None:
            return None
        for kind in ProgramType:
            if kind.value == value.strip().lower():
                return kind
        raise ValueError(f"type must be {and_list(ProgramType, 'or')}, not “{value}”")

    @field_validator("positions", mode="before")
    @classmethod
    def _positions(cls, value: str | None) -> int | None:
        if value is None:
            return None
        if not re.fullmatch(r"\d+", value) or int(value) > MAX_POSITIONS:
            raise ValueError(f"positions must be a whole number from 0 to {MAX_POSITIONS}, "
                             f"not “{value}”")
        return int(value)

    @field_validator("visa", mode="before")
    @classmethod
    def _visa(cls, value: str | None) -> frozenset[Visa] | None:
        return None if value is None else parse_visas(value)

    @field_validator("takes_do", "takes_img", "signals", mode="before")
    @classmethod
    def _flag(cls, value: str | None, info: Any) -> bool | None:
        return _yes_no(info.field_name, value)

    @field_validator("step2_mean", mode="before")
    @classmethod
    def _mean(cls, value: str | None) -> int | None:
        if value is None:
            return None
        low, high = STEP2_RANGE
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or not low <= number <= high:
            raise ValueError(f"step2_mean must be a Step 2 CK score from {low} to {high}, "
                             f"not “{value}”")
        return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @field_validator("portal", mode="before")
    @classmethod
    def _portal(cls, value: str | None) -> Portal | None:
        if value is None:
            return None
        for portal in RESIDENCY_PORTALS:
            if portal.value.lower() == value.strip().lower():
                return portal
        raise ValueError(f"portal must be {' or '.join(RESIDENCY_PORTALS)}, not “{value}”")

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^https?://\S+$", value):
            raise ValueError(f"url must be a web address starting http:// or https://, "
                             f"not “{value}”")
        return value


def _reasons(exc: ValidationError) -> list[str]:
    """The validators' own words. A required cell left out because it was refused already
    (too long) is not reported twice."""
    return [str(err["msg"]).removeprefix("Value error, ") for err in exc.errors()
            if err["type"] != "missing"]


def parse(text: str) -> list[ProgramRow]:
    """Check every row; raise RosterError listing all problems, or return the rows."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RosterError([RowProblems(1, (f"the header row can't be read: {exc}",))]) from None
    if not header or not any(cell.strip() for cell in header):
        raise RosterError([RowProblems(0, (
            f"the file is empty: it needs a header row naming the columns "
            f"({','.join(COLUMNS)})",))])
    index: dict[str, int] = {}
    problems: list[RowProblems] = []
    for position, cell in enumerate(header):
        key = _header_key(cell)
        if key in COLUMNS:
            if key in index:
                problems.append(RowProblems(1, (f"the column {key} appears twice",)))
            index.setdefault(key, position)
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        problems.append(RowProblems(1, (
            f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
            f"(the header must include {', '.join(REQUIRED)})",)))
    if problems:
        raise RosterError(problems)
    rows: list[ProgramRow] = []
    first: dict[tuple[str, str], int] = {}
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(RowProblems(number, (f"this row can't be read as CSV: {exc}",)))
            break
        if not any(cell.strip() for cell in cells):
            continue
        values: dict[str, str | None] = {}
        reasons: list[str] = []
        for column, position in index.items():
            raw = (cells[position] if position < len(cells) else "").strip()
            limit = MAX_CELL.get(column, 100)
            if len(raw) > limit:
                reasons.append(f"{column} is too long ({len(raw)} characters, at most {limit})")
            elif _CONTROL.search(raw):
                reasons.append(f"{column} contains control characters")
            else:
                values[column] = raw or None
        try:
            row = ProgramRow.model_validate({"row": number, **{
                k: v for k, v in values.items() if v is not None or k in REQUIRED}})
        except ValidationError as exc:
            reasons += _reasons(exc)
            row = None
        if row is not None:
            same = (row.name.casefold(), row.state)
            if same in first:
                reasons.append(f"the same program ({row.name}, {row.state}) is already on "
                               f"row {first[same]}")
            else:
                first[same] = number
        if reasons:
            problems.append(RowProblems(number, tuple(reasons)))
        elif row is not None:
            rows.append(row)
    if problems:
        raise RosterError(problems)
    return rows


def read(data: bytes | str) -> list[ProgramRow]:
    return parse(decode(data) if isinstance(data, bytes) else data)


@dataclass
class ImportResult:
    group: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # programs of the group's list the file does not name: kept as they were

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        text = (f"Imported {self.total} programs into {self.group}: {self.created} created, "
                f"{self.updated} updated, {self.unchanged} unchanged.")
        if not (self.created or self.updated):
            text += " Nothing changed."
        if self.kept:
            text += (f" {self.kept} programs of the list are not in this file and were kept "
                     "(students' lists may name them).")
        return text


def to_csv(rows: Sequence[dict[str, object]]) -> str:
    """Programs as the import reads them (the demo and the tests write files this way)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()
