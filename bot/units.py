"""Loading the real administrative units (2025: provinces and communes) from `vietnam-provinces`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from vietnam_provinces import Province, Ward

from handlers.text import fold
from storage.models import Unit


async def import_units(
    session: AsyncSession, now: datetime, province: str | None = None
) -> tuple[int, int]:
    """Adds or renames provinces and their communes, keyed by official code.

    `province` limits it to provinces whose name matches (diacritics aside, "thanh hoa" works).
    Returns (provinces, communes) touched.
    """
    wanted = fold(province) if province else None
    existing = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    provinces = communes = 0
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
        provinces += 1
        for w in Ward.iter_by_province(p.code):
            _upsert(session, existing, str(int(w.code)), w.name, "commune", parent.id, now)
            communes += 1
    return provinces, communes


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
