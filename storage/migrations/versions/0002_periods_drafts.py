"""reporting schedules and origins of templates; drafts kept per member

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing templates keep schedule NULL (the default schedule) and origin NULL (loaded).
    with op.batch_alter_table("report_templates") as batch:
        batch.add_column(sa.Column("schedule", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("origin", sa.String(length=16), nullable=True))
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_drafts_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("member_id", "flow", "key", name=op.f("uq_drafts_member_id_flow_key")),
    )
    op.create_index(op.f("ix_drafts_member_id"), "drafts", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_drafts_member_id"), table_name="drafts")
    op.drop_table("drafts")
    with op.batch_alter_table("report_templates") as batch:
        batch.drop_column("origin")
        batch.drop_column("schedule")
