"""Nominations for commendation: the awards catalogue, filing, review and listing.

Statuses: `pending` (filed or resubmitted), `approved`, `rejected`, `returned` (for more
information; the nominator may edit and resubmit it). Every status change adds an audit row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import current, gettext
from storage.models import AuditEntry, Member, Nomination, Unit

KINDS = ("individual", "collective")
STATUSES = ("pending", "approved", "rejected", "returned")
DECISIONS = ("approved", "rejected", "returned")
AWARDS_DIR = Path(__file__).parent / "data" / "awards"
ACHIEVEMENT_MAX = 1500


@dataclass(frozen=True)
class Award:
    key: str
    label_vi: str
    label_en: str
    kinds: tuple[str, ...]

    @property
    def label(self) -> str:
        """The label in the current locale."""
        return self.label_en if current() == "en" else self.label_vi


@cache
def _catalogue_file(path: Path) -> tuple[Award, ...]:
    doc = yaml.safe_load(path.read_text("utf-8")) or {}
    return tuple(
        Award(
            str(a["key"]),
            str(a["label_vi"]),
            str(a.get("label_en") or a["label_vi"]),
            tuple(str(k) for k in a.get("kinds", KINDS)),
        )
        for a in doc.get("awards", [])
    )


def catalogue(province_code: str | None = None) -> tuple[Award, ...]:
    """The awards of the province (its own file when there is one), else the default list."""
    if province_code:
        own = AWARDS_DIR / f"{province_code}.yaml"
        if own.is_file():
            return _catalogue_file(own)
    return _catalogue_file(AWARDS_DIR / "default.yaml")


def awards_for(kind: str, province_code: str | None = None) -> list[Award]:
    return [a for a in catalogue(province_code) if kind in a.kinds]


def status_label(status: str) -> str:
    """A nomination status in words, in the current locale (its code when no text exists for
    it yet, so a status added later still shows)."""
    key = f"nominate.status.{status}"
    text = gettext(key)
    return status if text == key else text


def award_label(key: str, province_code: str | None = None) -> str:
    """The award's label in the current locale; the key itself when it left the catalogue."""
    for award in catalogue(province_code):
        if award.key == key:
            return award.label
    for award in catalogue(None):
        if award.key == key:
            return award.label
    return key


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


FIELDS = ("kind", "nominee", "position", "birth_year", "award", "movement", "achievement")


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
        kind=fields["kind"],
        nominee=fields["nominee"],
        position=fields.get("position") or "",
        birth_year=fields.get("birth_year"),
        award=fields["award"],
        movement=fields.get("movement") or "",
        achievement=fields["achievement"],
        file_ids=list(file_ids),
        status="pending",
        created_at=now,
        updated_at=now,
    )
    session.add(nomination)
    await session.flush()
    await record(session, now, member.id, "nomination.filed", nomination)
    return nomination


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
    nomination.nominee = fields["nominee"]
    nomination.position = fields.get("position") or ""
    nomination.birth_year = fields.get("birth_year")
    nomination.award = fields["award"]
    nomination.movement = fields.get("movement") or ""
    nomination.achievement = fields["achievement"]
    nomination.file_ids = list(file_ids)
    nomination.status = "pending"
    nomination.updated_at = now
    await record(session, now, member.id, "nomination.resubmitted", nomination)


async def decide(
    session: AsyncSession,
    nomination: Nomination,
    reviewer: Member,
    status: str,
    reason: str | None,
    now: datetime,
) -> int:
    """Records a review decision (approved / rejected / returned); returns the audit row id."""
    if status not in DECISIONS:
        raise ValueError(status)
    nomination.status = status
    nomination.review_reason = reason
    nomination.reviewed_by, nomination.reviewed_at = reviewer.id, now
    nomination.updated_at = now
    return await record(
        session, now, reviewer.id, f"nomination.{status}", nomination, {"reason": reason}
    )


async def pending_in(
    session: AsyncSession, unit_ids: Sequence[int], limit: int = 20
) -> Sequence[tuple[Nomination, Unit]]:
    """Pending nominations of these units with their unit, oldest first."""
    rows = await session.execute(
        select(Nomination, Unit)
        .join(Unit, Unit.id == Nomination.unit_id)
        .where(Nomination.status == "pending", Nomination.unit_id.in_(unit_ids))
        .order_by(Nomination.created_at, Nomination.id)
        .limit(limit)
    )
    return [(n, u) for n, u in rows.all()]


async def count_pending_in(session: AsyncSession, unit_ids: Sequence[int]) -> int:
    from sqlalchemy import func

    count = await session.scalar(
        select(func.count(Nomination.id)).where(
            Nomination.status == "pending", Nomination.unit_id.in_(unit_ids)
        )
    )
    return int(count or 0)


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
    session: AsyncSession, status: str | None = None
) -> list[dict[str, Any]]:
    """Every nomination (of one status when given) as the CLI's JSON objects, oldest first."""
    query = (
        select(Nomination, Member, Unit)
        .join(Member, Member.id == Nomination.nominator_id)
        .join(Unit, Unit.id == Nomination.unit_id)
        .order_by(Nomination.id)
    )
    if status:
        query = query.where(Nomination.status == status)
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
                "position": nomination.position,
                "birth_year": nomination.birth_year,
                "movement": nomination.movement,
                "achievement": nomination.achievement,
                "created_at": nomination.created_at.isoformat(),
                "updated_at": nomination.updated_at.isoformat(),
                "review_reason": nomination.review_reason,
            }
        )
    return out
