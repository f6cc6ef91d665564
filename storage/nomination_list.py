"""The official list of nominations the council passed, as the tờ trình and the Excel list
both show it: one `Row` per nomination (name, birth year, gender, position and unit, award,
achievement, votes), grouped by award in the catalogue's order. No document library here: the
dossier (`storage.dossier`) renders it as .docx, the digest's workbook (`storage.export`) as a
sheet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import subtree_ids
from storage.awards import Catalogue, catalogue
from storage.models import CouncilMeeting, Nomination, Unit
from storage.nominations import province_of

# what the council passed (and the chair decided, or the commune proposed upward)
LISTED = ("passed", "decided", "forwarded")
_PREFIXES = ("Xã ", "Phường ", "Đặc khu ", "Thị trấn ")


@dataclass(frozen=True)
class Row:
    nominee: str
    birth_year: int | None
    gender: str | None
    position: str
    unit: str
    award_key: str
    award: str
    achievement: str
    scope: str
    initiative: str | None
    prior_title: str | None
    votes_for: int | None
    votes_against: int | None
    upward: bool
    award_kind: str = "title"

    @property
    def position_unit(self) -> str:
        """ "Giáo viên lớp 4 – Trường Tiểu học Lam Sơn"; the unit left out when the position
        names it already ("Nông dân, thôn Đồng Tâm")."""
        position = self.position.strip()
        if position and self.unit.casefold() in position.casefold():
            return position
        return " – ".join(p for p in (position, self.unit) if p)


@dataclass(frozen=True)
class Meeting:
    held_on: date
    members: int
    present: int


@dataclass
class Dossier:
    commune: str
    year: int
    rows: list[Row] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def place(self) -> str:
        """The địa danh: the commune's name without "Xã", "Phường", "Đặc khu"."""
        for prefix in _PREFIXES:
            if self.commune.startswith(prefix):
                return self.commune[len(prefix) :]
        return self.commune

    def groups(self) -> list[tuple[str, list[Row]]]:
        """The rows grouped by award, in the catalogue's order of first appearance."""
        return grouped(self.rows)


def grouped(rows: Iterable[Row]) -> list[tuple[str, list[Row]]]:
    """Rows grouped by award (its label), in the order the awards first appear."""
    out: dict[str, list[Row]] = {}
    for row in rows:
        out.setdefault(row.award, []).append(row)
    return list(out.items())


def in_round(period: str, year: int) -> bool:
    """True when a nomination's year or school year belongs to the dossier's year: the year
    itself, or the school year that ends in it."""
    return period == str(year) or period == f"{year - 1}-{year}"


def row_of(nomination: Nomination, unit: Unit, cat: Catalogue) -> Row:
    """One nomination as the official list shows it (the award's Vietnamese label)."""
    award = cat.award(nomination.award)
    kind = cat.kind(nomination.nominee_kind)
    return Row(
        nominee=nomination.nominee,
        birth_year=nomination.birth_year,
        gender=nomination.gender,
        position=nomination.position,
        unit=unit.name,
        award_key=nomination.award,
        award=award.label_vi if award else nomination.award,
        achievement=nomination.achievement,
        scope=kind.scope if kind else nomination.kind,
        initiative=nomination.initiative,
        prior_title=nomination.prior_title,
        votes_for=nomination.votes_for,
        votes_against=nomination.votes_against,
        upward=cat.upward(nomination.award),
        award_kind=award.kind if award else "form",
    )


async def passed(
    session: AsyncSession, root: Unit, year: int | None = None
) -> list[tuple[Nomination, Row]]:
    """What the council passed in the root's subtree (for `year` only when given: the year
    itself or the school year ending in it), by award in the catalogue's order, then as filed."""
    units = await subtree_ids(session, root.id)
    found = await session.execute(
        select(Nomination, Unit)
        .join(Unit, Unit.id == Nomination.unit_id)
        .where(Nomination.unit_id.in_(units), Nomination.status.in_(LISTED))
        .order_by(Nomination.id)
    )
    cat = catalogue(await province_of(session, root.id))
    order = {a.key: i for i, a in enumerate(cat.awards)}
    picked = [
        (n, u) for n, u in found.tuples().all() if year is None or in_round(n.period, year)
    ]
    picked.sort(key=lambda pair: (order.get(pair[0].award, len(order)), pair[0].id))
    return [(n, row_of(n, u, cat)) for n, u in picked]


async def gather(session: AsyncSession, unit: Unit, year: int) -> Dossier:
    """The nominations of the unit's subtree the council passed for `year`, with their meetings."""
    dossier = Dossier(unit.name, year)
    meeting_ids: set[int] = set()
    for nomination, row in await passed(session, unit, year):
        dossier.rows.append(row)
        if nomination.meeting_id:
            meeting_ids.add(nomination.meeting_id)
    if meeting_ids:
        meetings = await session.scalars(
            select(CouncilMeeting)
            .where(CouncilMeeting.id.in_(meeting_ids))
            .order_by(CouncilMeeting.held_on)
        )
        dossier.meetings = [Meeting(m.held_on, m.members, m.present) for m in meetings]
    return dossier


