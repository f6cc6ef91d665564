"""Loading the real administrative units (2025: provinces and communes) from `vietnam-provinces`.

A commune of the two-level government is a xã, a phường or a đặc khu; all three are units of
kind "commune" (their staff, council and chair work alike). What lies under them is not in the
official list: thôn (`village`) are added under a xã, tổ dân phố (`resident_group`) under a
phường (or a xã that has them), with `thidua units add`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from vietnam_provinces import Province, Ward

from handlers.text import fold
from storage.models import Unit

# the official division types, as people write them
DIVISIONS = {"XA": "xã", "PHUONG": "phường", "DAC_KHU": "đặc khu"}


@dataclass
class Imported:
    """What an import touched: provinces, and communes by division type (xã, phường, đặc khu)."""

    provinces: int = 0
    divisions: Counter[str] = field(default_factory=Counter)

    @property
    def communes(self) -> int:
        return sum(self.divisions.values())

    def line(self) -> str:
        """"1 provinces, 166 communes (147 xã, 19 phường)"."""
        parts = ", ".join(f"{n} {name}" for name, n in self.divisions.items() if n)
        return f"{self.provinces} provinces, {self.communes} communes" + (
            f" ({parts})" if parts else ""
        )


async def import_units(
    session: AsyncSession, now: datetime, province: str | None = None
) -> Imported:
    """Adds or renames provinces and their communes (xã, phường, đặc khu), keyed by official
    code. `province` limits it to provinces whose name matches (diacritics aside, "thanh hoa"
    works). Returns what was touched."""
    wanted = fold(province) if province else None
    existing = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    done = Imported(divisions=Counter({name: 0 for name in DIVISIONS.values()}))
    for p in Province.iter_all():
        if wanted and wanted not in (
            fold(p.name),
            fold(_province_name(p)),
            p.codename.replace("_", " "),
        ):
            continue
        parent = _upsert(
            session, existing, str(int(p.code)), _province_name(p), "province", None, now
        )
        await session.flush()
        done.provinces += 1
        for w in Ward.iter_by_province(p.code):
            _upsert(session, existing, str(int(w.code)), w.name, "commune", parent.id, now)
            division = str(getattr(w.division_type, "name", w.division_type))
            done.divisions[DIVISIONS.get(division, division.lower())] += 1
    return done


def _province_name(p: Province) -> str:
    """ "Tỉnh Thanh Hóa", "Thành phố Hà Nội" (the package names cities in full already)."""
    return p.name if p.name.startswith("Thành phố") else f"Tỉnh {p.name}"


def _upsert(
    session: AsyncSession,
    existing: dict[str, Unit],
    code: str,
    name: str,
    kind: str,
    parent_id: int | None,
    now: datetime,
) -> Unit:
    unit = existing.get(code)
    if unit is None:
        unit = existing[code] = Unit(code=code, created_at=now)
        session.add(unit)
    unit.name, unit.kind, unit.parent_id = name, kind, parent_id
    return unit
