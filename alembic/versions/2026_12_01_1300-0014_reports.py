"""reports: scheduled report runs and members' opt-in to scheduled reports

Revision ID: 0014_reports
Revises: 0015_insights
Create Date: 2026-12-01 13:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.db.base

revision: str = '0014_reports'
down_revision: str | None = '0015_insights'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_runs',
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period_key', sa.String(length=16), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_report_runs_business_id_businesses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('business_id', 'kind', 'period_key', name=op.f('pk_report_runs'))
    )
    op.create_table('report_opt_ins',
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_report_opt_ins_business_id_businesses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_report_opt_ins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('business_id', 'user_id', name=op.f('pk_report_opt_ins'))
    )


def downgrade() -> None:
    op.drop_table('report_opt_ins')
    op.drop_table('report_runs')
