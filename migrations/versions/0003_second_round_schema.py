"""the second round's schema: check-ins and ratings, ending a mentorship, faculty away and
going quiet, group digest switch, delivery attempts and snoozes, where to reach a person,
linking accounts, deletion records, and pruning seen events by age

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

New NOT NULL columns get a server default so existing rows are filled in place (SQLite
adds them without rebuilding the table, which matters for a large `nudges`).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deletion_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deletion_records'))
    )
    op.create_table('link_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_link_attempts_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_attempts'))
    )
    with op.batch_alter_table('link_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_link_attempts_person_at', ['person_id', 'at'], unique=False)

    op.create_table('link_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_link_codes_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_link_codes_code_hash'))
    )
    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_codes_person_id'), ['person_id'], unique=False)

    op.create_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_checkins_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_checkins_student_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    sa.UniqueConstraint('mentorship_id', 'round', name=op.f('uq_checkins_mentorship_id_round'))
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkins_mentorship_id'), ['mentorship_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkins_student_id'), ['student_id'], unique=False)

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating', sa.Integer(), nullable=True))

    with op.batch_alter_table('faculty_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('away_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('accepting_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('accepting_off_reason', sa.String(length=32), nullable=False, server_default=''))

    with op.batch_alter_table('interest_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_enabled', sa.Boolean(), nullable=False, server_default=sa.true()))

    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('end_note', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_mentorships_ended_by_id_people'), 'people', ['ended_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('nudges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('snoozes', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_platform', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('last_platform', sa.String(length=16), nullable=True))

    with op.batch_alter_table('seen_events', schema=None) as batch_op:
        batch_op.create_index('ix_seen_events_seen_at', ['seen_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('seen_events', schema=None) as batch_op:
        batch_op.drop_index('ix_seen_events_seen_at')

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('last_platform')
        batch_op.drop_column('notify_platform')

    with op.batch_alter_table('nudges', schema=None) as batch_op:
        batch_op.drop_column('snoozes')
        batch_op.drop_column('attempted_at')

    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mentorships_ended_by_id_people'), type_='foreignkey')
        batch_op.drop_column('end_note')
        batch_op.drop_column('end_reason')
        batch_op.drop_column('ended_by_id')

    with op.batch_alter_table('interest_groups', schema=None) as batch_op:
        batch_op.drop_column('digest_enabled')

    with op.batch_alter_table('faculty_profiles', schema=None) as batch_op:
        batch_op.drop_column('accepting_off_reason')
        batch_op.drop_column('accepting_changed_at')
        batch_op.drop_column('away_until')

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('rating')

    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkins_student_id'))
        batch_op.drop_index(batch_op.f('ix_checkins_mentorship_id'))

    op.drop_table('checkins')
    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_codes_person_id'))

    op.drop_table('link_codes')
    with op.batch_alter_table('link_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_link_attempts_person_at')

    op.drop_table('link_attempts')
    op.drop_table('deletion_records')
