"""hvco: lead magnets with their deep-link codes

Revision ID: 0005_hvco
Revises: 0004_offers
Create Date: 2026-12-01 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.db.base


revision: str = '0005_hvco'
down_revision: str | None = '0004_offers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('hvcos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('outline', sa.JSON(), nullable=False),
    sa.Column('post', sa.Text(), nullable=False),
    sa.Column('file_id', sa.String(length=256), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('url', sa.String(length=300), nullable=True),
    sa.Column('delivery_text', sa.Text(), nullable=True),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('leads_count', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_hvcos_business_id_businesses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hvcos')),
    sa.UniqueConstraint('code', name=op.f('uq_hvcos_code'))
    )
    with op.batch_alter_table('hvcos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hvcos_business_id'), ['business_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('hvcos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hvcos_business_id'))

    op.drop_table('hvcos')
