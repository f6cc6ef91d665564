"""Replies of turns: recorded in the turn's transaction, sent from here, one chat in order.

A reply is taken (`begin_send`: marked in flight and committed) just before the platform is
called, and marked sent after. A reply still in flight when its sender died may have reached
the person: it is sent again and counted in `doubts` (the platforms have no idempotency key),
at most one per chat per crash. A call that timed out after its request went out is settled
as sent but unconfirmed (`settle_unconfirmed`), not sent again. A chat's later replies wait for
the earlier ones: none is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatReply

# Retries of a reply: 1 s, 2 s, 4 s … at most a minute apart (from another base: base, 2 × base
# … at most 60 × base).
RETRY_BASE = timedelta(seconds=1)
RETRY_MAX_STEPS = 60


def retry_wait(attempts: int, base: timedelta = RETRY_BASE) -> timedelta:
    """How long to wait before try `attempts + 1`."""
    wait: timedelta = base * (2 ** max(0, min(attempts - 1, 10)))
    return min(base * RETRY_MAX_STEPS, wait)


async def record(
    session: AsyncSession,
    channel: str,
    chat_id: str,
    update_key: str | None,
    payloads: Sequence[dict[str, Any]],
    now: datetime,
) -> list[int]:
    """Adds the turn's replies in order; returns their ids."""
    rows = [
        ChatReply(
            channel=channel,
            chat_id=chat_id,
            update_key=update_key,
            seq=seq,
            payload=payload,
            created_at=now,
            not_before=now,
            attempts=0,
            doubts=0,
        )
        for seq, payload in enumerate(payloads)
    ]
    session.add_all(rows)
    await session.flush()
    return [row.id for row in rows]


def _unsent() -> Any:
    return and_(ChatReply.sent_at.is_(None), ChatReply.failed_at.is_(None))


async def oldest_unsent(session: AsyncSession, channel: str, chat_id: str) -> ChatReply | None:
    """The chat's first reply not sent yet (whether it may be sent now or not)."""
    row: ChatReply | None = await session.scalar(
        select(ChatReply)
        .where(ChatReply.channel == channel, ChatReply.chat_id == chat_id, _unsent())
        .order_by(ChatReply.id)
        .limit(1)
    )
    return row


def may_send(row: ChatReply, now: datetime, lease: timedelta, holder_gone: bool = False) -> bool:
    """Due, and not in flight with another sender whose lease still runs (`holder_gone`: the
    sender that took it is known to be dead, its lease does not count)."""
    if row.not_before > now:
        return False
    return row.in_flight_at is None or holder_gone or row.in_flight_at + lease <= now


async def begin_send(
    session: AsyncSession,
    row: ChatReply,
    worker: str,
    now: datetime,
    lease: timedelta,
    holder_gone: bool = False,
) -> bool:
    """Takes the reply for sending (in flight from now, by `worker`); False when another
    sender took it meanwhile. A reply found still in flight from an earlier try is counted as
    a doubt: that try may have reached the person."""
    free = or_(ChatReply.in_flight_at.is_(None), ChatReply.in_flight_at <= now - lease)
    if holder_gone and row.claimed_by is not None:
        free = or_(free, ChatReply.claimed_by == row.claimed_by)
    result = await session.execute(
        update(ChatReply)
        .where(ChatReply.id == row.id, _unsent(), ChatReply.not_before <= now, free)
        .values(
            attempts=ChatReply.attempts + 1,
            doubts=ChatReply.doubts + case((ChatReply.in_flight_at.is_not(None), 1), else_=0),
            in_flight_at=now,
            claimed_by=worker,
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_sent(
    session: AsyncSession, reply_id: int, now: datetime, platform_id: str | None
) -> None:
    await session.execute(
        update(ChatReply)
        .where(ChatReply.id == reply_id, ChatReply.sent_at.is_(None))
        .values(sent_at=now, in_flight_at=None, platform_message_id=platform_id)
    )


async def retry_later(
    session: AsyncSession,
    reply_id: int,
    now: datetime,
    error: str,
    retry_at: datetime,
    in_doubt: bool,
) -> None:
    """A failed try: sent again at `retry_at`. `in_doubt`: the platform may have delivered it
    (a timeout), which is counted."""
    await session.execute(
        update(ChatReply)
        .where(ChatReply.id == reply_id, ChatReply.sent_at.is_(None))
        .values(
            in_flight_at=None,
            not_before=retry_at,
            last_error=error[:500],
            doubts=ChatReply.doubts + (1 if in_doubt else 0),
        )
    )


async def settle_unconfirmed(
    session: AsyncSession, reply_id: int, now: datetime, error: str
) -> None:
    """The request went out and no answer came back: the platform has it and most likely
    delivered it; settled as sent (no platform id), counted as a doubt, not sent again."""
    await session.execute(
        update(ChatReply)
        .where(ChatReply.id == reply_id, ChatReply.sent_at.is_(None))
        .values(
            sent_at=now,
            in_flight_at=None,
            doubts=ChatReply.doubts + 1,
            last_error=f"unconfirmed: {error}"[:500],
        )
    )


async def give_up(session: AsyncSession, reply_id: int, now: datetime, error: str) -> None:
    """The reply cannot be delivered (the chat blocked the bot, it is too old): settled as
    failed; the chat's later replies go on."""
    await session.execute(
        update(ChatReply)
        .where(ChatReply.id == reply_id, ChatReply.sent_at.is_(None))
        .values(failed_at=now, in_flight_at=None, last_error=error[:500])
    )


async def chats_with_unsent(
    session: AsyncSession, channel: str, now: datetime, lease: timedelta, limit: int = 500
) -> list[str]:
    """Chats of `channel` with a reply that may be sent now (due, no live lease)."""
    rows = await session.scalars(
        select(ChatReply.chat_id)
        .where(
            ChatReply.channel == channel,
            _unsent(),
            ChatReply.not_before <= now,
            or_(ChatReply.in_flight_at.is_(None), ChatReply.in_flight_at <= now - lease),
        )
        .group_by(ChatReply.chat_id)
        .limit(limit)
    )
    return list(rows.all())


async def prune(session: AsyncSession, before: datetime) -> int:
    """Deletes replies settled (sent or failed) before `before`; returns how many."""
    result = await session.execute(
        delete(ChatReply).where(
            or_(
                and_(ChatReply.sent_at.is_not(None), ChatReply.sent_at < before),
                and_(ChatReply.failed_at.is_not(None), ChatReply.failed_at < before),
            )
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
