"""reliable delivery: the inbox, recorded replies, in-flight outbox rows, shared send pace

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 21:30:00

Existing outbox rows are carried over as not in flight with no doubts (server default 0).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_key", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handled_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("channel", "update_key", name=op.f("uq_inbox_channel_update_key")),
    )
    op.create_index(op.f("ix_inbox_received_at"), "inbox", ["received_at"], unique=False)
    op.create_index(
        "ix_inbox_pending",
        "inbox",
        ["channel", "chat_id", "id"],
        unique=False,
        sqlite_where=sa.text("handled_at IS NULL"),
        postgresql_where=sa.text("handled_at IS NULL"),
    )
    op.create_table(
        "replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("update_key", sa.String(length=64), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("not_before", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("doubts", sa.Integer(), nullable=False),
        sa.Column("in_flight_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("sent_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("platform_message_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replies")),
    )
    op.create_index(op.f("ix_replies_created_at"), "replies", ["created_at"], unique=False)
    op.create_index(
        "ix_replies_unsent",
        "replies",
        ["channel", "chat_id", "id"],
        unique=False,
        sqlite_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
        postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
    )
    op.create_table(
        "send_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("recent", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_slots")),
        sa.UniqueConstraint("key", name=op.f("uq_send_slots_key")),
    )
    op.create_index(op.f("ix_send_slots_updated_at"), "send_slots", ["updated_at"], unique=False)
    op.create_index("ix_invite_failures_at", "invite_failures", ["at"], unique=False)
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("in_flight_at", storage.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("doubts", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("doubts")
        batch.drop_column("in_flight_at")
    op.drop_index("ix_invite_failures_at", table_name="invite_failures")
    op.drop_index(op.f("ix_send_slots_updated_at"), table_name="send_slots")
    op.drop_table("send_slots")
    op.drop_index("ix_replies_unsent", table_name="replies")
    op.drop_index(op.f("ix_replies_created_at"), table_name="replies")
    op.drop_table("replies")
    op.drop_index("ix_inbox_pending", table_name="inbox")
    op.drop_index(op.f("ix_inbox_received_at"), table_name="inbox")
    op.drop_table("inbox")
