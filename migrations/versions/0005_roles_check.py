"""roles hold only the role vocabulary

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-06

`roles.role` may hold only student, faculty or organizer (the model builds the same CHECK
from `bot.vocab.people.Role`; tests/test_roles_check.py reads the live one). The list is
this revision's, written out: a migration describes the schema as it was at that revision.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ('student', 'faculty', 'organizer')


def _one_of(column: str, values: Sequence[str]) -> str:
    # OR, not IN: SQLite rebuilds an IN list for every execution of a statement.
    return " OR ".join(f"{column} = '{value}'" for value in values)


def upgrade() -> None:
    # SQLite cannot add a constraint to a table: batch mode copies it into a new one.
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_roles_role'), _one_of('role', ROLES))


def downgrade() -> None:
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_roles_role'), type_='check')
