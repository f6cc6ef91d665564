"""The outbox: every message the bot pushes on its own is a row, planned once, sent once.

Planning inserts with the row's unique `key` and does nothing on conflict, so planning the same
reminder twice (or from two processes) adds nothing. A dispatcher claims due rows (FOR UPDATE
SKIP LOCKED on PostgreSQL, so several processes share the work; SQLite serialises writers) for a
short lease and commits the claim; each send is then marked in its own short transaction with the
platform's message id.

Delivery guarantee. A row is claimed (a lease), then marked in flight and committed just
before the platform is called, then marked sent. So:
- a row is never sent by two workers at once (the claim), and never re-planned (the key);
- a call refused by the platform (429, 5xx, a connection that could not be made) did not
  deliver: the row is retried with backoff (429: after retry_after);
- a call whose request went out and got no answer (a read timeout) is settled as sent but
  unconfirmed (`settle_unconfirmed`, counted in `doubts`): the platform has it and almost
  always delivered it, so it is not sent again;
- a row still in flight when its worker died may have reached the person: after the lease it
  is sent again and counted in `doubts`. The dispatcher keeps at most
  `settings.outbox_in_flight` calls in flight, so a crash duplicates at most that many pushes;
  nothing else ever does. (The platforms have no idempotency key that would close this.)
The opposite choice for a crash (never re-send a row in flight) would lose a reminder of a
deadline instead, which is worse for this product than an occasional repeated nudge. (The one
deliberate drop: a reminder still waiting when its recipient pauses is forgotten unsent, and
the planner plans what is still due when the pause ends.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
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
    session: AsyncSession,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int = 100,
    channels: Sequence[str] | None = None,
) -> list[OutboxMessage]:
    """Claims up to `limit` due rows (unsent, not failed, not_before passed, lease free) for
    `worker`, oldest first; only rows for chats on `channels` when given. The caller commits to
    make the claim visible to other workers."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.not_before <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
        )
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    )
    if channels is not None:
        query = query.where(
            OutboxMessage.binding_id.in_(
                select(ChatBinding.id).where(ChatBinding.channel.in_(list(channels)))
            )
        )
    rows = (await session.scalars(query)).all()
    for row in rows:
        row.claimed_by, row.claimed_until = worker, now + lease
        if row.in_flight_at is not None:
            # its sender died during the call: the platform may have it; sent again, counted
            row.doubts, row.in_flight_at = row.doubts + 1, None
    return list(rows)


async def mark_in_flight(session: AsyncSession, row_id: int, worker: str, now: datetime) -> bool:
    """Marks a claimed row as being sent right now; False when this worker no longer holds
    it (then it must not be sent). Committed before the platform is called."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.sent_at.is_(None),
        )
        .values(in_flight_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def settle_unconfirmed(
    session: AsyncSession, row_id: int, worker: str, now: datetime, error: str
) -> None:
    """The request went out and no answer came back (a timeout): the platform has it and
    most likely delivered it. Settled as sent without a platform id, counted as a doubt, and
    not sent again."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.sent_at.is_(None),
        )
        .values(
            sent_at=now,
            in_flight_at=None,
            claimed_until=None,
            doubts=OutboxMessage.doubts + 1,
            last_error=f"unconfirmed: {error}"[:500],
        )
    )


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
        .values(
            sent_at=now, platform_message_id=platform_id, claimed_until=None, in_flight_at=None
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_dropped(
    session: AsyncSession, row_ids: Sequence[int], worker: str, now: datetime, reason: str
) -> None:
    """Settles claimed rows that must not go out any more (e.g. a reminder to someone who has
    since filed or paused): `sent_at` is set with no platform message id and `last_error` says
    why, so they are never sent later and do not count as failed deliveries."""
    if row_ids:
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(list(row_ids)),
                OutboxMessage.claimed_by == worker,
                OutboxMessage.sent_at.is_(None),
            )
            .values(sent_at=now, last_error=reason[:500], claimed_until=None)
        )


async def forget(session: AsyncSession, row_ids: Sequence[int], worker: str) -> None:
    """Deletes claimed unsent rows, as if never planned (a reminder to someone who paused: the
    planner plans what is still due when the pause ends)."""
    if row_ids:
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.id.in_(list(row_ids)),
                OutboxMessage.claimed_by == worker,
                OutboxMessage.sent_at.is_(None),
            )
        )


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
        "in_flight_at": None,
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


async def release(session: AsyncSession, row_ids: Sequence[int], worker: str) -> None:
    """Gives claimed rows back untouched (no attempt counted), e.g. when a run ran out of time."""
    if row_ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(row_ids)), OutboxMessage.claimed_by == worker)
            .values(claimed_until=None)
        )


async def mark_blocked(
    session: AsyncSession, binding_id: int, now: datetime, error: str = "blocked"
) -> int:
    """Flags the chat as blocked and fails every unsent row for it; returns how many rows."""
    await session.execute(
        update(ChatBinding)
        .where(ChatBinding.id == binding_id, ChatBinding.blocked_at.is_(None))
        .values(blocked_at=now)
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.binding_id == binding_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
        )
        .values(failed_at=now, last_error=error[:500], claimed_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def pending_count(session: AsyncSession) -> int:
    """Rows not sent and not failed (due or not)."""
    count = await session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)
        )
    )
    return int(count or 0)


UNREACHABLE = "unreachable"


async def fall_back(
    session: AsyncSession, row_id: int, worker: str, now: datetime, why: str
) -> list[str]:
    """A push its channel cannot deliver (the chat is out of reach, not blocked) goes to the
    member's other reachable chats: the same message, planned for each of them under the
    row's key with their binding (a chat that already has it adds nothing, so nobody gets it
    twice). The row fails with ``unreachable: <why>; via <channels>`` (``via -`` when there is
    no other chat), which the staff digest shows. Returns the channels it goes by."""
    found = (
        await session.execute(
            select(OutboxMessage, ChatBinding)
            .join(ChatBinding, ChatBinding.id == OutboxMessage.binding_id)
            .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker)
        )
    ).first()
    if found is None:
        return []
    row, binding = found
    base = row.key.rsplit(":b", 1)[0] if ":b" in row.key else row.key
    channels: list[str] = []
    for other in await bindings_of(session, binding.member_id):
        if other.channel == binding.channel:
            continue
        await enqueue(session, f"{base}:b{other.id}", other.id, row.kind, row.payload, now, now)
        channels.append(other.channel)
    via = ",".join(dict.fromkeys(channels)) or "-"
    row.failed_at, row.claimed_until, row.in_flight_at = now, None, None
    row.attempts += 1
    row.last_error = f"{UNREACHABLE}: {why}; via {via}"[:500]
    return channels
