"""kpi: an index for the dashboard funnel (leads by business, day, stage, status)

Revision ID: 0009_kpi
Revises: 0010_billing
Create Date: 2026-12-01 12:00:00
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0009_kpi'
down_revision: str | None = '0010_billing'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_business_day_stage',
                              ['business_id', 'day', 'stage', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_business_day_stage')
