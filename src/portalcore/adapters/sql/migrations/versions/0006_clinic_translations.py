"""clinic content in other languages: translations of categories, services, forms and provider titles

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 12:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TABLES = ('service_category', 'service', 'form_template', 'provider')


def upgrade() -> None:
    # rows written before have no translations: an empty JSON object, on both databases
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
