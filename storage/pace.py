"""The shared pace of a bot token: every process that sends reserves its sends here.

A scope is one row (`send_slots.key`): a bot token overall, or one chat of it. `reserve` locks
the scopes' rows (in key order, so two processes never wait on each other crosswise), finds the
earliest time at or after `at` that keeps every rule of every scope, records it, and returns
it; the caller sleeps until then and sends. Rules are (count, window): no more than `count`
sends in any `window` seconds. Times are epoch seconds from the caller's wall clock (processes
on several hosts need synchronised clocks; the windows carry a small guard).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SendSlot

KEEP = 40  # recent sends kept per scope: more than any rule counts


@dataclass(frozen=True)
class Scope:
    """One row of pace and the rules a send in it keeps."""

    key: str
    rules: tuple[tuple[int, float], ...]


def earliest(recent: Sequence[float], rules: Sequence[tuple[int, float]], at: float) -> float:
    """The first time at or after `at` when one more send keeps every (count, window) rule,
    given the `recent` send times (oldest first)."""
    when = at
    for count, window in rules:
        if len(recent) >= count:
            when = max(when, recent[-count] + window)
    return when


async def reserve(
    session: AsyncSession, scopes: Sequence[Scope], at: float, now: datetime
) -> float:
    """Reserves one send in every scope; returns when it may go (see the module docstring).
    The caller commits."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    ordered = sorted(scopes, key=lambda s: s.key)
    for scope in ordered:
        await session.execute(
            insert(SendSlot)
            .values(key=scope.key, next_at=0.0, recent=[], updated_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    rows: dict[str, SendSlot] = {}
    for scope in ordered:
        row = await session.scalar(
            select(SendSlot)
            .where(SendSlot.key == scope.key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None
        rows[scope.key] = row
    when = at
    for scope in ordered:
        when = max(when, earliest(rows[scope.key].recent or [], scope.rules, at))
    for scope in ordered:
        row = rows[scope.key]
        row.recent = sorted([*(row.recent or []), when])[-KEEP:]
        row.next_at = row.recent[-1]
        row.updated_at = now
    return when


async def prune_slots(session: AsyncSession, before: datetime) -> int:
    """Deletes scopes not used since `before` (chats that went quiet); returns how many."""
    result = await session.execute(delete(SendSlot).where(SendSlot.updated_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
