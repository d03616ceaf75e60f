"""catalog version: a token every change to the clinic or its catalogue replaces, so processes cache them safely

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('catalog_version',
                            sa.Column('id', sa.Integer(), nullable=False),
                            sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
                            sa.PrimaryKeyConstraint('id'))
    op.bulk_insert(table, [{'id': 1, 'token': 'initial'}])


def downgrade() -> None:
    op.drop_table('catalog_version')
