"""Whole-database snapshots, for "this changed nothing" assertions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.infra.models import Base


def snapshot(session: Session, *, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (except `skip`), in a stable order."""
    return {
        table.name: sorted((tuple(row) for row in session.execute(select(table)).all()),
                           key=repr)
        for table in Base.metadata.sorted_tables if table.name not in skip
    }
