"""nudge state and kind checks; digest posts claimed with a lease

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

`nudges.state` and `nudges.kind` may hold only the outbox's own words (the model builds the
same CHECKs from `NudgeState` and `NudgeKind`; tests/test_migrations.py checks they agree).
The lists below are this revision's, written out: a migration describes the schema as it
was at that revision, so it must not change when the enums later do; a new word needs a
new revision.

`digest_posts` gains `claimed_by` and `lease_until`, the lease a nudge's sender holds. A
row left `posting` keeps its claim for as long as before: 30 minutes after the claim time
that `posted_at` held while posting.
"""
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ('pending', 'sent', 'failed', 'cancelled', 'dismissed', 'unreachable')
KINDS = ('followup', 'action-item', 'intro-pending', 'letter-ask', 'letter-ask-late',
         'letter-packet', 'letter-checkin', 'letter-deadline', 'letter-thanks',
         'letter-outcome', 'keep-in-touch', 'transactional', 'checkin', 'writer-deadline',
         'still-mentoring', 'notice')
OLD_STALE_POSTING = timedelta(minutes=30)  # revision 0001's rule for a dead worker's claim

# In revision 0001's order. Without statistics, SQLite breaks a tie between two usable
# indexes by taking the one created last: re-planning (state and subject known) must keep
# finding its rows through ix_nudges_subject, not scan every pending row through
# ix_nudges_state_due. A batch copy recreates them in another order, so they are put back.
NUDGE_INDEXES = (
    ('ix_nudges_person_state', ['person_id', 'state']),
    ('ix_nudges_state_due', ['state', 'due_at']),
    ('ix_nudges_subject', ['subject_type', 'subject_id']),
)


def _one_of(column: str, values: Sequence[str]) -> str:
    # OR, not IN: SQLite rebuilds an IN list for every execution of a statement.
    return " OR ".join(f"{column} = '{value}'" for value in values)


_posts = sa.table('digest_posts', sa.column('id', sa.Integer()),
                  sa.column('state', sa.String()),
                  sa.column('posted_at', sa.DateTime(timezone=True)),
                  sa.column('lease_until', sa.DateTime(timezone=True)))


def _restore_index_order() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return  # altered in place: the indexes were never recreated
    with op.batch_alter_table('nudges', schema=None) as batch_op:
        for name, _columns in NUDGE_INDEXES:
            batch_op.drop_index(name)
    with op.batch_alter_table('nudges', schema=None) as batch_op:
        for name, columns in NUDGE_INDEXES:
            batch_op.create_index(name, columns, unique=False)


def upgrade() -> None:
    # SQLite cannot add a constraint to a table: batch mode copies it into a new one.
    with op.batch_alter_table('nudges', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_nudges_state'), _one_of('state', STATES))
        batch_op.create_check_constraint(op.f('ck_nudges_kind'), _one_of('kind', KINDS))
    _restore_index_order()

    with op.batch_alter_table('digest_posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))

    conn = op.get_bind()
    posting = conn.execute(sa.select(_posts.c.id, _posts.c.posted_at)
                           .where(_posts.c.state == 'posting')).all()
    for row in posting:
        lease = row.posted_at + OLD_STALE_POSTING if row.posted_at is not None else None
        conn.execute(_posts.update().where(_posts.c.id == row.id)
                     .values(lease_until=lease, posted_at=None))


def downgrade() -> None:
    conn = op.get_bind()
    posting = conn.execute(sa.select(_posts.c.id, _posts.c.lease_until)
                           .where(_posts.c.state == 'posting')).all()
    for row in posting:
        claimed = row.lease_until - OLD_STALE_POSTING if row.lease_until is not None else None
        conn.execute(_posts.update().where(_posts.c.id == row.id).values(posted_at=claimed))

    with op.batch_alter_table('digest_posts', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')

    with op.batch_alter_table('nudges', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_nudges_kind'), type_='check')
        batch_op.drop_constraint(op.f('ck_nudges_state'), type_='check')
    _restore_index_order()
