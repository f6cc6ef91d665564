"""Staff digests: figures, the chat text and its split, the chart, the workbook, the CLI, the
daily job that only speaks when something changed."""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select, update
from typer.testing import CliRunner

from bot.app import App, build
from bot.scheduler import weekly_files
from bot.settings import Settings
from handlers.clock import FixedClock
from handlers.digest import LIMITS, plan_digests, render_text, split_text
from locales import use_locale
from storage.access import add_unit
from storage.digest import build_digest
from storage.export import NOMINATION_HEADER_ROW, write_xlsx
from storage.models import (
    ChatBinding,
    Member,
    Nomination,
    OutboxMessage,
    Report,
    ReportTemplate,
    Unit,
)
from storage.templates import load_default_templates
from tests.factories import World, build_world, make_incoming
from tests.test_dispatcher import TZ, local

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def all_exist(paths: Iterable[str]) -> bool:
    return all(Path(p).exists() for p in paths)


SCHOOL_ANSWERS = {
    "si_so": 1200,
    "ty_le_chuyen_can": 97.5,
    "an_toan_truong_hoc": False,
    "an_toan_thuc_pham": True,
    "an_toan_thuc_pham_chi_tiet": "2 em đau bụng sau bữa trưa, đã báo Trạm y tế xã.",
}


async def seed(app: App, world: World) -> None:
    """Templates; T1 on time and the school late for 2026-11; T1 and T2 for 2026-10; two
    nominations (pending, decided) and a rejected one."""
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        # the units were set up in September, so they owe October and November
        await session.execute(update(Unit).values(created_at=datetime(2026, 9, 1, tzinfo=UTC)))
        await load_default_templates(session, now)
        village = await session.scalar(
            select(ReportTemplate).where(ReportTemplate.unit_kind == "village")
        )
        school = await session.scalar(
            select(ReportTemplate).where(ReportTemplate.unit_kind == "school")
        )
        assert village is not None and school is not None
        answers = {
            "ho_ngheo_ho_tro": 120,
            "nguoi_tot_viec_tot": 3,
            "an_ninh_trat_tu": True,
            "an_ninh_chi_tiet": "Trộm 1 con bò ở xóm 2, đã báo Công an xã.",
            "ve_sinh_moi_truong": "tot",
            "kho_khan": "Đường xóm 3 xuống cấp",
        }
        rows = [
            (world.villages[0], "2026-11", "on_time", village, answers),
            (world.school, "2026-11", "late", school, SCHOOL_ANSWERS),
            (world.villages[0], "2026-10", "on_time", village, {"ho_ngheo_ho_tro": 100}),
            (world.villages[1], "2026-10", "late", village, {"ho_ngheo_ho_tro": 80}),
        ]
        for unit, period, status, template, values in rows:
            session.add(
                Report(
                    unit_id=unit.id,
                    period=period,
                    template_id=template.id,
                    status=status,
                    answers=values,
                    submitted_at=now,
                )
            )
        head1, principal = world.members["head1"], world.members["principal"]
        for nominator, unit, nominee, position, status in [
            (principal, world.school, "Nguyễn Thị Hoa", "Giáo viên", "pending"),
            (head1, world.villages[0], "Lò Văn Bảo", "Công an viên", "decided"),
            (head1, world.villages[0], "Lò Thị Cúc", "", "rejected"),
        ]:
            session.add(
                Nomination(
                    nominator_id=nominator.id,
                    unit_id=unit.id,
                    kind="individual",
                    nominee=nominee,
                    position=position,
                    award="lao_dong_tien_tien",
                    movement="",
                    achievement=f"Thành tích của {nominee}",
                    status=status,
                    created_at=now,
                    updated_at=now,
                )
            )


async def test_figures_for_the_commune(app: App, world: World) -> None:
    await seed(app, world)
    async with app.sessions() as session:
        digest = await build_digest(
            session, app.settings, world.commune, "2026-11", app.clock.now()
        )
    data = digest.as_json()
    assert (data["expected"], data["submitted"], data["on_time"], data["late"]) == (4, 2, 1, 1)
    assert [(m["code"], m["head"]) for m in data["missing"]] == [
        ("C1-T3", "Vi Văn Cường"),
        ("C1-T2", "Hà Thị Bình"),
    ] or [(m["code"], m["head"]) for m in data["missing"]] == [
        ("C1-T2", "Hà Thị Bình"),
        ("C1-T3", "Vi Văn Cường"),
    ]
    last = data["last"]
    assert (last["period"], last["submitted"], last["late"], len(last["missing"])) == (
        "2026-10",
        2,
        1,
        2,
    )
    assert data["nominations"] == {
        "total": 3,
        "by_status": {"pending": 1, "decided": 1, "rejected": 1},
        "new": 3,
    }
    async with app.sessions() as session:
        early = await build_digest(
            session, app.settings, world.commune, "2026-11", local(2026, 11, 10, 8, 0)
        )
        later = await build_digest(
            session, app.settings, world.commune, "2026-11", local(2026, 11, 20, 8, 0)
        )
    assert early.upcoming == []  # the 25th is more than a week away on the 10th
    assert [(u.due.isoformat(), u.kind, u.done, u.units) for u in later.upcoming] == [
        ("2026-11-25", "report", 2, 4)
    ]
    totals = {t["key"]: (t["how"], t["value"], t["reports"]) for t in data["totals"]}
    assert totals == {
        "ho_ngheo_ho_tro": ("sum", 120, 1),
        "nguoi_tot_viec_tot": ("sum", 3, 1),
        "an_ninh_trat_tu": ("yes_count", 1, 1),
        "si_so": ("sum", 1200, 1),
        "ty_le_chuyen_can": ("mean", 97.5, 1),
        "an_toan_truong_hoc": ("yes_count", 0, 1),
        "an_toan_thuc_pham": ("yes_count", 1, 1),
    }
    # what was said after a "Có", by unit
    assert [(d["unit"], d["text"][:12]) for d in data["details"]] == [
        ("Thôn Đông", "Trộm 1 con b"),
        ("Trường Tiểu học Hòa Bình", "2 em đau bụn"),
    ]
    said = render_text(digest, TZ)
    assert "• Số hộ nghèo, cận nghèo được hỗ trợ trong tháng: tổng 120 (1 báo cáo)" in said
    assert "• Tỷ lệ học sinh đi học chuyên cần (%): trung bình 97,5% (1 báo cáo)" in said
    assert "Tổng số học sinh đầu tháng: tổng 1.200" in said
    assert "Chi tiết các vụ việc đã báo trong tháng 11/2026:" in said
    assert "• Thôn Đông – Vụ việc gì, ở đâu, đã xử lý thế nào? Trộm 1 con bò" in said
    assert (
        "Đề xuất khen thưởng: 3 (chờ kiểm tra 1, đã có quyết định khen thưởng 1, không được xét 1)"
        in said
    )
    rows = {r["code"]: r for r in data["current"]["rows"]}
    assert rows["C1-TH"]["late"] == 1 and rows["C1-T3"]["missing"] == 1
    # the province sees the commune as one sub-unit; the other commune has nobody reporting
    async with app.sessions() as session:
        province = await build_digest(
            session, app.settings, world.province, "2026-11", app.clock.now()
        )
    assert [(r.code, r.expected, r.submitted) for r in province.current.rows] == [("C1", 4, 2)]
    text = render_text(digest, TZ)
    assert "Chưa nộp (2):" in text and "Thôn Tây — Hà Thị Bình" in text
    assert "đã nộp 2/4 (50%)" in text and "chờ kiểm tra 1" in text


async def test_text_is_split_between_lines_under_the_limit() -> None:
    lines = [f"• Thôn số {i} — Trưởng thôn Nguyễn Văn {i}" for i in range(400)]
    text = "\n".join(lines)
    for limit in (LIMITS["zalo"], LIMITS["telegram"]):
        pieces = split_text(text, limit)
        assert len(pieces) > 1 and all(len(p) <= limit for p in pieces)
        assert "\n".join(pieces).split("\n") == lines
    long_line = "chữ " * 1000
    assert all(len(p) <= 2000 for p in split_text(long_line, 2000))


async def test_big_commune_digest_fits_each_channel(app: App, world: World) -> None:
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        for i in range(120):
            await add_unit(
                session, f"C1-X{i}", f"Thôn Xóm Mới số {i}", "village", world.commune, now
            )
    async with app.sessions() as session:
        digest = await build_digest(session, app.settings, world.commune, "2026-11", now)
    text = render_text(digest, TZ)
    assert len(text) > LIMITS["zalo"]
    for limit in LIMITS.values():
        assert all(len(piece) <= limit for piece in split_text(text, limit))


async def test_xlsx_and_png(app: App, world: World, tmp_path: Path) -> None:
    await seed(app, world)
    async with app.sessions() as session:
        digest = await build_digest(
            session, app.settings, world.commune, "2026-11", app.clock.now()
        )
        path = await write_xlsx(session, digest, world.commune, tmp_path / "out" / "t.xlsx", TZ)
    book = load_workbook(path)
    assert book.sheetnames == ["Tổng hợp", "Báo cáo", "Đề nghị khen thưởng", "Đề xuất khác"]
    reports = book["Báo cáo"]
    assert reports["A1"].value == "BÁO CÁO THI ĐUA THÁNG 11/2026 – Xã Hòa Bình"
    header = [c.value for c in reports[2]]
    assert header[:5] == ["STT", "Mã đơn vị", "Đơn vị", "Tình trạng", "Thời điểm nộp"]
    assert "Số hộ nghèo, cận nghèo được hỗ trợ trong tháng" in header
    body = [[c.value for c in row] for row in reports.iter_rows(min_row=3)]
    assert [r[1] for r in body[:4]] == ["C1-T1", "C1-T2", "C1-T3", "C1-TH"]
    t1 = dict(zip(header, body[0], strict=False))
    assert t1["Tình trạng"] == "Đúng hạn"
    assert t1["Số hộ nghèo, cận nghèo được hỗ trợ trong tháng"] == 120
    # local time (20 November, 09:00 in Hanoi), shown as dd/mm/yyyy hh:mm
    assert t1["Thời điểm nộp"] == datetime(2026, 11, 20, 9, 0)
    assert reports.cell(3, 5).number_format == "dd/mm/yyyy hh:mm"
    assert t1["Trong tháng có vụ việc mất an ninh, trật tự không?"] == "Có"
    assert t1["Vụ việc gì, ở đâu, đã xử lý thế nào?"].startswith("Trộm 1 con bò")
    assert t1["Vệ sinh môi trường trong tháng"] == "Tốt"
    assert body[1][3] == "Chưa nộp"
    school = dict(zip(header, body[3], strict=False))
    assert school["Tỷ lệ học sinh đi học chuyên cần (%)"] == 0.975
    # a follow-up not asked (its question was answered "Không") reads "—", not blank
    assert school["Vụ việc mất an toàn trường học: chuyện gì, đã xử lý thế nào?"] == "—"
    assert school["Vụ việc mất an toàn thực phẩm: chuyện gì, đã xử lý thế nào?"].startswith("2 em")
    assert school["Trong tháng có vụ việc mất an ninh, trật tự không?"] is None
    figures = dict(zip(header, body[4], strict=False))
    assert figures["Đơn vị"] == "Tổng hợp"
    assert figures["Số hộ nghèo, cận nghèo được hỗ trợ trong tháng"] == "Tổng: 120"
    assert figures["Tỷ lệ học sinh đi học chuyên cần (%)"] == "Trung bình: 97,5%"
    assert figures["Trong tháng có vụ việc mất an ninh, trật tự không?"] == (
        "Số trả lời “Có”: 1/1"
    )
    noms = book["Đề nghị khen thưởng"]
    assert [c.value for c in noms[NOMINATION_HEADER_ROW]] == [
        "STT",
        "Họ và tên",
        "Năm sinh",
        "Nam/Nữ",
        "Chức vụ – đơn vị",
        "Hình thức đề nghị",
        "Thành tích tóm tắt",
    ]
    listed = [[c.value for c in row] for row in noms.iter_rows(min_row=NOMINATION_HEADER_ROW + 1)]
    assert listed[0][:2] == ["I", "Lao động tiên tiến (1)"]
    assert [r[1] for r in listed[1:]] == ["Lò Văn Bảo"], "passed by the council only"
    assert listed[1][0] == 1 and listed[1][4] == "Công an viên – Thôn Đông"
    others = book["Đề xuất khác"]
    rows = [[c.value for c in row] for row in others.iter_rows(min_row=4)]
    assert {(r[1], r[2], r[6]) for r in rows} == {
        ("Nguyễn Thị Hoa", "Cá nhân", "chờ kiểm tra"),
        ("Lò Thị Cúc", "Cá nhân", "không được xét"),
    }
    summary = book["Tổng hợp"]
    assert summary["A1"].value == "TỔNG HỢP BÁO CÁO THI ĐUA THÁNG 11/2026 – Xã Hòa Bình"
    assert [c.value for c in summary[3]][:3] == ["Đơn vị", "Phải nộp", "Đã nộp"]
    values = {row[0].value: row[2].value for row in summary.iter_rows(min_row=4) if row[2].value}
    assert values["Tỷ lệ học sinh đi học chuyên cần (%)"] == 0.975

    from bot.chart import Bar, completeness_png

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        png = completeness_png(
            [Bar(r.name, r.on_time, r.late, r.expected) for r in digest.current.rows],
            tmp_path / "c.png",
            "Tỷ lệ nộp báo cáo – Xã Hòa Bình – ỹ ữ ặ ợ",
            "Đúng hạn",
            "Nộp muộn",
            "%",
        )
    assert png.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(png) as image:
        image.verify()
    with Image.open(png) as image:
        assert image.size[0] > 400 and image.size[1] > 200


async def test_tonghop_for_staff_only(app: App, world: World) -> None:
    await seed(app, world)
    outcome = await app.engine.handle(make_incoming("/tonghop", "staff"))
    texts = [r.text for r in outcome.replies if r.attachment is None]
    assert "đang chuẩn bị bản tổng hợp" in texts[0]  # at once; the rest from the worker
    assert "TỔNG HỢP THI ĐUA – Xã Hòa Bình" in texts[1]
    assert all(len(t) <= LIMITS["console"] for t in texts)
    files = [r.attachment for r in outcome.replies if r.attachment is not None]
    assert [f.mime for f in files] == [
        "image/png",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]
    for f in files:
        assert f.path.exists() and f.path.parent == app.settings.files_dir / "exports"
    assert files[0].path.read_bytes()[:8] == PNG_SIGNATURE
    zalo = await app.engine.handle(make_incoming("tong hop", "staff", channel="zalo"))
    assert zalo.replies  # an unbound zalo chat gets the onboarding text, nothing else
    refused = await app.engine.handle(make_incoming("/tonghop", "head1"))
    assert "không dùng được" in refused.replies[0].text


async def test_daily_digest_only_when_something_changed(app: App, world: World) -> None:
    await seed(app, world)
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(local(2026, 11, 17, 7, 30))  # a Tuesday

    async def run(kind: str = "daily") -> list[str]:
        async with app.sessions() as session, session.begin():
            added = await plan_digests(session, app.settings, clock.now(), kind)
        return [p.chat for p in added]

    assert await run() == ["staff", "outsider"]
    assert await run() == [], "a second run the same day adds nothing"
    clock.set(local(2026, 11, 18, 7, 30))
    # the 18th: the 25th's deadline enters the coming week (C2 has nobody who reports)
    assert await run() == ["staff"]
    clock.set(local(2026, 11, 18, 12, 0))
    assert await run() == []
    async with app.sessions() as session, session.begin():
        session.add(
            Report(
                unit_id=world.villages[2].id,
                period="2026-11",
                template_id=1,
                status="on_time",
                answers={},
                submitted_at=clock.now(),
            )
        )
    clock.set(local(2026, 11, 19, 7, 30))
    assert "staff" in await run()
    clock.set(local(2026, 11, 23, 7, 30))  # Monday: the weekly one, with chart and workbook
    assert await run() == []
    weekly = await run("weekly")
    assert weekly.count("staff") == 1  # the text at once; chart and workbook once built
    assert await weekly_files(app) == 2 * 2  # chart and workbook, to staff and outsider
    assert await weekly_files(app) == 0, "what was queued is not built again"
    async with app.sessions() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "digest_weekly")
            )
        ).all()
    attachments = [r.payload["attachment"] for r in rows if "attachment" in r.payload]
    assert {a["mime"] for a in attachments} >= {"image/png"}
    assert all_exist(a["path"] for a in attachments)


def test_cli_digest(settings: Settings, database_url: str, tmp_path: Path) -> None:
    async def seed_world() -> None:
        application = build(settings, FixedClock(local(2026, 11, 10, 9, 0)))
        async with application.sessions() as session, session.begin():
            world = await build_world(session, application.clock.now())
        await seed(application, world)
        await application.close()

    asyncio.run(seed_world())
    from bot.cli import app as cli

    env = {"DATABASE_URL": database_url}
    xlsx, png = tmp_path / "d.xlsx", tmp_path / "d.png"
    out = CliRunner().invoke(
        cli,
        [
            "digest",
            "--unit",
            "C1",
            "--period",
            "2026-11",
            "--json",
            "--xlsx",
            str(xlsx),
            "--png",
            str(png),
            "--now",
            "2026-11-26T08:00+07:00",
        ],
        env=env,
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert {
        "expected",
        "submitted",
        "on_time",
        "late",
        "missing",
        "nominations",
        "upcoming",
    } <= set(data)
    assert data["expected"] == 4 and data["current"]["overdue"] is True
    assert xlsx.exists() and png.read_bytes()[:8] == PNG_SIGNATURE
    text = CliRunner().invoke(cli, ["digest", "--unit", "C1", "--period", "2026-11"], env=env)
    assert "Quá hạn, chưa nộp" in text.output or "Chưa nộp" in text.output
    bad = CliRunner().invoke(cli, ["digest", "--unit", "NOPE"], env=env)
    assert bad.exit_code != 0


async def test_failed_deliveries_show_in_the_digest(app: App, world: World) -> None:
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        binding = await session.scalar(select(ChatBinding).where(ChatBinding.chat_id == "head2"))
        assert binding is not None
        binding.blocked_at = now
        session.add(
            OutboxMessage(
                key="f1",
                binding_id=binding.id,
                kind="reminder",
                payload={"text": "x"},
                not_before=now,
                attempts=8,
                last_error="blocked",
                failed_at=now,
                created_at=now,
            )
        )
    async with app.sessions() as session:
        digest = await build_digest(
            session, app.settings, world.commune, "2026-11", now + timedelta(hours=1)
        )
    assert digest.failed_count == 1 and digest.blocked_chats == 1
    assert digest.failed[0].member == "Hà Thị Bình"
    assert "Gửi tin không thành công trong 7 ngày: 1" in render_text(digest, TZ)
    async with app.sessions() as session:
        other = await session.scalar(select(Unit).where(Unit.code == "C2"))
        assert other is not None
        theirs = await build_digest(session, app.settings, other, "2026-11", now)
        assert theirs.failed_count == 0
        assert await session.get(Member, world.members["head2"].id) is not None


async def test_task_deadlines_in_the_coming_week(app: App, world: World) -> None:
    from tests.test_reminders import add_directive

    await add_directive(app, world)
    async with app.sessions() as session:
        digest = await build_digest(
            session, app.settings, world.commune, "2026-11", local(2026, 11, 26, 9, 0)
        )
    assert [(u.due.isoformat(), u.kind, u.directive, u.units, u.done) for u in digest.upcoming] == [
        (
            "2026-12-01",
            "task",
            "Kế hoạch số 45/KH-UBND",
            1,
            0,
        )
    ]
    assert "01/12/2026: Gửi danh sách giáo viên" in render_text(digest, TZ)


async def test_pushed_digest_is_split_for_each_channel(app: App, world: World) -> None:
    clock: FixedClock = app.clock  # type: ignore[assignment]
    now = clock.now()
    async with app.sessions() as session, session.begin():
        for i in range(150):
            await add_unit(
                session, f"C1-Z{i}", f"Thôn Xóm Mới số {i}", "village", world.commune, now
            )
        session.add(
            ChatBinding(
                member_id=world.members["staff"].id,
                channel="zalo",
                chat_id="z-staff",
                created_at=now,
            )
        )
    async with app.sessions() as session, session.begin():
        added = await plan_digests(session, app.settings, now, "daily")
    assert {p.channel for p in added if p.chat in ("staff", "z-staff")} == {"console", "zalo"}
    async with app.sessions() as session:
        pairs = (
            (
                await session.execute(
                    select(OutboxMessage.payload, ChatBinding.channel)
                    .join(ChatBinding, ChatBinding.id == OutboxMessage.binding_id)
                    .where(ChatBinding.member_id == world.members["staff"].id)
                )
            )
            .tuples()
            .all()
        )
    zalo = [p["text"] for p, channel in pairs if channel == "zalo"]
    console = [p["text"] for p, channel in pairs if channel == "console"]
    assert len(zalo) > len(console) >= 1
    assert all(len(t) <= LIMITS["zalo"] for t in zalo)
    assert all(len(t) <= LIMITS["console"] for t in console)
    assert "\n".join(zalo).split("\n") == "\n".join(console).split("\n")


async def test_figures_and_workbook_in_english(app: App, world: World, tmp_path: Path) -> None:
    await seed(app, world)
    with use_locale("en"):
        async with app.sessions() as session:
            digest = await build_digest(
                session, app.settings, world.commune, "2026-11", app.clock.now()
            )
            path = await write_xlsx(session, digest, world.commune, tmp_path / "en.xlsx", TZ)
        said = render_text(digest, TZ)
    assert "• Attendance rate (%): average 97.5% (reports: 1)" in said
    assert "Pupils enrolled at the start of the month: total 1,200" in said
    assert "• Thôn Đông – What happened, where, and how was it handled? Trộm 1 con bò" in said
    assert "Nominations: 3 (waiting to be checked 1, granted by decision 1, not granted 1)" in said
    book = load_workbook(path)
    assert book.sheetnames[-1] == "Other nominations"
    assert book["Summary"]["A1"].value.startswith("EMULATION REPORTS FOR 11/2026")
