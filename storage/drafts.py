"""Drafts: a member's half-filled form kept apart from the chat, so it survives another command,
a restart and a change of phone (`drafts` table, one row per member, flow and key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Draft


async def save_draft(
    session: AsyncSession,
    member_id: int,
    flow: str,
    key: str,
    state: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """Keeps the form at `state` with `data` (replacing what was kept under the same key)."""
    draft = await get_draft(session, member_id, flow, key)
    if draft is None:
        draft = Draft(member_id=member_id, flow=flow, key=key)
        session.add(draft)
    draft.state, draft.data, draft.updated_at = state, dict(data), now
    await session.flush()


async def get_draft(session: AsyncSession, member_id: int, flow: str, key: str) -> Draft | None:
    found: Draft | None = await session.scalar(
        select(Draft).where(Draft.member_id == member_id, Draft.flow == flow, Draft.key == key)
    )
    return found


async def drafts_of(session: AsyncSession, member_id: int, flow: str | None = None) -> list[Draft]:
    """The member's drafts (of one flow when given), the most recently touched first."""
    query = select(Draft).where(Draft.member_id == member_id)
    if flow is not None:
        query = query.where(Draft.flow == flow)
    rows = await session.scalars(query.order_by(Draft.updated_at.desc(), Draft.id.desc()))
    return list(rows.all())


async def drop_draft(session: AsyncSession, member_id: int, flow: str, key: str) -> None:
    """Forgets the draft (nothing happens when there is none)."""
    await session.execute(
        delete(Draft).where(Draft.member_id == member_id, Draft.flow == flow, Draft.key == key)
    )
