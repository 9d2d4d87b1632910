"""send budgets: one row per platform, workspace (or bot) and method, from which every
worker takes its sending slots, and where a 429 holds them all back

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('send_budgets',
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=64), nullable=False),
    sa.Column('next_slot', sa.Double(), nullable=False),
    sa.Column('blocked_until', sa.Double(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'scope', 'method', name=op.f('pk_send_budgets'))
    )


def downgrade() -> None:
    op.drop_table('send_budgets')
