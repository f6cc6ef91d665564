"""The inbox: updates stored as the platform sent them, before they are acknowledged.

A channel stores an update (one short transaction) and only then acknowledges it (polling
offset, webhook answer); the update is handled from here, one chat in order, and the turn that
handles it marks it handled in the turn's own transaction. A redelivery finds its key stored and
adds nothing; an update stored but not handled when the process died is handled after restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxUpdate


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def store(
    session: AsyncSession,
    channel: str,
    items: Sequence[tuple[str, str, dict[str, Any]]],
    now: datetime,
) -> int:
    """Stores (update key, chat id, payload) items; a key stored before is left alone.
    Returns how many were new."""
    added = 0
    for key, chat_id, payload in items:
        result = await session.execute(
            _insert(session)(InboxUpdate)
            .values(
                channel=channel,
                update_key=key[:64],
                chat_id=chat_id[:64],
                payload=payload,
                received_at=now,
                attempts=0,
            )
            .on_conflict_do_nothing(index_elements=["channel", "update_key"])
        )
        added += int(getattr(result, "rowcount", 0) or 0)
    return added


def _due(now: datetime) -> Any:
    return or_(InboxUpdate.not_before.is_(None), InboxUpdate.not_before <= now)


async def next_pending(
    session: AsyncSession, channel: str, chat_id: str, now: datetime
) -> InboxUpdate | None:
    """The chat's oldest unhandled update, when it is due (one waiting for a retry holds the
    ones after it: a chat's updates are handled in order)."""
    row = await session.scalar(
        select(InboxUpdate)
        .where(
            InboxUpdate.channel == channel,
            InboxUpdate.chat_id == chat_id,
            InboxUpdate.handled_at.is_(None),
        )
        .order_by(InboxUpdate.id)
        .limit(1)
    )
    if row is None or (row.not_before is not None and row.not_before > now):
        return None
    return row


async def pending_chats(
    session: AsyncSession, channel: str, now: datetime, limit: int = 500
) -> list[str]:
    """Chats of `channel` with an unhandled update that is due."""
    rows = await session.scalars(
        select(InboxUpdate.chat_id)
        .where(
            InboxUpdate.channel == channel,
            InboxUpdate.handled_at.is_(None),
            _due(now),
        )
        .group_by(InboxUpdate.chat_id)
        .order_by(func.min(InboxUpdate.id))
        .limit(limit)
    )
    return list(rows.all())


async def mark_handled(session: AsyncSession, inbox_id: int, now: datetime) -> bool:
    """Marks the update handled; False when it was handled already (by another process)."""
    result = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == inbox_id, InboxUpdate.handled_at.is_(None))
        .values(handled_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def postpone(session: AsyncSession, inbox_id: int, error: str, retry_at: datetime) -> None:
    """Counts a failed attempt to handle the update; it is tried again at `retry_at`."""
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == inbox_id)
        .values(attempts=InboxUpdate.attempts + 1, last_error=error[:500], not_before=retry_at)
    )


async def prune(session: AsyncSession, before: datetime) -> int:
    """Deletes updates handled before `before`; returns how many."""
    result = await session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.handled_at.is_not(None), InboxUpdate.handled_at < before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
