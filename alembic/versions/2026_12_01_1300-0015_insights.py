"""insights and monthly strategies

Revision ID: 0015_insights
Revises: 0012_outbox
Create Date: 2026-12-01 13:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.db.base


revision: str = '0015_insights'
down_revision: str | None = '0012_outbox'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('insights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('numbers', sa.JSON(), nullable=False),
    sa.Column('trigger_key', sa.String(length=100), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('created_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status_at', services.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notified_at', services.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_insights_business_id_businesses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insights')),
    sa.UniqueConstraint('business_id', 'trigger_key', 'slot', name=op.f('uq_insights_business_id_trigger_key_slot'))
    )
    with op.batch_alter_table('insights', schema=None) as batch_op:
        batch_op.create_index('ix_insights_business_trigger_created', ['business_id', 'trigger_key', 'created_at'], unique=False)

    op.create_table('strategies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('revisions', sa.Integer(), nullable=False),
    sa.Column('checkins', sa.JSON(), nullable=False),
    sa.Column('created_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_strategies_business_id_businesses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_strategies')),
    sa.UniqueConstraint('business_id', 'month', name=op.f('uq_strategies_business_id_month'))
    )


def downgrade() -> None:
    op.drop_table('strategies')
    with op.batch_alter_table('insights', schema=None) as batch_op:
        batch_op.drop_index('ix_insights_business_trigger_created')

    op.drop_table('insights')
