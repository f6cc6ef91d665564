"""The nomination queue as staff filter it on the web page, and the history of one entity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import subtree_ids
from storage.digest import tree_ids
from storage.models import AuditEntry, Member, Nomination, Unit


@dataclass(frozen=True)
class Filters:
    """What the queue shows: one status, optionally one award, one unit (with its subtree)
    and a piece of the nominee's name."""

    status: str = "pending"
    award: str = ""
    unit_id: int | None = None
    text: str = ""


@dataclass(frozen=True)
class Queued:
    nomination: Nomination
    unit: Unit
    nominator: str


async def queue(
    session: AsyncSession, root_id: int, filters: Filters, offset: int, limit: int
) -> tuple[list[Queued], int]:
    """The nominations of `root_id`'s subtree that pass `filters`, oldest first, one page of
    them, and how many there are in all."""
    where = [
        Nomination.unit_id.in_(tree_ids(root_id)),
        Nomination.status == filters.status,
    ]
    if filters.unit_id is not None:
        where.append(Nomination.unit_id.in_(await subtree_ids(session, filters.unit_id)))
    if filters.award:
        where.append(Nomination.award == filters.award)
    if filters.text:
        pattern = f"%{filters.text}%"
        where.append(or_(Nomination.nominee.ilike(pattern), Nomination.position.ilike(pattern)))
    total = int(await session.scalar(select(func.count(Nomination.id)).where(*where)) or 0)
    rows = await session.execute(
        select(Nomination, Unit, Member.name)
        .join(Unit, Unit.id == Nomination.unit_id)
        .join(Member, Member.id == Nomination.nominator_id)
        .where(*where)
        .order_by(Nomination.created_at, Nomination.id)
        .offset(offset)
        .limit(limit)
    )
    return [Queued(n, u, name) for n, u, name in rows.tuples().all()], total


async def awards_in(session: AsyncSession, root_id: int) -> list[str]:
    """The award keys nominated anywhere in the subtree."""
    rows = await session.scalars(
        select(Nomination.award)
        .where(Nomination.unit_id.in_(tree_ids(root_id)))
        .distinct()
        .order_by(Nomination.award)
    )
    return list(rows.all())


async def history(
    session: AsyncSession, entity: str, entity_id: int
) -> Sequence[tuple[AuditEntry, str | None]]:
    """The audit rows of one entity with the actor's name, oldest first."""
    rows = await session.execute(
        select(AuditEntry, Member.name)
        .outerjoin(Member, Member.id == AuditEntry.actor_id)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return [(entry, name) for entry, name in rows.tuples().all()]
