"""checkout drafts: what a patient typed while booking a held time, kept by the hold's token

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 12:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import portalcore.adapters.sql.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checkout_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hold_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('mobile', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('phone_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('updated_at', portalcore.adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hold_token')
    )
    with op.batch_alter_table('checkout_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkout_draft_updated_at'), ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('checkout_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkout_draft_updated_at'))

    op.drop_table('checkout_draft')
