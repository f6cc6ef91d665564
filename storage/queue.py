"""The nomination queue as staff filter it on the web page, and the history of one entity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import subtree_ids
from storage.digest import tree_ids
from storage.directives import fold
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
    chosen = select(Nomination, Unit, Member.name).join(Unit, Unit.id == Nomination.unit_id)
    chosen = chosen.join(Member, Member.id == Nomination.nominator_id)
    order = (Nomination.created_at, Nomination.id)
    if filters.text:
        named = await _named(session, where, fold(filters.text))
        total = len(named)
        chosen = chosen.where(Nomination.id.in_(named[offset : offset + limit]))
    else:
        total = int(await session.scalar(select(func.count(Nomination.id)).where(*where)) or 0)
        chosen = chosen.where(*where).offset(offset).limit(limit)
    rows = await session.execute(chosen.order_by(*order))
    return [Queued(n, u, name) for n, u, name in rows.tuples().all()], total


async def _named(session: AsyncSession, where: list[Any], folded: str) -> list[int]:
    """The ids among `where`, oldest first, whose nominee or position holds `folded`, compared
    without case or diacritics ("lo van" finds "Lò Văn"; neither database's LIKE does that for
    Vietnamese)."""
    rows = await session.execute(
        select(Nomination.id, Nomination.nominee, Nomination.position)
        .where(*where)
        .order_by(Nomination.created_at, Nomination.id)
    )
    return [i for i, name, position in rows.tuples().all() if folded in fold(f"{name} {position}")]


async def awards_in(session: AsyncSession, root_id: int) -> list[str]:
    """The award keys nominated anywhere in the subtree."""
    rows = await session.scalars(
        select(Nomination.award)
        .where(Nomination.unit_id.in_(tree_ids(root_id)))
        .distinct()
        .order_by(Nomination.award)
    )
    return list(rows.all())


async def units_in(session: AsyncSession, root_id: int) -> list[Unit]:
    """The units of the subtree that nominated anyone and the units just above them (a
    province's communes), by name: the queue's unit filter."""
    nominated = select(Nomination.unit_id).where(Nomination.unit_id.in_(tree_ids(root_id)))
    found = list((await session.scalars(select(Unit).where(Unit.id.in_(nominated)))).all())
    above = {u.parent_id for u in found if u.parent_id is not None} - {u.id for u in found}
    above.discard(root_id)
    if above:
        within = Unit.id.in_(tree_ids(root_id))
        found += (await session.scalars(select(Unit).where(Unit.id.in_(above), within))).all()
    return sorted(found, key=lambda u: (u.name, u.code))


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
