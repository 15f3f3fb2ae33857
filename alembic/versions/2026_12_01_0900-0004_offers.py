"""offers (Offer Builder)

Revision ID: 0004_offers
Revises: 0003_dream_buyer
Create Date: 2026-12-01 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.db.base


revision: str = '0004_offers'
down_revision: str | None = '0003_dream_buyer'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('core_product', sa.String(length=300), nullable=False),
    sa.Column('dream_outcome', sa.String(length=300), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('lever_d', sa.Integer(), nullable=True),
    sa.Column('lever_l', sa.Integer(), nullable=True),
    sa.Column('lever_t', sa.Integer(), nullable=True),
    sa.Column('lever_e', sa.Integer(), nullable=True),
    sa.Column('bonuses', sa.JSON(), nullable=False),
    sa.Column('urgency_deadline', sa.Date(), nullable=True),
    sa.Column('scarcity_count', sa.Integer(), nullable=True),
    sa.Column('guarantee_type', sa.String(length=16), nullable=True),
    sa.Column('guarantee_text', sa.Text(), nullable=True),
    sa.Column('unit_cost', sa.BigInteger(), nullable=True),
    sa.Column('target_margin', sa.Integer(), nullable=True),
    sa.Column('competitor_prices', sa.JSON(), nullable=False),
    sa.Column('created_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_offers_business_id_businesses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_business_id'), ['business_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_business_id'))

    op.drop_table('offers')
