"""Conversation state and update de-duplication."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatBinding, ConversationState, InviteFailure, ProcessedUpdate


async def lock_conversation(
    session: AsyncSession, channel: str, chat_id: str, now: datetime
) -> ConversationState:
    """The chat's state row, created when missing and locked until the transaction ends.

    On PostgreSQL the row lock keeps one chat's messages in order across processes; SQLite
    already serialises writers (BEGIN IMMEDIATE).
    """
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(ConversationState)
        .values(channel=channel, chat_id=chat_id, data={}, options=[], version=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["channel", "chat_id"])
    )
    row = await session.scalar(
        select(ConversationState)
        .where(ConversationState.channel == channel, ConversationState.chat_id == chat_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


async def mark_processed(
    session: AsyncSession, channel: str, update_id: str, now: datetime
) -> bool:
    """Records the update; False when it was processed before (the caller then does nothing).

    Runs in a savepoint so a duplicate leaves the caller's transaction usable.
    """
    try:
        async with session.begin_nested():
            session.add(ProcessedUpdate(channel=channel, update_id=update_id, processed_at=now))
    except IntegrityError:
        return False
    return True


async def prune_processed(session: AsyncSession, before: datetime) -> int:
    """Deletes processed-update rows older than `before`; returns how many."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def prune_strangers(session: AsyncSession, before: datetime) -> int:
    """Deletes the states of chats bound to nobody (strangers, groups) idle since before
    `before`; returns how many. A bound chat keeps its state (a draft may wait in it)."""
    bound = exists().where(
        ChatBinding.channel == ConversationState.channel,
        ChatBinding.chat_id == ConversationState.chat_id,
    )
    result = await session.execute(
        delete(ConversationState).where(ConversationState.updated_at < before, ~bound)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def prune_invite_failures(session: AsyncSession, before: datetime) -> int:
    """Deletes wrong-code records older than `before` (the limits look back one hour)."""
    result = await session.execute(delete(InviteFailure).where(InviteFailure.at < before))
    return int(getattr(result, "rowcount", 0) or 0)
