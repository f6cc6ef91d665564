"""The monthly report dialog on the console channel, read as dialog tables."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from handlers.types import Attachment, Outcome
from storage.access import add_unit
from storage.models import AuditEntry, ChatBinding, Member, Report, ReportTemplate, ReportVersion
from storage.reports import list_reports
from storage.templates import load_default_templates, load_templates, parse_templates
from tests.conftest import START
from tests.factories import World, dialog, make_incoming, options, restarted, texts

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
# 2026-11-26 09:00 in Hanoi: the day after the default due day
AFTER_DUE = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


async def load_defaults(app: App) -> None:
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def send_file(app: App, chat: str, path: Path, kind: str = "photo") -> Outcome:
    attachment = Attachment(kind, path, path.name)  # type: ignore[arg-type]
    return await app.engine.handle(make_incoming("", chat, attachments=(attachment,)))


async def reports(app: App) -> list[Report]:
    async with app.sessions() as session:
        return list((await session.scalars(select(Report).order_by(Report.id))).all())


async def report_versions(app: App, report_id: int) -> list[ReportVersion]:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(ReportVersion)
            .where(ReportVersion.report_id == report_id)
            .order_by(ReportVersion.version)
        )
        return list(rows.all())


FIRST_SIX = [
    ("bao cao", ["Báo cáo tháng 11/2026 – Thôn Đông", "hạn nộp ngày 25/11/2026", "Câu 1/7"]),
    ("12 hộ", "Câu 2/7"),
    (" 3 ", "Câu 3/7"),
    ("Ông Lò Văn Sáu nhặt được ví, trả lại người mất", "Câu 4/7"),
    ("15", "Câu 5/7"),
    ("khong", "Câu 6/7"),
]


async def test_village_head_files_the_monthly_report(
    app: App, world: World, tmp_path: Path
) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", [*FIRST_SIX, ("Bỏ qua", ["Câu 7/7", "Ảnh minh chứng"])])
    summary = await send_file(app, "head1", write(tmp_path, "anh.jpg", JPEG))
    said = texts(summary)
    assert "1. Số hộ được công nhận gia đình văn hóa: 12" in said
    assert "3. Kể ngắn một gương người tốt, việc tốt (ai, làm việc gì): Ông Lò Văn Sáu" in said
    assert "Trong tháng, thôn có vụ việc mất an ninh, trật tự không?: Không" in said
    assert "6. Việc nổi bật của thôn trong tháng: (bỏ qua)" in said
    assert "7. Ảnh minh chứng: đã gửi ảnh" in said
    assert options(summary) == ["Gửi báo cáo", "Sửa một câu", "Hủy"]
    assert summary.awaiting == "confirm"
    await dialog(
        app.engine,
        "head1",
        [("1", ["Đã gửi báo cáo tháng 11/2026 – Thôn Đông, đúng hạn", "Đề xuất khen thưởng"])],
    )
    [report] = await reports(app)
    assert (report.period, report.status, report.version) == ("2026-11", "on_time", 1)
    assert report.unit_id == world.villages[0].id
    assert report.answers["gia_dinh_van_hoa"] == 12
    assert report.answers["an_ninh_trat_tu"] is False
    assert report.answers["noi_bat"] is None
    assert isinstance(report.answers["anh_minh_chung"], int)
    assert len(await report_versions(app, report.id)) == 1
    async with app.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "report.submitted" in actions


async def test_every_validation_error_is_explained_and_changes_nothing(
    app: App, world: World, tmp_path: Path
) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "head1",
        [
            ("bao cao", "Câu 1/7"),
            ("mười hai", "cần một số"),
            ("12 13", "cần một số"),
            ("12.5", "cần một số"),
            ("-1", "từ 0 đến 5.000"),
            ("5001", "từ 0 đến 5.000"),
            ("", "bắt buộc"),
            ("12", "Câu 2/7"),
            ("3", "Câu 3/7"),
            ("x" * 501, "tối đa 500"),
            ("bo qua", "Câu 4/7"),
            ("20", "từ 0 đến 19"),
            ("19 tiêu chí", "Câu 5/7"),
            ("có lẽ", "Có hoặc Không"),
            ("3", "Có hoặc Không"),
            ("Có", "Câu 6/7"),
            ("Bỏ qua", "Câu 7/7"),
            ("ảnh đây", "cần một ảnh"),
        ],
    )
    pdf = await send_file(app, "head1", write(tmp_path, "a.pdf", PDF), "document")
    assert "cần ảnh chụp" in texts(pdf)
    assert pdf.awaiting == "photo"
    junk = await send_file(app, "head1", write(tmp_path, "virus.jpg", b"MZ\x90\x00" * 10))
    assert "chỉ nhận ảnh" in texts(junk)
    assert junk.awaiting == "photo" and options(junk) == ["Bỏ qua"]
    await dialog(app.engine, "head1", [("bỏ qua", "7. Ảnh minh chứng: (bỏ qua)")])
    await dialog(app.engine, "head1", [("gửi", "gõ 1, 2 hoặc 3"), ("1", "đúng hạn")])
    [report] = await reports(app)
    assert report.answers["tieu_chi_nong_thon_moi"] == 19
    assert report.answers["an_ninh_trat_tu"] is True


async def test_edit_one_answer_from_the_summary(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", [*FIRST_SIX, ("Bỏ qua", "Câu 7/7")])
    await dialog(
        app.engine,
        "head1",
        [
            ("bo qua", "2. Số gương người tốt, việc tốt phát hiện trong tháng: 3"),
            ("2", ["Anh/Chị muốn sửa câu nào?", "Số gương người tốt", "Quay lại"]),
            ("9", "chọn một mục"),
            ("2", "Câu 2/7"),
            ("abc", "cần một số"),
            ("7", "2. Số gương người tốt, việc tốt phát hiện trong tháng: 7"),
            ("Sửa một câu", "Anh/Chị muốn sửa câu nào?"),
            ("Quay lại", "Gửi báo cáo"),
            ("Gửi báo cáo", "đúng hạn"),
        ],
    )
    [report] = await reports(app)
    assert report.answers["nguoi_tot_viec_tot"] == 7
    assert report.answers["gia_dinh_van_hoa"] == 12


async def test_cancel_midway_asks_and_cancel_from_the_summary_keeps_nothing(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "head1",
        [
            ("bao cao", "Câu 1/7"),
            ("12", "Câu 2/7"),
            ("/huy", ["đang làm dở báo cáo tháng 11/2026 (1/7 câu)", "Bỏ bản nháp"]),
            ("3", ["Đã bỏ bản nháp", "Anh/Chị muốn"]),
            ("bao cao", "Câu 1/7"),
        ],
    )
    await dialog(app.engine, "head1", [*FIRST_SIX[1:], ("Bỏ qua", "Câu 7/7"), ("Bỏ qua", "Hủy")])
    await dialog(app.engine, "head1", [("3", ["báo cáo chưa được gửi", "Báo cáo tháng"])])
    await dialog(app.engine, "head1", [("bao cao", "Câu 1/7")])  # nothing kept
    assert await reports(app) == []


async def test_half_filled_report_resumes_after_a_restart(
    app: App, world: World, clock: object
) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", FIRST_SIX[:3])
    async with restarted(app) as again:
        await dialog(
            again.engine,
            "head1",
            [
                ("bo qua", "Câu 4/7"),
                ("10", "Câu 5/7"),
                ("không", "Câu 6/7"),
                ("bo qua", "Câu 7/7"),
                ("bo qua", "1. Số hộ được công nhận gia đình văn hóa: 12"),
                ("1", "đúng hạn"),
            ],
        )
        [report] = await reports(again)
        assert report.answers["nguoi_tot_viec_tot"] == 3


async def test_report_after_the_due_day_is_late(app: App, world: World) -> None:
    await load_defaults(app)
    app.clock.set(AFTER_DUE)  # type: ignore[attr-defined]
    await dialog(
        app.engine,
        "head1",
        [
            ("/baocao", ["quá hạn nộp (25/11/2026)", "nộp muộn", "Câu 1/7"]),
            *FIRST_SIX[1:],
            ("bo qua", "Câu 7/7"),
            ("bo qua", "báo cáo sẽ được ghi nhận là nộp muộn"),
            ("1", "nộp muộn, hạn là 25/11/2026"),
        ],
    )
    [report] = await reports(app)
    assert report.status == "late"


async def test_resubmission_amends_and_keeps_history_then_late_after_due(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", [*FIRST_SIX, ("Bỏ qua", "Câu 7/7"), ("bo qua", "Gửi")])
    await dialog(app.engine, "head1", [("1", "đúng hạn")])
    await dialog(
        app.engine,
        "head1",
        [
            ("bao cao", ["đã gửi báo cáo tháng 11/2026 – Thôn Đông (lần 1)", "1. Số hộ", ": 12"]),
            ("2", "sửa câu nào"),
            ("1", "Câu 1/7"),
            ("14", "1. Số hộ được công nhận gia đình văn hóa: 14"),
            ("1", ["Đã cập nhật báo cáo tháng 11/2026 – Thôn Đông (lần 2)", "bản trước"]),
        ],
    )
    [report] = await reports(app)
    assert (report.status, report.version, report.answers["gia_dinh_van_hoa"]) == ("amended", 2, 14)
    first, second = await report_versions(app, report.id)
    assert (first.status, first.answers["gia_dinh_van_hoa"]) == ("on_time", 12)
    assert (second.status, second.answers["gia_dinh_van_hoa"]) == ("amended", 14)
    app.clock.set(AFTER_DUE)  # type: ignore[attr-defined]
    await dialog(
        app.engine,
        "head1",
        [
            (
                "bao cao",
                ["không có báo cáo", "mở từ ngày 15/12/2026", "Xem, sửa báo cáo tháng 11/2026"],
            ),
            ("bao cao thang 11", "lần 2"),
            ("1", "nộp muộn"),
        ],
    )
    [report] = await reports(app)
    assert (report.status, report.version) == ("late", 3)
    assert [v.status for v in await report_versions(app, report.id)] == [
        "on_time",
        "amended",
        "late",
    ]


async def test_principal_reports_with_choices_for_the_school(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "principal",
        [
            ("/report", ["Trường Tiểu học Hòa Bình", "Câu 1/6", "Tốt", "Chưa đạt"]),
            ("rất tốt", "chọn một mục"),
            ("9", "chọn một mục"),
            ("kha", "Câu 2/6"),
            ("4", "Câu 3/6"),
            ("120 em", "Câu 4/6"),
            ("101%", "từ 0 đến 100"),
            ("97%", "Câu 5/6"),
            ("Bỏ qua", "Câu 6/6"),
            ("Bỏ qua", "1. Phong trào “Dạy tốt – học tốt” trong tháng đạt mức nào?: Khá"),
            ("1", "đúng hạn"),
        ],
    )
    [report] = await reports(app)
    assert report.unit_id == world.school.id
    assert report.answers["day_tot_hoc_tot"] == "kha"
    assert report.answers["ty_le_chuyen_can"] == 97


async def test_roles_and_unit_kinds_that_may_not_report_are_refused(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(app.engine, "staff", [("bao cao", "vai trò của Anh/Chị không dùng được")])
    async with app.sessions() as session, session.begin():
        odd = Member(
            name="Người thử", role="village_head", unit_id=world.school.id, created_at=START_NOW
        )
        session.add(odd)
        await session.flush()
        session.add(
            ChatBinding(member_id=odd.id, channel="console", chat_id="odd", created_at=START_NOW)
        )
    await dialog(app.engine, "odd", [("bao cao", "không gửi được báo cáo cho Trường Tiểu học")])
    assert await reports(app) == []


async def test_a_unit_kind_without_any_template_says_so(app: App, world: World) -> None:
    async with app.sessions() as session, session.begin():
        agency = await add_unit(session, "C1-CA", "Công an xã", "agency", world.commune, START)
        member = Member(name="Reporter", role="reporter", unit_id=agency.id, created_at=START)
        session.add(member)
        await session.flush()
        binding = ChatBinding(
            member_id=member.id, channel="console", chat_id="ca", created_at=START
        )
        session.add(binding)
    await dialog(app.engine, "ca", [("bao cao", "Chưa có mẫu báo cáo cho Công an xã")])


CUSTOM = """
templates:
  - unit_kind: village
    name: Mẫu thử
    indicators:
      - {key: so_ho, label_vi: Số hộ, label_en: Households, type: integer, min: 0, max: 10}
      - key: muc
        label_vi: Mức độ
        label_en: Level
        type: choice
        choices:
          - {key: cao, label_vi: Cao, label_en: High}
          - {key: thap, label_vi: Thấp, label_en: Low}
      - {key: ghi_chu, label_vi: Ghi chú, label_en: Note, type: text, max: 20}
      - {key: anh, label_vi: Ảnh bắt buộc, label_en: Required photo, type: photo}
"""


async def test_new_template_version_keeps_old_reports_readable(
    app: App, world: World, tmp_path: Path
) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head2", [*[(s, "") for s, _ in FIRST_SIX], ("bo qua", "")])
    await dialog(app.engine, "head2", [("bo qua", "Gửi"), ("1", "đúng hạn")])
    async with app.sessions() as session, session.begin():
        [(template, added)] = await load_templates(
            session, parse_templates(CUSTOM), app.clock.now()
        )
        assert added and template.version == 2
        new_id = template.id
    await dialog(
        app.engine,
        "head1",
        [
            ("bao cao", ["Câu 1/4", "Số hộ"]),
            ("3", ["Câu 2/4", "Cao", "Thấp"]),
            ("2", "Câu 3/4"),
            ("", "bắt buộc"),
            ("một ghi chú dài hơn hai mươi ký tự", "tối đa 20"),
            ("ngắn", ["Câu 4/4", "Ảnh bắt buộc"]),
            ("bo qua", "vui lòng gửi ảnh"),
        ],
    )
    done = await send_file(app, "head1", write(tmp_path, "x.jpg", JPEG))
    assert "4. Ảnh bắt buộc: đã gửi ảnh" in texts(done)
    assert "2. Mức độ: Thấp" in texts(done)
    await dialog(app.engine, "head1", [("1", "đúng hạn")])
    async with app.sessions() as session:
        listed = {r.unit: r for r in await list_reports(session, "2026-11")}
        old = await session.scalar(
            select(ReportTemplate).where(
                ReportTemplate.unit_kind == "village", ReportTemplate.version == 1
            )
        )
        assert old is not None
        assert not old.active
        rows = {r.unit_id: r for r in await session.scalars(select(Report))}
    assert listed["C1-T2"].answers["gia_dinh_van_hoa"] == 12
    assert listed["C1-T1"].answers == {"so_ho": 3, "muc": "thap", "ghi_chu": "ngắn", "anh": 1}
    assert rows[world.villages[1].id].template_id == old.id
    assert rows[world.villages[0].id].template_id == new_id
    # loading the same file again adds nothing
    async with app.sessions() as session, session.begin():
        [(_same, added)] = await load_templates(session, parse_templates(CUSTOM), app.clock.now())
        assert not added


async def test_english_member_gets_english_labels(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", [("/lang en", "English")])
    await dialog(
        app.engine,
        "head1",
        [
            ("/report", ["Report for 11/2026", "Question 1/7", "cultured families"]),
            ("lots", "not a number"),
        ],
    )


def test_integers_accept_units_and_spaces() -> None:
    from handlers.report import parse_integer

    assert parse_integer("12") == 12
    assert parse_integer(" 12 ") == 12
    assert parse_integer("12 hộ") == 12
    assert parse_integer("12hộ") == 12
    assert parse_integer("95%") == 95
    assert parse_integer("-3") == -3
    for bad in ("", "abc", "12 13", "12.5", "1,5", "hộ 12", "12 hộ 3"):
        assert parse_integer(bad) is None, bad


START_NOW = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def test_template_files_with_mistakes_are_refused_with_the_place() -> None:
    import pytest

    from storage.templates import TemplateError

    cases = {
        "- {unit_kind: town, indicators: [{key: a, label_vi: A, type: yes_no}]}": "unit_kind",
        "- {unit_kind: village, indicators: []}": "indicators",
        "- {unit_kind: village, indicators: [{key: A, label_vi: A, type: yes_no}]}": "key 'A'",
        "- {unit_kind: village, indicators: [{key: a, label_vi: A, type: date}]}": "type",
        "- {unit_kind: village, indicators: [{key: a, type: yes_no}]}": "label_vi",
        "- {unit_kind: village, indicators: [{key: a, label_vi: A, type: integer, min: 5,"
        " max: 1}]}": "min is above max",
        "- {unit_kind: village, indicators: [{key: a, label_vi: A, type: text,"
        " max: 900}]}": "1..500",
        "- {unit_kind: village, indicators: [{key: a, label_vi: A, type: choice,"
        " choices: [{key: x, label_vi: X}]}]}": "two choices",
        "- {unit_kind: village, indicators: [{key: a, label_vi: A, type: yes_no},"
        " {key: a, label_vi: B, type: yes_no}]}": "repeat",
        "templates: [": "YAML",
        "42": "list of templates",
    }
    for text, needle in cases.items():
        with pytest.raises(TemplateError) as refused:
            parse_templates(text)
        assert needle in str(refused.value), (text, str(refused.value))


async def test_typing_the_number_of_skip_skips_text_and_photo(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "head1",
        [
            *FIRST_SIX[:3],
            ("1", "Câu 4/7"),
            ("0", "Câu 5/7"),
            ("2", "Câu 6/7"),
            ("1", "Câu 7/7"),
            ("1", ["3. Kể ngắn", ": (bỏ qua)", "7. Ảnh minh chứng: (bỏ qua)"]),
            ("1", "đúng hạn"),
        ],
    )
    [report] = await reports(app)
    assert report.answers["nguoi_tot_viec_tot_mo_ta"] is None
    assert report.answers["an_ninh_trat_tu"] is False


async def test_starting_again_midway_resumes_the_half_filled_report(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", FIRST_SIX[:3])
    await dialog(
        app.engine,
        "head1",
        [
            ("bao cao", ["làm dở báo cáo tháng 11/2026 (đã trả lời 2/7 câu)", "Câu 3/7"]),
            ("bo qua", "Câu 4/7"),
            ("/huy", "Anh/Chị đang làm dở báo cáo tháng 11/2026 (3/7 câu)"),
            ("Để sau", ["Đã lưu bản nháp", "/tieptuc", "Anh/Chị muốn làm gì"]),
            ("bao cao", ["đã trả lời 3/7 câu", "Câu 4/7"]),
            ("/huy", ""),
            ("3", "Đã bỏ bản nháp"),
            ("bao cao", ["7 câu hỏi", "Câu 1/7"]),
        ],
    )
    assert await reports(app) == []
