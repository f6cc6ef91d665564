"""Reporting periods as a commune runs them: the oldest owed period first, a month picked by name,
nothing before it opens, the school year; /trangthai, reminders, the digest and `reports list`
agree with what the bot lets a person file."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from bot.app import App
from handlers.clock import FixedClock
from storage.digest import build_digest, focus_period
from storage.models import OutboxMessage, Report, Unit
from storage.reminders import plan
from storage.reports import list_reports
from tests.factories import VILLAGE_ANSWERS, World, dialog, options, texts
from tests.test_dispatcher import local

SET_UP = datetime(2026, 9, 1, tzinfo=UTC)
DEC_3 = local(2026, 12, 3, 9, 0)


async def set_up_in_september(app: App) -> None:
    async with app.sessions() as session, session.begin():
        await session.execute(update(Unit).values(created_at=SET_UP))


async def file(app: App, chat: str, *, late: bool = False) -> None:
    """Files the report the bot opens for `chat` (the village template), skipping what it can."""
    answers = [*VILLAGE_ANSWERS, "1"]
    await dialog(app.engine, chat, [("bao cao", "Câu 1/11")] + [(a, "") for a in answers])


async def periods_of(app: App, unit: Unit) -> dict[str, str]:
    async with app.sessions() as session:
        rows = await session.scalars(select(Report).where(Report.unit_id == unit.id))
        return {r.period: r.status for r in rows}


async def test_on_3_december_the_owed_november_comes_first(app: App, world: World) -> None:
    await set_up_in_september(app)
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(local(2026, 10, 20, 9, 0))
    await file(app, "head1")  # September is owed (late); October comes next
    clock.set(DEC_3)
    await dialog(
        app.engine,
        "head1",
        [
            (
                "bao cao",
                [
                    "Báo cáo tháng 10/2026 – Thôn Đông",
                    "Đã quá hạn nộp (25/10/2026)",
                    "còn báo cáo tháng 11/2026 chưa gửi",
                ],
            )
        ],
    )
    await dialog(app.engine, "head1", [("/huy", "")])
    assert await periods_of(app, world.villages[0]) == {"2026-09": "late"}


async def test_a_month_is_picked_by_name_never_one_not_open(app: App, world: World) -> None:
    await set_up_in_september(app)
    app.clock.set(DEC_3)  # type: ignore[attr-defined]
    out = await dialog(
        app.engine,
        "head2",
        [
            ("bao cao thang 12", ["Báo cáo tháng 12/2026 chưa mở", "từ ngày 15/12/2026"]),
        ],
    )
    assert options(out) == [
        "Báo cáo tháng 09/2026 (chưa gửi)",
        "Báo cáo tháng 10/2026 (chưa gửi)",
        "Báo cáo tháng 11/2026 (chưa gửi)",
        "Về menu",
    ]
    await dialog(
        app.engine,
        "head2",
        [
            ("3", ["Báo cáo tháng 11/2026 – Thôn Tây", "quá hạn", "Câu 1/11"]),
            ("/huy", ""),
            ("/baocao 11/2026", "Báo cáo tháng 11/2026 – Thôn Tây"),
            ("/huy", ""),
            ("Báo cáo tháng 10 năm 2026", "Báo cáo tháng 10/2026 – Thôn Tây"),
            ("/huy", ""),
            ("bao cao 2026-09", "Báo cáo tháng 09/2026 – Thôn Tây"),
            ("/huy", ""),
            ("/baocao thang 8", ["không còn nhận qua Bot", "liên hệ công chức phụ trách thi đua"]),
            ("4", "Anh/Chị muốn làm gì"),
            ("/baocao tháng mười", ["chưa hiểu", "bao cao thang 11"]),
        ],
    )


async def test_before_a_period_opens_the_bot_says_when(app: App, world: World) -> None:
    app.clock.set(local(2026, 12, 10, 9, 0))  # type: ignore[attr-defined]
    await dialog(
        app.engine,
        "head3",
        [("bao cao", "Báo cáo tháng 11/2026 – Thôn Nam"), ("/huy", "")],
    )
    async with app.sessions() as session, session.begin():
        village = await session.get_one(Unit, world.villages[2].id)
        session.add(
            Report(
                unit_id=village.id,
                period="2026-11",
                template_id=1,
                status="late",
                answers={},
                submitted_at=app.clock.now(),
            )
        )
    out = await dialog(
        app.engine,
        "head3",
        [("bao cao", ["không có báo cáo nào", "tháng 12/2026 mở từ ngày 15/12/2026"])],
    )
    assert options(out) == ["Xem, sửa báo cáo tháng 11/2026", "Về menu"]


async def test_the_school_year_has_no_summer_report(app: App, world: World) -> None:
    await set_up_in_september(app)
    async with app.sessions() as session, session.begin():
        await session.execute(update(Unit).values(created_at=datetime(2026, 6, 1, tzinfo=UTC)))
    app.clock.set(local(2026, 8, 20, 9, 0))  # type: ignore[attr-defined]
    await dialog(
        app.engine,
        "principal",
        [
            ("bao cao", "Báo cáo tháng 06/2026 – Trường Tiểu học Hòa Bình"),
            ("/huy", ""),
            ("bao cao thang 7", "không có kỳ báo cáo thi đua"),
        ],
    )
    # the villages report every month
    await dialog(app.engine, "head1", [("bao cao", "Báo cáo tháng 06/2026 – Thôn Đông")])
    await dialog(app.engine, "head1", [("/huy", ""), ("bao cao thang 7", "07/2026 – Thôn Đông")])


async def test_periods_in_english(app: App, world: World) -> None:
    await set_up_in_september(app)
    app.clock.set(DEC_3)  # type: ignore[attr-defined]
    await dialog(
        app.engine,
        "head1",
        [
            ("/lang en", "English"),
            ("/report 12", ["The report for 12/2026 is not open yet", "from 15/12/2026"]),
            (
                "Report for 11/2026 (not sent)",
                ["Report for 11/2026 – Thôn Đông", "recorded as late"],
            ),
            ("/cancel", ""),
            (
                "/report",
                ["Report for 09/2026", "You also still owe the report for 10/2026, 11/2026"],
            ),
            ("/cancel", ""),
            ("/status", ["Reports of Thôn Đông", "11/2026: not sent, overdue since 25/11/2026"]),
        ],
    )


async def test_status_reminders_digest_and_list_agree_with_the_dialog(
    app: App, world: World
) -> None:
    await set_up_in_september(app)
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(local(2026, 11, 24, 9, 0))
    for chat in ("head1", "head2", "head3"):
        await dialog(app.engine, chat, [("bao cao thang 9", "09/2026"), ("/huy", "")])
    # head1 files September, October and November; head2 only November (by name)
    for _ in range(3):
        await file(app, "head1")
    await dialog(app.engine, "head2", [("bao cao thang 11", "Câu 1/11")])
    await dialog(
        app.engine,
        "head2",
        [(a, "") for a in [*VILLAGE_ANSWERS, "1"]],
    )
    clock.set(local(2026, 11, 26, 8, 0))
    async with app.sessions() as session, session.begin():
        result = await plan(session, app.settings, clock.now())
    reminded = {p.chat for p in result.added if p.key.startswith("remind:report:")}
    assert reminded == {"head3", "principal"}, "only who did not file November is reminded"
    clock.set(DEC_3)
    owed = {
        "head1": [],
        "head2": ["09/2026", "10/2026"],
        "head3": ["09/2026", "10/2026", "11/2026"],
    }
    for chat, months in owed.items():
        said = texts(await dialog(app.engine, chat, [("/trangthai", "")]))
        for month in ("09/2026", "10/2026", "11/2026"):
            assert (f"Tháng {month}: chưa gửi" in said) == (month in months), (chat, month)
    async with app.sessions() as session, session.begin():
        result = await plan(session, app.settings, clock.now())
        [escalation] = [p for p in result.added if p.key.startswith("escalate:report:")]
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == escalation.key))
    assert row is not None and "còn 2 đơn vị chưa gửi" in row.payload["text"]
    assert "Thôn Nam" in row.payload["text"] and "Thôn Tây" not in row.payload["text"]
    async with app.sessions() as session:
        assert await focus_period(session, app.settings, clock.now()) == "2026-11"
        digest = await build_digest(session, app.settings, world.commune, "2026-11", clock.now())
        listed = await list_reports(session, "2026-11")
    assert (digest.current.expected, digest.current.submitted) == (4, 2)
    assert {m.code for m in digest.current.missing} == {"C1-T3", "C1-TH"}
    assert {r.unit for r in listed} == {"C1-T1", "C1-T2"}
    assert all(r.status == "on_time" for r in listed)
