"""A role is one of the role vocabulary (`bot.vocab.people.Role`), whatever code writes
it: the migrated database's CHECK names exactly the enum's values, and refuses any other
word."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, inspect
from sqlalchemy.exc import IntegrityError

from bot.infra.db import Database
from bot.infra.models import Person
from bot.infra.models import Role as RoleRow
from bot.vocab.people import Role


def test_the_live_check_names_the_vocabulary(database: Database) -> None:
    checks = {c["name"]: c["sqltext"] for c in inspect(database.engine)
              .get_check_constraints("roles")}
    assert set(re.findall(r"'([a-z-]+)'", checks["ck_roles_role"])) == {r.value for r in Role}


def test_a_word_outside_the_vocabulary_is_refused(database: Database) -> None:
    with database.session() as session:
        person = Person(name="Ada Role", created_at=datetime(2027, 1, 4, tzinfo=UTC))
        session.add(person)
        session.flush()
        person_id = person.id
        for role in Role:
            session.execute(insert(RoleRow).values(person_id=person_id, role=role.value))
    with pytest.raises(IntegrityError), database.session() as session:
        session.execute(insert(RoleRow).values(person_id=person_id, role="admin"))
