"""When each chat last reached the bot, for channels that may only message a person for a while
after that (the Zalo OA messaging window)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatBinding, ChatContact


async def touch(
    session: AsyncSession,
    channel: str,
    chat_id: str,
    at: datetime,
    following: bool | None = None,
) -> None:
    """Records an interaction of the chat at `at` (a later one is kept when a delayed
    redelivery arrives); `following` True or False records a follow or an unfollow."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ChatContact).values(
        channel=channel,
        chat_id=chat_id[:64],
        last_interaction_at=at,
        following=True if following is None else following,
    )
    latest = statement.excluded.last_interaction_at
    changes: dict[str, Any] = {
        "last_interaction_at": _later(ChatContact.last_interaction_at, latest, dialect)
    }
    if following is not None:
        changes["following"] = statement.excluded.following
    await session.execute(
        statement.on_conflict_do_update(index_elements=["channel", "chat_id"], set_=changes)
    )


def _later(current: Any, new: Any, dialect: str) -> Any:
    return (func.greatest if dialect == "postgresql" else func.max)(current, new)


async def contact(session: AsyncSession, channel: str, chat_id: str) -> ChatContact | None:
    """The chat's last interaction and follow state; None when it never reached the bot."""
    row: ChatContact | None = await session.scalar(
        select(ChatContact).where(ChatContact.channel == channel, ChatContact.chat_id == chat_id)
    )
    return row


async def prune(session: AsyncSession, before: datetime) -> int:
    """Forgets chats nobody is bound to that last reached the bot before `before`."""
    bound = select(ChatBinding.chat_id).where(ChatBinding.channel == ChatContact.channel)
    result = await session.execute(
        delete(ChatContact).where(
            ChatContact.last_interaction_at < before, ChatContact.chat_id.not_in(bound)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
