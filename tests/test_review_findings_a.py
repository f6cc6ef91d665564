"""Findings of a fresh-eyes review (reports, nominations, review, intake, tasks), as dialogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.app import App, build
from bot.settings import Settings
from handlers.clock import FixedClock
from handlers.types import Attachment
from storage.directives import archive
from storage.models import Directive, Member, Nomination, ReportTemplate, TaskCompletion
from storage.templates import load_templates, parse_templates
from tests.factories import World, build_world, dialog, make_incoming, texts
from tests.test_council_path import nominate
from tests.test_directive_intake import directives, doc
from tests.test_report import (
    CUSTOM,
    FIRST,
    JPEG,
    load_defaults,
    report_versions,
    reports,
    send_file,
    write,
)
from tests.test_tasks import world_with_tasks

NOT_ALLOWED = "không dùng được chức năng này"


async def demote(app: App, world: World, chat: str, role: str = "reporter") -> None:
    async with app.sessions() as session, session.begin():
        member = await session.get_one(Member, world.members[chat].id)
        member.role = role


async def test_intake_steps_refuse_a_member_who_lost_the_staff_role(app: App, world: World) -> None:
    await dialog(app.engine, "staff", [(doc(), "Bot đã đọc xong văn bản")])
    await demote(app, world, "staff")
    await dialog(app.engine, "staff", [("1", NOT_ALLOWED)])
    [draft] = await directives(app)
    assert draft.status == "draft"


async def test_archiving_refuses_a_member_who_lost_the_staff_role(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "staff",
        [(doc(), "Bot đã đọc xong văn bản"), ("1", "Vẫn kích hoạt"), ("1", "Đã kích hoạt")],
    )
    await dialog(app.engine, "staff", [("/chithi", "Lưu trữ"), ("1", "Lưu trữ Kế hoạch")])
    await demote(app, world, "staff")
    await dialog(app.engine, "staff", [("1", NOT_ALLOWED)])
    [directive] = await directives(app)
    assert directive.status == "active"


async def test_review_does_not_open_a_nomination_for_a_member_who_lost_the_staff_role(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await nominate(app)
    await dialog(app.engine, "staff", [("/duyet", "Kiểm tra đề xuất mới (1)"), ("1", "1 đề xuất")])
    await demote(app, world, "staff")
    outcome = await dialog(app.engine, "staff", [("1", NOT_ALLOWED)])
    assert "Nguyễn Văn An" not in texts(outcome)
    async with app.sessions() as session:
        [nomination] = (await session.scalars(select(Nomination))).all()
    assert nomination.status == "pending"


async def test_confirming_a_task_of_a_directive_archived_meanwhile_records_nothing(
    app: App, world: World
) -> None:
    await world_with_tasks(app, world)
    await dialog(app.engine, "head1", [("/nhiemvu", "Nộp danh sách"), ("1", "Xác nhận")])
    async with app.sessions() as session, session.begin():
        directive = (await session.scalars(select(Directive))).one()
        await archive(session, directive, app.clock.now(), None)
    await dialog(app.engine, "head1", [("1", "không còn")])
    async with app.sessions() as session:
        assert (await session.scalars(select(TaskCompletion))).all() == []


async def test_a_directive_file_over_the_size_limit_is_refused(
    settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    small = settings.model_copy(update={"max_file_bytes": 1024 * 1024})
    app = build(small, clock)
    try:
        async with app.sessions() as session, session.begin():
            await build_world(session, clock.now())
        big = tmp_path / "kehoach.txt"
        big.write_text(doc() + "\n" + "Nội dung phụ lục. " * 80_000, "utf-8")
        attachment = Attachment("document", big, big.name)
        outcome = await app.engine.handle(make_incoming("", "staff", attachments=(attachment,)))
        assert "Tệp quá lớn (tối đa 1 MB)" in texts(outcome)
        assert await directives(app) == []
    finally:
        await app.close()


async def test_an_amendment_under_a_new_template_keeps_the_template_of_each_version(
    app: App, world: World, tmp_path: Path
) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", [*FIRST, ("bo qua", "Gửi")])
    await dialog(app.engine, "head1", [("1", "đúng hạn")])
    async with app.sessions() as session, session.begin():
        [(template, _added)] = await load_templates(
            session, parse_templates(CUSTOM), app.clock.now()
        )
        new_id = template.id
    await dialog(
        app.engine,
        "head1",
        [("bao cao", "Câu 1/4"), ("3", "Câu 2/4"), ("2", "Câu 3/4"), ("ngắn", "Câu 4/4")],
    )
    await send_file(app, "head1", write(tmp_path, "x.jpg", JPEG))
    await dialog(app.engine, "head1", [("1", "lần 2")])
    [report] = await reports(app)
    first, second = await report_versions(app, report.id)
    assert first.answers["ho_ngheo_ho_tro"] == 12 and second.answers["so_ho"] == 3
    async with app.sessions() as session:
        old = await session.get_one(ReportTemplate, first.template_id)
    assert (old.version, second.template_id) == (1, new_id)
    assert old.indicators[1]["key"] == "an_ninh_trat_tu"


def test_a_backlog_of_no_period_is_refused_at_start() -> None:
    for periods in (0, -3, 25):
        with pytest.raises(ValidationError):
            Settings(report_backlog_periods=periods, _env_file=None)  # type: ignore[call-arg]
    assert Settings(_env_file=None).report_backlog_periods == 3  # type: ignore[call-arg]


async def test_a_report_begun_for_one_village_is_not_filed_for_another(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", FIRST[:3])
    async with app.sessions() as session, session.begin():
        member = await session.get_one(Member, world.members["head1"].id)
        member.unit_id = world.villages[2].id
    await dialog(app.engine, "head1", [("3", "đơn vị đã thay đổi")])
    outcome = await dialog(app.engine, "head1", [("/baocao", "Thôn Nam")])
    assert "Câu 1/11" in texts(outcome) and "làm dở" not in texts(outcome)
    assert await reports(app) == []
