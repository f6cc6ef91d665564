"""Nominations for commendation: filing, the rules that can be checked, listing.

Statuses follow the council's path (storage.council): `pending` (proposed by a village or school),
`checked` (by the commune's emulation officer), `passed` (by the Hội đồng Thi đua – Khen
thưởng), then `decided` (the commune chair's decision) or `forwarded` (proposed upward to the
province); `returned` (for more information; the nominator may edit and resubmit) or `rejected`
at any step.
Every status change adds an audit row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import gettext
from storage.awards import Award, award_label, catalogue
from storage.models import AuditEntry, Member, Nomination, Unit

SCOPES = ("individual", "household", "collective")
STATUSES = ("pending", "checked", "passed", "decided", "forwarded", "returned", "rejected")
OPEN_STATUSES = ("pending", "checked", "passed")
ACHIEVEMENT_MAX = 1500

__all__ = ["ACHIEVEMENT_MAX", "STATUSES", "award_label", "catalogue"]


async def province_of(session: AsyncSession, unit_id: int) -> str | None:
    """The code of the province above (or at) the unit, or None."""
    current_id: int | None = unit_id
    for _ in range(16):
        if current_id is None:
            return None
        unit = await session.get(Unit, current_id)
        if unit is None:
            return None
        if unit.kind == "province":
            return unit.code
        current_id = unit.parent_id
    return None


async def record(
    session: AsyncSession,
    now: datetime,
    actor_id: int,
    action: str,
    nomination: Nomination,
    detail: dict[str, Any] | None = None,
) -> int:
    """Adds the audit row of a status change and returns its id."""
    entry = AuditEntry(
        at=now,
        actor_id=actor_id,
        action=action,
        entity="nomination",
        entity_id=nomination.id,
        detail={"status": nomination.status} | (detail or {}),
    )
    session.add(entry)
    await session.flush()
    return entry.id


FIELDS = (
    "kind",
    "nominee_kind",
    "nominee",
    "gender",
    "birth_year",
    "position",
    "period",
    "award",
    "achievement_type",
    "prior_title",
    "initiative",
    "movement",
    "achievement",
)


def status_label(status: str) -> str:
    """A nomination status in words, in the current locale (its code when no text exists for
    it yet, so a status added later still shows)."""
    key = f"nominate.status.{status}"
    text = gettext(key)
    return status if text == key else text


def _apply(nomination: Nomination, fields: dict[str, Any]) -> None:
    nomination.kind = str(fields["kind"])
    nomination.nominee_kind = str(fields["nominee_kind"])
    nomination.nominee = str(fields["nominee"])
    nomination.gender = fields.get("gender")
    nomination.birth_year = fields.get("birth_year")
    nomination.position = fields.get("position") or ""
    nomination.period = str(fields["period"])
    nomination.award = str(fields["award"])
    nomination.achievement_type = fields.get("achievement_type") or "thuong_xuyen"
    nomination.prior_title = fields.get("prior_title")
    nomination.initiative = fields.get("initiative")
    nomination.movement = fields.get("movement") or ""
    nomination.achievement = str(fields["achievement"])


async def file_nomination(
    session: AsyncSession,
    member: Member,
    fields: dict[str, Any],
    file_ids: list[int],
    now: datetime,
) -> Nomination:
    """Stores a new pending nomination for the member's unit, with its audit row."""
    nomination = Nomination(
        nominator_id=member.id,
        unit_id=member.unit_id,
        file_ids=list(file_ids),
        status="pending",
        created_at=now,
        updated_at=now,
    )
    _apply(nomination, fields)
    session.add(nomination)
    await session.flush()
    await record(session, now, member.id, "nomination.filed", nomination)
    return nomination


def _same_person(name: str) -> str:
    return " ".join(name.split()).casefold()


async def _same_round(
    session: AsyncSession, unit_id: int, period: str, award: str, exclude: int | None
) -> Sequence[Nomination]:
    """The unit's live nominations of the round for this award (rejected ones aside)."""
    query = select(Nomination).where(
        Nomination.unit_id == unit_id,
        Nomination.period == period,
        Nomination.award == award,
        Nomination.status != "rejected",
    )
    if exclude is not None:
        query = query.where(Nomination.id != exclude)
    return (await session.scalars(query)).all()


async def rule_problems(
    session: AsyncSession,
    unit_id: int,
    fields: dict[str, Any],
    province_code: str | None,
    exclude: int | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """What the catalogue's checkable conditions refuse, as (message id, placeholders).

    Checked: the award fits the nominee kind; a prior title of the same round (a live nomination
    of the same person in the unit for it, or a decision number given for an earlier one); an
    initiative where one is needed; the province's ratio cap against the prior title.
    """
    cat = catalogue(province_code)
    award = cat.award(str(fields.get("award")))
    if award is None or award not in cat.offered(str(fields.get("nominee_kind"))):
        return [("nominate.rule.not_for_kind", {})]
    problems: list[tuple[str, dict[str, Any]]] = []
    prior = award.condition("prior")
    if prior is not None and prior.award and not fields.get("prior_title"):
        person = _same_person(str(fields.get("nominee", "")))
        same = [
            n
            for n in await _same_round(
                session, unit_id, str(fields["period"]), prior.award, exclude
            )
            if _same_person(n.nominee) == person
            and (fields.get("birth_year") is None or n.birth_year in (None, fields["birth_year"]))
        ]
        if not same:
            problems.append(
                ("nominate.rule.prior", {"title": award_label(prior.award, province_code)})
            )
    if award.condition("initiative") is not None and not (fields.get("initiative") or "").strip():
        problems.append(("nominate.rule.initiative", {}))
    cap = cat.cap(award.key)
    if cap is not None:
        base = len(await _same_round(session, unit_id, str(fields["period"]), cap.of, None))
        taken = len(await _same_round(session, unit_id, str(fields["period"]), award.key, exclude))
        allowed = base * cap.max_percent // 100
        if taken + 1 > allowed:
            problems.append(
                (
                    "nominate.rule.ratio",
                    {
                        "percent": cap.max_percent,
                        "title": award_label(cap.of, province_code),
                        "base": base,
                        "allowed": allowed,
                    },
                )
            )
    return problems


def to_verify(award: Award) -> list[str]:
    """The conditions staff must still verify by hand for this award (current locale)."""
    return [c.text for c in award.conditions if c.check in ("staff", "prior", "initiative")]


async def own_returned(
    session: AsyncSession, member: Member, nomination_id: int
) -> Nomination | None:
    """The member's own returned nomination of their unit with this id (locked), or None."""
    found: Nomination | None = await session.scalar(
        select(Nomination)
        .where(
            Nomination.id == nomination_id,
            Nomination.nominator_id == member.id,
            Nomination.unit_id == member.unit_id,
            Nomination.status == "returned",
        )
        .with_for_update()
    )
    return found


async def resubmit(
    session: AsyncSession,
    nomination: Nomination,
    member: Member,
    fields: dict[str, Any],
    file_ids: list[int],
    now: datetime,
) -> None:
    """Updates a returned nomination with the edited fields and makes it pending again."""
    _apply(nomination, fields)
    nomination.file_ids = list(file_ids)
    nomination.status = "pending"
    nomination.updated_at = now
    await record(session, now, member.id, "nomination.resubmitted", nomination)


async def in_status(
    session: AsyncSession, unit_ids: Sequence[int], status: str, limit: int | None = 20
) -> Sequence[tuple[Nomination, Unit]]:
    """Nominations of these units in this status with their unit, oldest first."""
    query = (
        select(Nomination, Unit)
        .join(Unit, Unit.id == Nomination.unit_id)
        .where(Nomination.status == status, Nomination.unit_id.in_(unit_ids))
        .order_by(Nomination.created_at, Nomination.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [(n, u) for n, u in (await session.execute(query)).all()]


async def count_by_status(session: AsyncSession, unit_ids: Sequence[int]) -> dict[str, int]:
    """How many nominations of these units are in each status (every status present)."""
    rows = await session.execute(
        select(Nomination.status, func.count(Nomination.id))
        .where(Nomination.unit_id.in_(unit_ids))
        .group_by(Nomination.status)
    )
    counts = {status: 0 for status in STATUSES}
    counts.update({status: int(n) for status, n in rows.tuples().all()})
    return counts


async def pending_in(
    session: AsyncSession, unit_ids: Sequence[int], limit: int = 20
) -> Sequence[tuple[Nomination, Unit]]:
    """Pending nominations of these units with their unit, oldest first."""
    return await in_status(session, unit_ids, "pending", limit)


async def count_pending_in(session: AsyncSession, unit_ids: Sequence[int]) -> int:
    """How many nominations of these units wait for a step of the council's path."""
    counts = await count_by_status(session, unit_ids)
    return sum(counts[s] for s in OPEN_STATUSES)


async def of_nominator(session: AsyncSession, member_id: int) -> Sequence[Nomination]:
    """The member's nominations, newest first."""
    rows = await session.scalars(
        select(Nomination)
        .where(Nomination.nominator_id == member_id)
        .order_by(Nomination.created_at.desc(), Nomination.id.desc())
    )
    return rows.all()


async def returned_of(session: AsyncSession, member: Member) -> Sequence[Nomination]:
    """The member's returned nominations (of their current unit), newest first."""
    rows = await session.scalars(
        select(Nomination)
        .where(
            Nomination.nominator_id == member.id,
            Nomination.unit_id == member.unit_id,
            Nomination.status == "returned",
        )
        .order_by(Nomination.updated_at.desc(), Nomination.id.desc())
    )
    return rows.all()


async def list_nominations(
    session: AsyncSession, status: str | None = None, within: int | None = None
) -> list[dict[str, Any]]:
    """Every nomination (of one status when given; of the subtree of unit `within` when given)
    as the CLI's JSON objects, oldest first."""
    query = (
        select(Nomination, Member, Unit)
        .join(Member, Member.id == Nomination.nominator_id)
        .join(Unit, Unit.id == Nomination.unit_id)
        .order_by(Nomination.id)
    )
    if status:
        query = query.where(Nomination.status == status)
    if within is not None:
        from storage.digest import tree_ids

        query = query.where(Nomination.unit_id.in_(tree_ids(within)))
    out = []
    for nomination, member, unit in (await session.execute(query)).all():
        out.append(
            {
                "id": nomination.id,
                "nominee": nomination.nominee,
                "kind": nomination.kind,
                "award": award_label(nomination.award),
                "award_key": nomination.award,
                "status": nomination.status,
                "nominator": member.name,
                "unit": unit.code,
                "nominee_kind": nomination.nominee_kind,
                "gender": nomination.gender,
                "position": nomination.position,
                "birth_year": nomination.birth_year,
                "period": nomination.period,
                "achievement_type": nomination.achievement_type,
                "prior_title": nomination.prior_title,
                "initiative": nomination.initiative,
                "votes_for": nomination.votes_for,
                "votes_against": nomination.votes_against,
                "decision_number": nomination.decision_number,
                "decision_date": (
                    nomination.decision_date.isoformat() if nomination.decision_date else None
                ),
                "movement": nomination.movement,
                "achievement": nomination.achievement,
                "created_at": nomination.created_at.isoformat(),
                "updated_at": nomination.updated_at.isoformat(),
                "review_reason": nomination.review_reason,
            }
        )
    return out
