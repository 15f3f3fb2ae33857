"""dream buyer avatars

Revision ID: 0003_dream_buyer
Revises: 0006_inbox
Create Date: 2026-12-01 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.db.base


revision: str = '0003_dream_buyer'
down_revision: str | None = '0006_inbox'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dream_buyers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('age_range', sa.String(length=120), nullable=True),
    sa.Column('gender', sa.String(length=120), nullable=True),
    sa.Column('location', sa.String(length=120), nullable=True),
    sa.Column('income', sa.String(length=120), nullable=True),
    sa.Column('occupation', sa.String(length=120), nullable=True),
    sa.Column('where_online', sa.Text(), nullable=True),
    sa.Column('where_offline', sa.Text(), nullable=True),
    sa.Column('information_sources', sa.Text(), nullable=True),
    sa.Column('frustrations', sa.Text(), nullable=True),
    sa.Column('dreams', sa.Text(), nullable=True),
    sa.Column('fears', sa.Text(), nullable=True),
    sa.Column('preferred_channel', sa.Text(), nullable=True),
    sa.Column('language_jargon', sa.Text(), nullable=True),
    sa.Column('day_in_life', sa.Text(), nullable=True),
    sa.Column('happiness_factors', sa.Text(), nullable=True),
    sa.Column('persona_summary', sa.Text(), nullable=True),
    sa.Column('content_ideas', sa.JSON(), nullable=True),
    sa.Column('ad_hooks', sa.JSON(), nullable=True),
    sa.Column('generated_at', services.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('generated_source', sa.String(length=16), nullable=True),
    sa.Column('created_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_dream_buyers_business_id_businesses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dream_buyers'))
    )
    with op.batch_alter_table('dream_buyers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dream_buyers_business_id'), ['business_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dream_buyers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dream_buyers_business_id'))

    op.drop_table('dream_buyers')
