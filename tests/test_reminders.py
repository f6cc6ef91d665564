"""The planner and the dispatcher driven through a month of simulated time over the `world`.

World: commune C1 with villages T1 (head1), T2 (head2), T3 (head3) and school TH (principal),
commune staff (staff). Report period 2026-11 is due on the 25th; an active directive of the
commune has a monthly task due on the 15th for the village heads and a one-off task due on
1 December for the principal.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.app import App
from bot.dispatcher import Dispatcher
from bot.settings import Settings
from handlers.clock import FixedClock
from storage.models import (
    ChatBinding,
    Directive,
    DirectiveTask,
    Member,
    OutboxMessage,
    Report,
    ReportTemplate,
    TaskCompletion,
    TaskTarget,
)
from storage.reminders import current_stage, plan
from tests.factories import World, dialog
from tests.test_dispatcher import TZ, FakeSender, VirtualTime, local


async def add_directive(app: App, world: World) -> tuple[int, int]:
    """An active directive with a monthly task (15th, village heads) and a one-off task
    (2026-12-01, the principal); returns the task ids."""
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        directive = Directive(
            unit_id=world.commune.id,
            status="active",
            kind="ke_hoach",
            number="45/KH-UBND",
            issuer="UBND xã Hòa Bình",
            subject="Phát động phong trào thi đua năm 2026",
            parsed={},
            created_at=now,
            activated_at=now,
        )
        session.add(directive)
        await session.flush()
        monthly = DirectiveTask(
            directive_id=directive.id,
            ref="1",
            text="Báo cáo kết quả phong trào Toàn dân đoàn kết xây dựng đời sống văn hóa",
            assignees=["Trưởng thôn các thôn"],
            deadlines=[
                {
                    "text": "trước ngày 15 hằng tháng",
                    "due": None,
                    "every": "month",
                    "month": None,
                    "day": 15,
                }
            ],
        )
        once = DirectiveTask(
            directive_id=directive.id,
            ref="2",
            text="Gửi danh sách giáo viên đề nghị khen thưởng",
            assignees=["Hiệu trưởng"],
            deadlines=[
                {
                    "text": "trước ngày 01/12/2026",
                    "due": "2026-12-01",
                    "every": None,
                    "month": None,
                    "day": None,
                }
            ],
        )
        dropped = DirectiveTask(
            directive_id=directive.id,
            ref="3",
            text="Việc đã bỏ",
            dropped=True,
            deadlines=[{"text": "", "due": "2026-11-20", "every": None}],
        )
        session.add_all([monthly, once, dropped])
        await session.flush()
        for village in world.villages:
            session.add(TaskTarget(task_id=monthly.id, unit_id=village.id, role="village_head"))
            session.add(TaskTarget(task_id=dropped.id, unit_id=village.id, role="village_head"))
        session.add(TaskTarget(task_id=once.id, unit_id=world.school.id, role="principal"))
        return monthly.id, once.id


async def submit(app: App, world: World, chat: str, period: str, status: str = "on_time") -> None:
    member = world.members[chat]
    async with app.sessions() as session, session.begin():
        template = ReportTemplate(
            unit_kind="village",
            version=99 + member.id,
            name="t",
            indicators=[],
            active=False,
            created_at=app.clock.now(),
        )
        session.add(template)
        await session.flush()
        session.add(
            Report(
                unit_id=member.unit_id,
                period=period,
                template_id=template.id,
                status=status,
                answers={},
                submitted_by=member.id,
                submitted_at=app.clock.now(),
            )
        )


class Month:
    """Steps the clock every 30 minutes, planning and dispatching at each step."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.clock: FixedClock = app.clock  # type: ignore[assignment]
        self.sender = FakeSender(self.clock, VirtualTime())
        self.dispatcher = Dispatcher(
            app.sessions,
            app.settings,
            app.clock,
            {"console": self.sender},
            "sim",
            self.sender.time.pacer(),
        )

    async def step(self) -> None:
        async with self.app.sessions() as session, session.begin():
            await plan(session, self.app.settings, self.clock.now())
        await self.dispatcher.run_until_idle()

    async def run_until(self, end: datetime) -> None:
        while self.clock.now() < end:
            await self.step()
            self.clock.set(self.clock.now() + timedelta(minutes=30))

    def days(self, chat: str, fragment: str) -> list[date]:
        return sorted(
            s.at.astimezone(TZ).date()
            for s in self.sender.sent
            if s.chat == chat and fragment in s.text
        )


def d(day: int, month: int = 11) -> date:
    return date(2026, month, day)


@pytest.mark.slow
async def test_a_month_of_reminders(app: App, world: World) -> None:
    app.clock.set(local(2026, 11, 10, 9, 0))  # type: ignore[attr-defined]
    monthly_id, _once_id = await add_directive(app, world)
    sim = Month(app)
    # head2 marks the 15 November task done on the 13th
    await sim.run_until(local(2026, 11, 13, 10, 0))
    async with app.sessions() as session, session.begin():
        session.add(
            TaskCompletion(
                task_id=monthly_id,
                unit_id=world.villages[1].id,
                due_on=d(15),
                member_id=world.members["head2"].id,
                at=app.clock.now(),
            )
        )
    # head1 files the November report on the 20th
    await sim.run_until(local(2026, 11, 20, 10, 0))
    await submit(app, world, "head1", "2026-11")
    await sim.run_until(local(2026, 12, 10, 23, 0))

    report = "thi đua tháng 11/2026"
    stages = [d(18), d(22), d(24), d(25), d(26)]
    for chat in ("head2", "head3", "principal"):
        assert sim.days(chat, report) == stages, chat
    assert sim.days("head1", report) == [d(18)], "nobody is reminded after submitting"

    task = "Toàn dân đoàn kết"
    # the 15 Nov task: the 7-day stage is caught up at start (10 Nov), then 3, 1, due, overdue
    nov15 = [d(10), d(12), d(14), d(15), d(16)]
    dec15 = [d(8, 12)]
    assert sim.days("head1", task) == nov15 + dec15
    assert sim.days("head3", task) == nov15 + dec15
    assert sim.days("head2", task) == [d(10), d(12), *dec15]
    assert sim.days("principal", "danh sách giáo viên") == [d(24), d(28), d(30), d(1, 12), d(2, 12)]
    assert not sim.days("head1", "Việc đã bỏ")
    assert not [s for s in sim.sender.sent if s.chat == "outsider"]

    # escalations: the staff hear of the late units once per item, two days after the deadline
    escalations = [s for s in sim.sender.sent if s.chat == "staff"]
    report_esc = [s for s in escalations if "tháng 11/2026" in s.text]
    assert len(report_esc) == 1 and report_esc[0].at.astimezone(TZ).date() == d(27)
    assert "Thôn Tây — Hà Thị Bình" in report_esc[0].text
    assert "Thôn Nam" in report_esc[0].text and "Trường Tiểu học" in report_esc[0].text
    assert "Thôn Đông" not in report_esc[0].text
    task_esc = [s for s in escalations if "45/KH-UBND" in s.text]
    assert [s.at.astimezone(TZ).date() for s in task_esc] == [d(17), d(3, 12)]
    assert "Thôn Tây" not in task_esc[0].text and "Thôn Đông" in task_esc[0].text

    # at 07:30 local, never in quiet hours, and every row exactly once
    for sent in sim.sender.sent:
        at = sent.at.astimezone(TZ)
        assert 7 <= at.hour < 21
    late_starts = [s for s in sim.sender.sent if s.at.astimezone(TZ).date() != d(10)]
    assert all(s.at.astimezone(TZ).strftime("%H:%M") == "07:30" for s in late_starts)
    async with app.sessions() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert len(rows) == len(sim.sender.sent) == sim.sender.calls
    assert all(r.sent_at is not None for r in rows)
    assert len({r.key for r in rows}) == len(rows)
    per_key: dict[str, int] = defaultdict(int)
    for r in rows:
        per_key[r.key] += 1
    assert max(per_key.values()) == 1


async def test_planning_twice_adds_nothing_and_stale_stages_are_skipped(
    app: App, world: World
) -> None:
    now = local(2026, 11, 20, 8, 0)
    async with app.sessions() as session, session.begin():
        first = await plan(session, app.settings, now)
    async with app.sessions() as session, session.begin():
        second = await plan(session, app.settings, now)
    assert second.added == []
    keys = sorted(p.key for p in first.added if p.key.startswith("remind:report:"))
    # on the 20th only the 7-day stage (started the 18th) is due, for every reporting unit
    assert len(keys) == 4 and all(":2026-11:d7:" in k for k in keys)
    reports = [p for p in first.added if p.key.startswith("remind:report:")]
    assert {p.unit for p in reports} == {"C1-T1", "C1-T2", "C1-T3", "C1-TH"}
    # and the villages' own 7-day stage of the "Gia đình văn hóa" list (due the 25th too)
    lists = [p.key for p in first.added if p.key.startswith("remind:households:")]
    assert len(lists) == 3 and all(":2026:d7:" in k for k in lists)
    assert current_stage(d(25), local(2026, 11, 17, 23, 0), app.settings) is None
    assert current_stage(d(25), local(2026, 11, 25, 7, 29), app.settings) == (
        "d1",
        local(2026, 11, 24, 7, 30),
    )
    row = first.added[0].as_json()
    assert set(row) == {"key", "kind", "channel", "chat", "unit", "not_before"}


async def test_paused_member_skipped_but_staff_escalations_are_not(app: App, world: World) -> None:
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(local(2026, 11, 17, 10, 0))
    await dialog(app.engine, "head3", [("/tamdung 5", "22/11/2026")])
    await dialog(app.engine, "staff", [("/tamdung", "bao nhiêu ngày"), ("30", "vẫn được gửi")])
    sim = Month(app)
    await sim.run_until(local(2026, 11, 28, 12, 0))
    report = "thi đua tháng 11/2026"
    # paused through the 22nd: the stage still running when the pause ends (3 days before,
    # started the 22nd) is caught up the next morning, then the rest as usual
    assert sim.days("head3", report) == [d(23), d(24), d(25), d(26)]
    assert sim.days("head2", report) == [d(18), d(22), d(24), d(25), d(26)]
    staff = [s for s in sim.sender.sent if s.chat == "staff" and report in s.text]
    assert len(staff) == 1 and "Thôn Nam" in staff[0].text
    await dialog(app.engine, "head3", [("bat nhac", "đang bật"), ("tiep tuc", "không có việc")])
    async with app.sessions() as session:
        member = await session.get_one(Member, world.members["head3"].id)
        assert member.paused_until is None


async def test_pause_validates_days(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "head1",
        [
            ("/tamdung 45", "từ 1 đến 30"),
            ("abc", "từ 1 đến 30"),
            ("0", "đang bật"),
            ("/pause 2", "22/11/2026"),
            ("/tamdung 0", "trở lại"),
        ],
    )


async def test_unreachable_people_are_skipped_and_flagged(app: App, world: World) -> None:
    now = local(2026, 11, 18, 8, 0)
    async with app.sessions() as session, session.begin():
        head2 = await session.get_one(Member, world.members["head2"].id)
        head2.active = False
        binding = await session.scalar(
            select(ChatBinding).where(ChatBinding.chat_id == "principal")
        )
        assert binding is not None
        binding.blocked_at = now
    async with app.sessions() as session, session.begin():
        result = await plan(session, app.settings, now)
    assert {p.chat for p in result.added} == {"head1", "head3"}
    flagged = {(f.unit, f.reason) for f in result.flagged}
    assert flagged == {("C1-T2", "inactive"), ("C1-TH", "blocked")}


async def test_reminder_text_in_the_recipients_locale(app: App, world: World) -> None:
    async with app.sessions() as session, session.begin():
        head1 = await session.get_one(Member, world.members["head1"].id)
        head1.locale = "en"
    async with app.sessions() as session, session.begin():
        result = await plan(session, app.settings, local(2026, 11, 25, 8, 0))
    async with app.sessions() as session:
        rows = {r.key: r for r in (await session.scalars(select(OutboxMessage))).all()}
    texts = {
        p.chat: rows[p.key].payload["text"]
        for p in result.added
        if p.key.startswith("remind:report:")
    }
    assert texts["head1"].startswith("Today (25/11/2026) is the deadline")
    assert texts["head2"].startswith("Hôm nay (25/11/2026) là hạn cuối")


def test_cli_plan_json_and_send(database_url: str, tmp_path: Path, settings: Settings) -> None:
    import asyncio

    from bot.app import build
    from bot.cli import app as cli
    from tests.factories import build_world

    async def seed() -> None:
        application = build(settings, FixedClock(local(2026, 11, 1, 8, 0)))
        async with application.sessions() as session, session.begin():
            await build_world(session, application.clock.now())
        await application.close()

    asyncio.run(seed())
    env = {"DATABASE_URL": database_url, "FILES_DIR": str(tmp_path / "files")}
    runner = CliRunner()
    out = runner.invoke(
        cli, ["reminders", "plan", "--now", "2026-11-20T08:00+07:00", "--json"], env=env
    )
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert len(rows) == 7 and rows[0]["kind"] == "reminder" and rows[0]["channel"] == "console"
    assert {r["unit"] for r in rows} == {"C1-T1", "C1-T2", "C1-T3", "C1-TH"}
    assert sum(r["key"].startswith("remind:households:") for r in rows) == 3
    again = runner.invoke(
        cli, ["reminders", "plan", "--now", "2026-11-20T08:00+07:00", "--json"], env=env
    )
    assert json.loads(again.output) == []
    quiet = runner.invoke(cli, ["outbox", "send", "--now", "2026-11-20T22:00+07:00"], env=env)
    assert "quiet" in quiet.output
    sent = runner.invoke(cli, ["outbox", "send", "--now", "2026-11-21T08:00+07:00"], env=env)
    assert sent.exit_code == 0, sent.output
    assert "sent 7" in sent.output and "[console → head1]" in sent.output
