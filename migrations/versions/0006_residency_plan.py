"""the residency plan: programs per group, students' residency profiles, their list entries,
outcomes per program, shares with mentors and mentors' comments; the `residency-date` nudge
kind

Revision ID: 0006
Revises: 0007 (written against 0003; re-chained after main's 0005 and 0007)
Create Date: 2026-12-06

The kind CHECK on `nudges` is rebuilt with this revision's list written out (as 0002 did:
a migration describes the schema as it was at that revision). Downgrading deletes the
`residency-date` nudges first, since the older CHECK refuses them.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = ('followup', 'action-item', 'intro-pending', 'letter-ask', 'letter-ask-late',
                'letter-packet', 'letter-checkin', 'letter-deadline', 'letter-thanks',
                'letter-outcome', 'keep-in-touch', 'transactional', 'checkin',
                'writer-deadline', 'still-mentoring', 'notice')
KINDS = ('followup', 'action-item', 'intro-pending', 'letter-ask', 'letter-ask-late',
         'letter-packet', 'letter-checkin', 'letter-deadline', 'letter-thanks',
         'letter-outcome', 'keep-in-touch', 'transactional', 'checkin', 'writer-deadline',
         'still-mentoring', 'residency-date', 'notice')

# In revision 0001's order (see 0002): a batch copy of `nudges` on SQLite recreates its
# indexes in another order, which would change the plan re-planning queries get.
NUDGE_INDEXES = (
    ('ix_nudges_person_state', ['person_id', 'state']),
    ('ix_nudges_state_due', ['state', 'due_at']),
    ('ix_nudges_subject', ['subject_type', 'subject_id']),
)


def _one_of(column: str, values: Sequence[str]) -> str:
    # OR, not IN: SQLite rebuilds an IN list for every execution of a statement.
    return " OR ".join(f"{column} = '{value}'" for value in values)


def _restore_index_order() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('nudges', schema=None) as batch_op:
        for name, _columns in NUDGE_INDEXES:
            batch_op.drop_index(name)
    with op.batch_alter_table('nudges', schema=None) as batch_op:
        for name, columns in NUDGE_INDEXES:
            batch_op.create_index(name, columns, unique=False)


def _kinds(values: Sequence[str]) -> None:
    with op.batch_alter_table('nudges', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_nudges_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_nudges_kind'), _one_of('kind', values))
    _restore_index_order()


def upgrade() -> None:
    op.create_table('residency_programs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('specialty', sa.String(length=100), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('region', sa.String(length=16), nullable=True),
    sa.Column('type', sa.String(length=24), nullable=True),
    sa.Column('positions', sa.Integer(), nullable=True),
    sa.Column('visa', sa.String(length=16), nullable=True),
    sa.Column('takes_do', sa.Boolean(), nullable=True),
    sa.Column('takes_img', sa.Boolean(), nullable=True),
    sa.Column('step2_mean', sa.Integer(), nullable=True),
    sa.Column('portal', sa.String(length=16), nullable=True),
    sa.Column('signals', sa.Boolean(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['interest_groups.id'], name=op.f('fk_residency_programs_group_id_interest_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residency_programs')),
    sa.UniqueConstraint('group_id', 'name', 'state', name=op.f('uq_residency_programs_group_id_name_state'))
    )
    with op.batch_alter_table('residency_programs', schema=None) as batch_op:
        batch_op.create_index('ix_residency_programs_group_specialty', ['group_id', 'specialty'], unique=False)

    op.create_table('residency_profiles',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('specialty', sa.String(length=100), nullable=True),
    sa.Column('backup', sa.String(length=100), nullable=True),
    sa.Column('applicant', sa.String(length=8), nullable=True),
    sa.Column('visa', sa.String(length=8), nullable=True),
    sa.Column('step2', sa.Integer(), nullable=True),
    sa.Column('home_program_id', sa.Integer(), nullable=True),
    sa.Column('aways', sa.JSON(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('types', sa.JSON(), nullable=False),
    sa.Column('couples', sa.Boolean(), nullable=False),
    sa.Column('cycle', sa.String(length=8), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['home_program_id'], ['residency_programs.id'], name=op.f('fk_residency_profiles_home_program_id_residency_programs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_residency_profiles_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_residency_profiles'))
    )
    op.create_table('residency_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=True),
    sa.Column('signal', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['residency_programs.id'], name=op.f('fk_residency_entries_program_id_residency_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_residency_entries_student_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residency_entries')),
    sa.UniqueConstraint('student_id', 'program_id', name=op.f('uq_residency_entries_student_id_program_id'))
    )
    with op.batch_alter_table('residency_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residency_entries_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residency_entries_student_id'), ['student_id'], unique=False)

    op.create_table('residency_outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['residency_programs.id'], name=op.f('fk_residency_outcomes_program_id_residency_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_residency_outcomes_student_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residency_outcomes')),
    sa.UniqueConstraint('student_id', 'program_id', 'result', name=op.f('uq_residency_outcomes_student_id_program_id_result'))
    )
    with op.batch_alter_table('residency_outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_residency_outcomes_program', ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residency_outcomes_student_id'), ['student_id'], unique=False)

    op.create_table('residency_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('scores', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentor_id'], ['people.id'], name=op.f('fk_residency_shares_mentor_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_residency_shares_student_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residency_shares')),
    sa.UniqueConstraint('student_id', 'mentor_id', name=op.f('uq_residency_shares_student_id_mentor_id'))
    )
    with op.batch_alter_table('residency_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residency_shares_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residency_shares_student_id'), ['student_id'], unique=False)

    op.create_table('residency_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentor_id'], ['people.id'], name=op.f('fk_residency_comments_mentor_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['residency_programs.id'], name=op.f('fk_residency_comments_program_id_residency_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_residency_comments_student_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residency_comments'))
    )
    with op.batch_alter_table('residency_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residency_comments_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residency_comments_student_id'), ['student_id'], unique=False)

    _kinds(KINDS)


def downgrade() -> None:
    nudges = sa.table('nudges', sa.column('kind', sa.String()))
    op.execute(nudges.delete().where(nudges.c.kind == 'residency-date'))
    _kinds(KINDS_BEFORE)

    with op.batch_alter_table('residency_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residency_comments_student_id'))
        batch_op.drop_index(batch_op.f('ix_residency_comments_mentor_id'))
    op.drop_table('residency_comments')
    with op.batch_alter_table('residency_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residency_shares_student_id'))
        batch_op.drop_index(batch_op.f('ix_residency_shares_mentor_id'))
    op.drop_table('residency_shares')
    with op.batch_alter_table('residency_outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residency_outcomes_student_id'))
        batch_op.drop_index('ix_residency_outcomes_program')
    op.drop_table('residency_outcomes')
    with op.batch_alter_table('residency_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residency_entries_student_id'))
        batch_op.drop_index(batch_op.f('ix_residency_entries_program_id'))
    op.drop_table('residency_entries')
    op.drop_table('residency_profiles')
    with op.batch_alter_table('residency_programs', schema=None) as batch_op:
        batch_op.drop_index('ix_residency_programs_group_specialty')
    op.drop_table('residency_programs')
