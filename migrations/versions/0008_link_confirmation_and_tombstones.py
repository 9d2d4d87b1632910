"""linking waits for the code owner's answer and can be undone; pruned nudges leave their
dedup key behind

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-06

- `link_requests`: a right link code typed on another account, waiting for the code's
  owner to press Link or Not me; nothing moves before Link.
- `link_merges`: what each link changed, row by row, so its owner can undo it for 7 days.
- `nudge_tombstones`: the dedup keys of finished nudges deleted by retention, so planning
  never brings a sent or dismissed reminder back.

The state list is this revision's, written out: a migration describes the schema as it was
at that revision.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINK_STATES = ('waiting', 'linked', 'refused', 'undone')


def _one_of(column: str, values: Sequence[str]) -> str:
    # OR, not IN: SQLite rebuilds an IN list for every execution of a statement.
    return " OR ".join(f"{column} = '{value}'" for value in values)


def upgrade() -> None:
    op.create_table('nudge_tombstones',
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('pruned_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dedup_key', name=op.f('pk_nudge_tombstones'))
    )
    op.create_table('link_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('typer_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('account_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(_one_of('state', LINK_STATES), name=op.f('ck_link_requests_state')),
    sa.ForeignKeyConstraint(['owner_id'], ['people.id'], name=op.f('fk_link_requests_owner_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['typer_id'], ['people.id'], name=op.f('fk_link_requests_typer_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_requests'))
    )
    with op.batch_alter_table('link_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_requests_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_requests_typer_id'), ['typer_id'], unique=False)

    op.create_table('link_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('journal', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_link_merges_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['link_requests.id'], name=op.f('fk_link_merges_request_id_link_requests'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_merges'))
    )
    with op.batch_alter_table('link_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_merges_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('link_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_merges_person_id'))

    op.drop_table('link_merges')
    with op.batch_alter_table('link_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_requests_typer_id'))
        batch_op.drop_index(batch_op.f('ix_link_requests_owner_id'))

    op.drop_table('link_requests')
    op.drop_table('nudge_tombstones')
