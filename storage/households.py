""" "Gia đình văn hóa" on its yearly cycle (Nghị định 86/2023/NĐ-CP), as functions a chat dialog
and a web page both call.

The village head sends the list of households agreed at the village meeting (bình xét before
25 November); the list is posted (công khai) for 10 days: the village's registered people are
told and may send a view (objection) through the bot, which goes to the commune's staff; a
printable notice goes to the village head for the bulletin board. When the posting is over,
staff record the chair's decision (number and date), or return the list with a reason.
Statuses: `posted`, `decided`, `returned`. Every change is audited; everyone concerned is told.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import _, use_locale
from storage.access import audit, subtree_ids
from storage.models import AREA_HEADS, HouseholdList, HouseholdObjection, Member, Unit
from storage.outbox import enqueue_to_member

POSTING_DAYS = 10
MEETING_BY = (11, 25)  # the village meeting agrees the list before 25 November
MAX_HOUSEHOLDS = 500


class ListRefused(ValueError):
    """The list is not at the step the action needs."""


def meeting_deadline(year: int) -> date:
    return date(year, *MEETING_BY)


async def list_of(session: AsyncSession, unit_id: int, year: int) -> HouseholdList | None:
    found: HouseholdList | None = await session.scalar(
        select(HouseholdList)
        .where(HouseholdList.unit_id == unit_id, HouseholdList.year == year)
        .with_for_update()
    )
    return found


async def _members_of(
    session: AsyncSession, unit_ids: Sequence[int], roles: Sequence[str]
) -> list[Member]:
    rows = await session.scalars(
        select(Member)
        .where(Member.unit_id.in_(unit_ids), Member.role.in_(roles), Member.active.is_(True))
        .order_by(Member.id)
    )
    return list(rows.all())


async def _staff_of(session: AsyncSession, unit: Unit) -> list[Member]:
    """Staff and admins of the village's commune (the units above it)."""
    ids: list[int] = []
    current = unit.parent_id
    while current is not None:
        ids.append(current)
        parent = await session.get(Unit, current)
        current = parent.parent_id if parent else None
    return await _members_of(session, ids, ("staff", "admin"))


async def _tell(
    session: AsyncSession,
    members: Sequence[Member],
    key: str,
    message: str,
    now: datetime,
    option: tuple[str, str] | None = None,
    **values: Any,
) -> None:
    """Tells each member in their language; `option` is (option id, message id of its label)."""
    for member in members:
        with use_locale(member.locale):
            text = _(message, **values)
            label = _(option[1]) if option else ""
        payload: dict[str, object] = {"text": text}
        if option:
            payload["options"] = [[option[0], label]]
        await enqueue_to_member(
            session, member.id, f"{key}:{member.id}", "households", payload, now, now
        )


async def post_list(
    session: AsyncSession,
    head: Member,
    village: Unit,
    year: int,
    meeting_on: date,
    households: Sequence[str],
    today: date,
    now: datetime,
    attendance: tuple[int, int] | None = None,
) -> HouseholdList:
    """Stores the village's list (a new one, or a returned one sent again) and posts it for
    10 days: the village's people and the commune's staff are told. `attendance`: (households
    present at the meeting, households of the unit), for the minutes."""
    if not households or len(households) > MAX_HOUSEHOLDS:
        raise ValueError("households")
    found = await list_of(session, village.id, year)
    if found is not None and found.status != "returned":
        raise ListRefused(found.status)
    if found is None:
        found = HouseholdList(unit_id=village.id, year=year, created_at=now)
        session.add(found)
    found.status = "posted"
    found.meeting_on = meeting_on
    found.meeting = {"present": attendance[0], "total": attendance[1]} if attendance else None
    found.households = list(households)
    found.posted_on, found.posting_until = today, today + timedelta(days=POSTING_DAYS)
    found.review_reason = None
    found.submitted_by, found.updated_at = head.id, now
    await session.flush()
    detail = {"households": len(households), "late": meeting_on > meeting_deadline(year)}
    await audit(session, now, head.id, "households.posted", "household_list", found.id, detail)
    people = [
        m
        for m in await _members_of(session, [village.id], ("reporter", *AREA_HEADS))
        if m.id != head.id
    ]
    shown = "\n".join(f"{i}. {name}" for i, name in enumerate(households[:30], 1))
    more = len(households) - 30
    values = {
        "village": village.name,
        "year": year,
        "count": len(households),
        "names": shown + (f"\n… (+{more})" if more > 0 else ""),
        "until": found.posting_until.strftime("%d/%m/%Y"),
    }
    key = f"gdvh:{found.id}:posted:{found.updated_at.isoformat()}"
    await _tell(
        session,
        people,
        key,
        "households.notify.posted",
        now,
        ("cmd:ykien", "households.opt.objection"),
        **values,
    )
    staff = await _staff_of(session, village)
    late = meeting_on > meeting_deadline(year)
    for member in staff:
        with use_locale(member.locale):
            note = _("households.late", date="25/11") if late else ""
        await _tell(
            session, [member], key, "households.notify.staff_posted", now, None, **values, late=note
        )
    return found


async def open_for_views(session: AsyncSession, unit_id: int, today: date) -> HouseholdList | None:
    """The village's list still in its posting window, or None."""
    found: HouseholdList | None = await session.scalar(
        select(HouseholdList).where(
            HouseholdList.unit_id == unit_id,
            HouseholdList.status == "posted",
            HouseholdList.posting_until >= today,
        )
    )
    return found


async def add_objection(
    session: AsyncSession, listed: HouseholdList, member: Member, text: str, now: datetime
) -> HouseholdObjection:
    """Stores a resident's view on the posted list and passes it to the commune's staff."""
    objection = HouseholdObjection(
        list_id=listed.id, member_id=member.id, text=text, created_at=now
    )
    session.add(objection)
    await session.flush()
    await audit(session, now, member.id, "households.objection", "household_list", listed.id)
    village = await session.get_one(Unit, listed.unit_id)
    staff = await _staff_of(session, village)
    await _tell(
        session,
        staff,
        f"gdvh:{listed.id}:objection:{objection.id}",
        "households.notify.objection",
        now,
        None,
        village=village.name,
        year=listed.year,
        name=member.name,
        text=text,
    )
    return objection


async def objections_of(
    session: AsyncSession, list_id: int
) -> list[tuple[HouseholdObjection, Member]]:
    rows = await session.execute(
        select(HouseholdObjection, Member)
        .join(Member, Member.id == HouseholdObjection.member_id)
        .where(HouseholdObjection.list_id == list_id)
        .order_by(HouseholdObjection.id)
    )
    return [(o, m) for o, m in rows.tuples().all()]


async def lists_in(
    session: AsyncSession, root_id: int, status: str
) -> list[tuple[HouseholdList, Unit, int]]:
    """Lists of the subtree in this status with their village and number of objections."""
    counted = (
        select(HouseholdObjection.list_id, func.count(HouseholdObjection.id).label("n"))
        .group_by(HouseholdObjection.list_id)
        .subquery()
    )
    rows = await session.execute(
        select(HouseholdList, Unit, func.coalesce(counted.c.n, 0))
        .join(Unit, Unit.id == HouseholdList.unit_id)
        .outerjoin(counted, counted.c.list_id == HouseholdList.id)
        .where(
            HouseholdList.unit_id.in_(await subtree_ids(session, root_id)),
            HouseholdList.status == status,
        )
        .order_by(HouseholdList.posting_until, HouseholdList.id)
    )
    return [(h, u, int(n)) for h, u, n in rows.tuples().all()]


async def decide_list(
    session: AsyncSession,
    listed: HouseholdList,
    actor: Member,
    number: str,
    on: date,
    today: date,
    now: datetime,
) -> None:
    """Records the chair's decision once the 10-day posting is over; the village is told."""
    if listed.status != "posted" or listed.posting_until is None:
        raise ListRefused(listed.status)
    if today <= listed.posting_until:
        raise ListRefused("posting")
    listed.status, listed.decision_number, listed.decision_date = "decided", number, on
    listed.updated_at = now
    detail = {"number": number, "date": on.isoformat()}
    await audit(session, now, actor.id, "households.decided", "household_list", listed.id, detail)
    village = await session.get_one(Unit, listed.unit_id)
    people = await _members_of(session, [village.id], ("reporter", *AREA_HEADS))
    await _tell(
        session,
        people,
        f"gdvh:{listed.id}:decided",
        "households.notify.decided",
        now,
        None,
        village=village.name,
        year=listed.year,
        count=len(listed.households),
        number=number,
        date=on.strftime("%d/%m/%Y"),
    )


async def return_list(
    session: AsyncSession, listed: HouseholdList, actor: Member, reason: str, now: datetime
) -> None:
    """Returns the posted list to the village head with a reason (to fix and send again)."""
    if listed.status != "posted" or not reason.strip():
        raise ListRefused(listed.status)
    listed.status, listed.review_reason, listed.updated_at = "returned", reason, now
    await audit(
        session,
        now,
        actor.id,
        "households.returned",
        "household_list",
        listed.id,
        {"reason": reason},
    )
    village = await session.get_one(Unit, listed.unit_id)
    heads = await _members_of(session, [village.id], AREA_HEADS)
    await _tell(
        session,
        heads,
        f"gdvh:{listed.id}:returned:{now.isoformat()}",
        "households.notify.returned",
        now,
        ("cmd:giadinhvanhoa", "households.menu"),
        village=village.name,
        year=listed.year,
        reason=reason,
    )
