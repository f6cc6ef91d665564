"""The outbox: every message the bot pushes on its own is a row, planned once, sent once.

Planning inserts with the row's unique `key` and does nothing on conflict. A sender claims due
rows (FOR UPDATE SKIP LOCKED on PostgreSQL, so several processes share the work) for a short
lease; a row whose lease ran out without being marked is claimed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatBinding, Member, OutboxMessage


async def enqueue(
    session: AsyncSession,
    key: str,
    binding_id: int,
    kind: str,
    payload: dict[str, Any],
    not_before: datetime,
    now: datetime,
) -> bool:
    """Plans one message; False when a row with this key exists already (nothing is added)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(OutboxMessage)
        .values(
            key=key[:200],
            binding_id=binding_id,
            kind=kind,
            payload=payload,
            not_before=not_before,
            attempts=0,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return bool(getattr(result, "rowcount", 0))


async def bindings_of(session: AsyncSession, member_id: int) -> Sequence[ChatBinding]:
    """The member's chats that can still be reached (active member, chat not blocked)."""
    rows = await session.scalars(
        select(ChatBinding)
        .join(Member, Member.id == ChatBinding.member_id)
        .where(
            ChatBinding.member_id == member_id,
            ChatBinding.blocked_at.is_(None),
            Member.active.is_(True),
        )
        .order_by(ChatBinding.id)
    )
    return rows.all()


async def enqueue_to_member(
    session: AsyncSession,
    member_id: int,
    key: str,
    kind: str,
    payload: dict[str, Any],
    not_before: datetime,
    now: datetime,
) -> int:
    """Plans the message for every reachable chat of the member (`key` gets the binding id);
    returns how many rows were added."""
    added = 0
    for binding in await bindings_of(session, member_id):
        if await enqueue(
            session, f"{key}:b{binding.id}", binding.id, kind, payload, not_before, now
        ):
            added += 1
    return added


async def claim_due(
    session: AsyncSession, worker: str, now: datetime, lease: timedelta, limit: int = 100
) -> list[OutboxMessage]:
    """Claims up to `limit` due rows (unsent, not failed, not_before passed, lease free) for
    `worker`; the caller commits to make the claim visible to other workers."""
    rows = (
        await session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                OutboxMessage.not_before <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
            )
            .order_by(OutboxMessage.not_before, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in rows:
        row.claimed_by, row.claimed_until = worker, now + lease
    return list(rows)


async def mark_sent(
    session: AsyncSession, row_id: int, worker: str, now: datetime, platform_id: str | None
) -> bool:
    """Marks a claimed row sent; False when this worker no longer holds it."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.sent_at.is_(None),
        )
        .values(sent_at=now, platform_message_id=platform_id, claimed_until=None)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_attempt_failed(
    session: AsyncSession,
    row_id: int,
    worker: str,
    now: datetime,
    error: str,
    retry_at: datetime | None,
) -> None:
    """Counts a failed attempt: retried at `retry_at`, or given up (failed) when it is None."""
    values: dict[str, Any] = {
        "attempts": OutboxMessage.attempts + 1,
        "last_error": error[:500],
        "claimed_until": None,
    }
    if retry_at is None:
        values["failed_at"] = now
    else:
        values["not_before"] = retry_at
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker)
        .values(**values)
    )
