"""the polling inbox

Revision ID: 0006_inbox
Revises: 0001
Create Date: 2026-12-01 08:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.db.base


revision: str = '0006_inbox'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbox_updates',
    sa.Column('bot_id', sa.BigInteger(), nullable=False),
    sa.Column('update_id', sa.BigInteger(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('bot_id', 'update_id', name=op.f('pk_inbox_updates'))
    )


def downgrade() -> None:
    op.drop_table('inbox_updates')
