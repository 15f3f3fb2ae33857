"""admin: support tickets, user suspension, business flags

Revision ID: 0011_admin
Revises: 0007_analytics
Create Date: 2026-12-01 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.db.base


revision: str = '0011_admin'
down_revision: str | None = '0007_analytics'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('support_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', services.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', services.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_support_tickets_business_id_businesses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_support_tickets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_tickets'))
    )
    with op.batch_alter_table('support_tickets', schema=None) as batch_op:
        batch_op.create_index('ix_support_tickets_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_tickets_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_tickets_user_id'), ['user_id'], unique=False)

    op.create_table('support_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.BigInteger(), nullable=False),
    sa.Column('from_admin', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', services.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['support_tickets.id'], name=op.f('fk_support_replies_ticket_id_support_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_replies'))
    )
    with op.batch_alter_table('support_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_replies_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flagged', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('flag_reason', sa.String(length=300), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_until', services.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspend_reason', sa.String(length=300), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('suspend_reason')
        batch_op.drop_column('suspended_until')

    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.drop_column('flag_reason')
        batch_op.drop_column('flagged')

    with op.batch_alter_table('support_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_replies_ticket_id'))

    op.drop_table('support_replies')
    with op.batch_alter_table('support_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_tickets_user_id'))
        batch_op.drop_index(batch_op.f('ix_support_tickets_business_id'))
        batch_op.drop_index('ix_support_tickets_status_created')

    op.drop_table('support_tickets')
