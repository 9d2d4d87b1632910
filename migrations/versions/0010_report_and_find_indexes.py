"""indexes for the report counted in the database and for find's fallback: covering indexes
on contacts, letters, check-ins and letter events (each replaces a narrower one it
starts with), the zones and rhythms in use, and the accepting faculty by reputation

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_student_mentor_at')
        batch_op.create_index('ix_contacts_student_mentor_at',
                              ['student_id', 'mentor_id', 'at', 'created_at', 'is_ask',
                               'rating'], unique=False)
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index('ix_letters_student_id')
        batch_op.create_index('ix_letters_student_deadline', ['student_id', 'deadline', 'state'],
                              unique=False)
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_student_id')
        batch_op.create_index('ix_checkins_student_asked', ['student_id', 'asked_at', 'answer'],
                              unique=False)
    with op.batch_alter_table('letter_events', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_events_letter_id')
        batch_op.create_index('ix_letter_events_letter_at', ['letter_id', 'at', 'to_state'],
                              unique=False)
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index('ix_people_timezone', ['timezone'], unique=False)
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.create_index('ix_mentorships_active_cadence', ['active', 'cadence_days'],
                              unique=False)
    with op.batch_alter_table('faculty_profiles', schema=None) as batch_op:
        batch_op.create_index('ix_faculty_profiles_accepting_reputation',
                              ['accepting', 'reputation', 'person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('faculty_profiles', schema=None) as batch_op:
        batch_op.drop_index('ix_faculty_profiles_accepting_reputation')
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.drop_index('ix_mentorships_active_cadence')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index('ix_people_timezone')
    with op.batch_alter_table('letter_events', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_events_letter_at')
        batch_op.create_index('ix_letter_events_letter_id', ['letter_id'], unique=False)
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_student_asked')
        batch_op.create_index('ix_checkins_student_id', ['student_id'], unique=False)
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index('ix_letters_student_deadline')
        batch_op.create_index('ix_letters_student_id', ['student_id'], unique=False)
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_student_mentor_at')
        batch_op.create_index('ix_contacts_student_mentor_at', ['student_id', 'mentor_id', 'at'],
                              unique=False)
