"""Zalo Official Account: chats' last interaction (the messaging window), rotating tokens

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00

New tables only; nothing to carry over.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column(
            "last_interaction_at", storage.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("following", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_contacts")),
        sa.UniqueConstraint("channel", "chat_id", name=op.f("uq_chat_contacts_channel_chat_id")),
    )
    op.create_index(
        op.f("ix_chat_contacts_last_interaction_at"),
        "chat_contacts",
        ["last_interaction_at"],
        unique=False,
    )
    op.create_table(
        "platform_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("expires_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("seed_hash", sa.String(length=64), nullable=False),
        sa.Column("rotated_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rotations", sa.Integer(), nullable=False),
        sa.Column("broken_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("reported_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_tokens")),
        sa.UniqueConstraint("key", name=op.f("uq_platform_tokens_key")),
    )


def downgrade() -> None:
    op.drop_table("platform_tokens")
    op.drop_index(op.f("ix_chat_contacts_last_interaction_at"), table_name="chat_contacts")
    op.drop_table("chat_contacts")
