"""`thidua demo`: a demo database with one real commune, and the shell as a village head.

The commune (Xã Lam Sơn, Thanh Hóa) comes from the official 2025 list; its villages, school and
people are made up for the demo.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

import directives
from bot.app import App, build
from bot.settings import Settings
from bot.units import import_units
from handlers.clock import Clock
from locales import _
from storage.access import add_unit, create_invite, unit_by_code
from storage.directives import activate, create_draft
from storage.migrate import upgrade_async
from storage.models import ChatBinding, Member
from storage.templates import load_default_templates

DEMO_DB = Path("./data/demo.db")
PROVINCE = "Thanh Hóa"
COMMUNE_CODE = "15544"
VILLAGES = (
    ("15544-T01", "Thôn Đồng Tâm"),
    ("15544-T02", "Thôn Tân Lập"),
    ("15544-T03", "Thôn Quyết Thắng"),
)
SCHOOL = ("15544-TH", "Trường Tiểu học Lam Sơn")
HEAD_CHAT = "truong-thon"
STAFF_CHAT = "can-bo"
SAMPLE_DIRECTIVE = Path(__file__).parent / "demo_data" / "sample_directive.txt"


@dataclass
class Seeded:
    invites: list[tuple[str, str, str]] = field(default_factory=list)


async def seed(session: AsyncSession, application: App) -> Seeded:
    """Units, two bound people (a village head and commune staff), the sample directive (active)
    and fresh invite codes."""
    now = application.clock.now()
    await import_units(session, now, PROVINCE)
    commune = await unit_by_code(session, COMMUNE_CODE)
    assert commune is not None
    villages = [await add_unit(session, c, n, "village", commune, now) for c, n in VILLAGES]
    school = await add_unit(session, *SCHOOL, "school", commune, now)
    head = Member(name="Hà Văn Tùng", role="village_head", unit_id=villages[0].id, created_at=now)
    staff = Member(name="Nguyễn Thị Hoa", role="staff", unit_id=commune.id, created_at=now)
    session.add_all([head, staff])
    await session.flush()
    for member, chat in ((head, HEAD_CHAT), (staff, STAFF_CHAT)):
        session.add(
            ChatBinding(member_id=member.id, channel="console", chat_id=chat, created_at=now)
        )
    await load_default_templates(session, now)
    sample = directives.parse_text(directives.extract_text(SAMPLE_DIRECTIVE))
    draft = await create_draft(session, commune, sample, now, SAMPLE_DIRECTIVE.name, staff.id)
    await activate(session, draft, now, staff.id)
    seeded = Seeded()
    for unit, role in [(v, "village_head") for v in villages[1:]] + [(school, "principal")]:
        code = await create_invite(session, unit, role, now, application.settings.invite_days)
        seeded.invites.append((_(f"role.{role}"), unit.name, code))
    return seeded


async def prepare(settings: Settings, existed: bool, clock: Clock) -> Seeded | None:
    """Migrates the demo database; seeds it and returns what was seeded unless it `existed`."""
    await upgrade_async(settings.database_url)
    if existed:
        return None
    application = build(settings, clock)
    try:
        async with application.sessions() as session, session.begin():
            return await seed(session, application)
    finally:
        await application.close()


def main(fresh: bool, clock: Clock) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{DEMO_DB}", files_dir=Path("./data/demo-files")
    )
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)
    seeded = asyncio.run(prepare(settings, DEMO_DB.exists(), clock))
    if seeded:
        typer.echo(_("demo.invites"))
        for role, unit, code in seeded.invites:
            typer.echo(f"  {role} – {unit}: {code}")
        typer.echo(_("demo.hint", head=HEAD_CHAT, staff=STAFF_CHAT))
    from bot.channels import console

    async def shell() -> None:
        application = build(settings, clock)
        try:
            await console.run(application.engine, HEAD_CHAT, jsonl=False)
        finally:
            await application.close()

    asyncio.run(shell())
