"""`thidua demo`: a demo database with one real commune, and the shell as a village head.

The commune (Xã Lam Sơn, Thanh Hóa) comes from the official 2025 list; its villages, its tổ dân
phố (a xã that took in a former thị trấn keeps them), school and people are made up for the
demo. It was set up three months before the demo's clock (`--now`), and the demo village head
filed every report since then but the newest one open: on 3 December the owed November report
comes first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer
from sqlalchemy.ext.asyncio import AsyncSession

import directives
from bot.app import App, build
from bot.settings import Settings
from bot.units import import_units
from handlers.clock import Clock, FixedClock
from locales import _
from locales.formats import datetime_label
from storage.access import add_unit, create_invite, unit_by_code
from storage.directives import activate, create_draft
from storage.migrate import upgrade_async
from storage.models import ChatBinding, Member, ReportTemplate, Unit
from storage.reports import filing_of, submit_report
from storage.templates import applicable

if TYPE_CHECKING:
    from bot.web.server import WebServer

DEMO_DB = Path("./data/demo.db")
PROVINCE = "Thanh Hóa"
COMMUNE_CODE = "15544"
VILLAGES = (
    ("15544-T01", "Thôn Đồng Tâm"),
    ("15544-T02", "Thôn Tân Lập"),
    ("15544-T03", "Thôn Quyết Thắng"),
)
GROUP = ("15544-TDP01", "Tổ dân phố số 1")
SCHOOL = ("15544-TH", "Trường Tiểu học Lam Sơn")
HEAD_CHAT = "truong-thon"
GROUP_CHAT = "to-truong"
STAFF_CHAT = "can-bo"
PRINCIPAL_CHAT = "hieu-truong"
SAMPLE_DIRECTIVE = Path(__file__).parent / "demo_data" / "sample_directive.txt"


@dataclass
class Seeded:
    invites: list[tuple[str, str, str]] = field(default_factory=list)


def set_up_day(now: datetime, tz: ZoneInfo) -> datetime:
    """The first day, 08:00 local, of the month three months before `now`'s."""
    local = now.astimezone(tz)
    first = (local.replace(day=1) - timedelta(days=62)).replace(day=1)
    return datetime.combine(first.date(), time(8, 0), tz)


def sample_answers(template: ReportTemplate) -> dict[str, Any]:
    """Plausible answers to every indicator of `template` that applies (no incident, so no
    details; optional texts and photos skipped; no tasks: those were not out yet)."""
    answers: dict[str, Any] = {}
    for item in template.indicators:
        kind = item["type"]
        if kind == "tasks" or not applicable(item, answers):
            continue
        if kind in ("integer", "percentage"):
            answers[item["key"]] = min(
                item["max"], max(item["min"], 95 if kind == "percentage" else 12)
            )
        elif kind == "yes_no":
            answers[item["key"]] = False
        elif kind == "choice":
            answers[item["key"]] = item["choices"][0]["key"]
        elif kind == "text" and item["required"]:
            answers[item["key"]] = "Đã thực hiện đầy đủ các nội dung theo kế hoạch."
        else:
            answers[item["key"]] = None
    return answers


async def file_history(
    session: AsyncSession, village: Unit, head: Member, now: datetime, tz: ZoneInfo, backlog: int
) -> None:
    """Files the village's reports of every period it owes but the newest, two days before each
    was due."""
    filing = await filing_of(session, village, now, tz, backlog)
    assert filing is not None
    for period in filing.owed[:-1]:
        due = datetime.combine(filing.schedule.due(period), time(16, 0), tz)
        answers = sample_answers(filing.template)
        when = due - timedelta(days=2)
        await submit_report(session, village, head, filing.template, period, answers, when, False)


async def seed(session: AsyncSession, application: App) -> Seeded:
    """Units and two bound people (a village head and commune staff) set up three months ago,
    the head's reports since then but the newest, the sample directive (active) and fresh invite
    codes."""
    now = application.clock.now()
    tz = ZoneInfo(application.settings.timezone)
    since = set_up_day(now, tz)
    await import_units(session, since, PROVINCE)
    commune = await unit_by_code(session, COMMUNE_CODE)
    assert commune is not None
    villages = [await add_unit(session, c, n, "village", commune, since) for c, n in VILLAGES]
    group = await add_unit(session, *GROUP, "resident_group", commune, since)
    school = await add_unit(session, *SCHOOL, "school", commune, since)
    head = Member(name="Hà Văn Tùng", role="village_head", unit_id=villages[0].id, created_at=since)
    leader = Member(name="Trịnh Văn Hải", role="group_leader", unit_id=group.id, created_at=since)
    staff = Member(name="Nguyễn Thị Hoa", role="staff", unit_id=commune.id, created_at=since)
    principal = Member(name="Lê Thị Hạnh", role="principal", unit_id=school.id, created_at=since)
    session.add_all([head, leader, staff, principal])
    await session.flush()
    chats = (
        (head, HEAD_CHAT),
        (leader, GROUP_CHAT),
        (staff, STAFF_CHAT),
        (principal, PRINCIPAL_CHAT),
    )
    for member, chat in chats:
        session.add(
            ChatBinding(member_id=member.id, channel="console", chat_id=chat, created_at=since)
        )
    backlog = application.settings.report_backlog_periods
    await file_history(session, villages[0], head, now, tz, backlog)
    await file_history(session, group, leader, now, tz, backlog)
    sample = directives.parse_text(directives.extract_text(SAMPLE_DIRECTIVE))
    draft = await create_draft(session, commune, sample, now, SAMPLE_DIRECTIVE.name, staff.id)
    await activate(session, draft, now, staff.id)
    await seed_nominations(session, commune, head, principal, staff, now)
    seeded = Seeded()
    for unit, role in [(v, "village_head") for v in villages[1:]]:
        code = await create_invite(session, unit, role, now, application.settings.invite_days)
        seeded.invites.append((_(f"role.{role}"), unit.name, code))
    return seeded


async def seed_nominations(
    session: AsyncSession,
    commune: Unit,
    head: Member,
    principal: Member,
    staff: Member,
    now: datetime,
) -> None:
    """Made-up nominations taken along the council's path: four passed by the council and decided
    by the chair (so /hoso has a dossier), one waiting to be checked."""
    from storage.council import Vote, chair_decision, check, record_meeting
    from storage.nominations import file_nomination

    local = now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    school_year = f"{local.year - 1}-{local.year}"
    teacher = {
        "kind": "individual",
        "nominee_kind": "can_bo",
        "nominee": "Nguyễn Thị Thu",
        "gender": "nu",
        "birth_year": 1986,
        "position": "Giáo viên lớp 4",
        "period": school_year,
        "movement": "Dạy tốt – học tốt",
    }
    filed: list[tuple[Member, dict[str, Any]]] = [
        (
            principal,
            teacher
            | {
                "award": "lao_dong_tien_tien",
                "achievement": "Hoàn thành tốt nhiệm vụ; giáo viên dạy giỏi cấp xã.",
            },
        ),
        (
            principal,
            teacher
            | {
                "award": "chien_si_thi_dua_co_so",
                "initiative": "“Dạy đọc hiểu qua trò chơi”, Hội đồng sáng kiến trường công nhận",
                "achievement": "Sáng kiến áp dụng toàn trường; 100% học sinh lớp "
                "chủ nhiệm hoàn thành chương trình.",
            },
        ),
        (
            principal,
            {
                "kind": "collective",
                "nominee_kind": "co_quan_don_vi",
                "nominee": "Tổ chuyên môn khối 4",
                "position": "Trường Tiểu học Lam Sơn",
                "period": school_year,
                "award": "tap_the_lao_dong_tien_tien",
                "movement": "Dạy tốt – học tốt",
                "achievement": "Cả tổ hoàn thành tốt nhiệm vụ năm học; 2 giáo viên dạy giỏi.",
            },
        ),
        (
            head,
            {
                "kind": "individual",
                "nominee_kind": "nguoi_dan",
                "nominee": "Hà Văn Bình",
                "gender": "nam",
                "birth_year": 1968,
                "position": "Nông dân, thôn Đồng Tâm",
                "period": str(local.year),
                "award": "giay_khen_chu_tich_xa",
                "achievement_type": "dot_xuat",
                "movement": "Người tốt, việc tốt",
                "achievement": "Hiến 200 m2 đất làm đường liên thôn, vận động 5 hộ cùng làm.",
            },
        ),
    ]
    nominations = [await file_nomination(session, who, fields, [], now) for who, fields in filed]
    for nomination in nominations:
        await check(session, nomination, staff, now)
    yesterday = local.date() - timedelta(days=1)
    votes = [Vote(n.id, v, 9 - v) for n, v in zip(nominations, (9, 8, 9, 7), strict=True)]
    await record_meeting(session, commune, staff, now, yesterday, 9, 9, votes)
    await chair_decision(session, nominations, staff, now, "15/QĐ-UBND", local.date())
    await file_nomination(
        session,
        head,
        {
            "kind": "individual",
            "nominee_kind": "nguoi_dan",
            "nominee": "Lò Thị Mai",
            "gender": "nu",
            "birth_year": 1990,
            "position": "Chi hội trưởng phụ nữ thôn Đồng Tâm",
            "period": str(local.year),
            "award": "nguoi_tot_viec_tot",
            "movement": "Người tốt, việc tốt",
            "achievement": "Tổ chức quyên góp giúp 3 hộ nghèo sửa nhà trước mùa mưa bão.",
        },
        [],
        now,
    )


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
    if isinstance(clock, FixedClock):
        at = datetime_label(clock.now(), ZoneInfo(settings.timezone))
        typer.echo(_("demo.clock", at=at))
    if seeded:
        typer.echo(_("demo.invites"))
        for role, unit, code in seeded.invites:
            typer.echo(f"  {role} – {unit}: {code}")
        now = f" --now {clock.now().isoformat()}" if isinstance(clock, FixedClock) else ""
        typer.echo(
            _(
                "demo.hint",
                head=HEAD_CHAT,
                group=GROUP_CHAT,
                staff=STAFF_CHAT,
                principal=PRINCIPAL_CHAT,
                now=now,
            )
        )
    from bot.channels import console

    async def shell() -> None:
        application = build(settings, clock)
        web = await open_web(application)
        try:
            await console.run(application.engine, HEAD_CHAT, jsonl=False)
        finally:
            if web is not None:
                await web.stop()
            await application.close()

    asyncio.run(shell())


async def open_web(application: App) -> WebServer | None:
    """Serves the staff web page while the shell runs and prints its address and a sign-in link
    for the demo's staff member (or, when the port is taken, how to open it separately)."""
    from bot.web.server import start_web
    from handlers.weblink import page_url, sign_in_url
    from storage.access import member_for_chat
    from storage.webauth import create_link

    settings = application.settings
    async with application.sessions() as session, session.begin():
        found = await member_for_chat(session, "console", STAFF_CHAT)
        assert found is not None
        staff = found[0]
        minutes = settings.web_link_minutes
        token = await create_link(session, staff, application.clock.now(), minutes, None)
    web: WebServer | None
    try:
        web = await start_web(application)
    except OSError:
        typer.echo(_("demo.web_busy", port=settings.web_port, member=staff.id))
        return None
    link = sign_in_url(settings, token)
    typer.echo(
        _("demo.web", name=staff.name, address=page_url(settings), minutes=minutes, link=link)
    )
    return web
