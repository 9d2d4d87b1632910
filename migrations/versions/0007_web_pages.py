"""web pages: the ids of web links already opened (each works once) and the signing key
made when WEB_SECRET is not set

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-06
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('web_link_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_link_uses')),
    sa.UniqueConstraint('link_id', name=op.f('uq_web_link_uses_link_id'))
    )
    with op.batch_alter_table('web_link_uses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_link_uses_expires_at'), ['expires_at'],
                              unique=False)

    op.create_table('web_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_keys')),
    sa.UniqueConstraint('name', name=op.f('uq_web_keys_name'))
    )


def downgrade() -> None:
    op.drop_table('web_keys')
    with op.batch_alter_table('web_link_uses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_link_uses_expires_at'))
    op.drop_table('web_link_uses')
