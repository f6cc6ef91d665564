"""the "Gia đình văn hóa" meeting's attendance, for its minutes (Mẫu số 03, NĐ 86/2023)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:00:00

Lists sent before keep no attendance (None): their minutes leave the figures blank to fill in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("household_lists", sa.Column("meeting", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("household_lists") as batch:
        batch.drop_column("meeting")
