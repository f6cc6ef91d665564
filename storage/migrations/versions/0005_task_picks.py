"""directive tasks given to units by hand: directive_tasks.picked

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 23:00:00

Existing tasks keep following their assignee texts (picked is NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("directive_tasks") as batch:
        batch.add_column(sa.Column("picked", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("directive_tasks") as batch:
        batch.drop_column("picked")
