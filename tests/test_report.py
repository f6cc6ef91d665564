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


# The village template without open tasks: 11 questions, the photo last.
FIRST = [
    ("bao cao", ["Báo cáo tháng 11/2026 – Thôn Đông", "hạn nộp ngày 25/11/2026", "Câu 1/11"]),
    ("khong", "Câu 2/11"),
    ("2 vụ", "Câu 3/11"),
    (" 3 ", ["Câu 4/11", "Tốt", "Chưa đạt"]),
    ("Tốt", "Câu 5/11"),
    ("12 hộ", "Câu 6/11"),
    ("1", "Câu 7/11"),
    ("4", "Câu 8/11"),
    ("Đường xóm 3 xuống cấp, mưa là ngập.", "Câu 9/11"),
    ("bo qua", "Câu 10/11"),
    ("Tổng vệ sinh, họp bình xét cuối năm.", ["Câu 11/11", "Ảnh minh chứng"]),
]


async def test_village_head_files_the_monthly_report(
    app: App, world: World, tmp_path: Path
) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", FIRST)
    summary = await send_file(app, "head1", write(tmp_path, "anh.jpg", JPEG))
    said = texts(summary)
    assert "1. Trong tháng có vụ việc mất an ninh, trật tự không?: Không" in said
    assert "5. Số hộ nghèo, cận nghèo được hỗ trợ trong tháng: 12" in said
    assert "8. Khó khăn, vướng mắc: Đường xóm 3 xuống cấp" in said
    assert "9. Kiến nghị, đề xuất: (bỏ qua)" in said
    assert "11. Ảnh minh chứng: đã gửi ảnh" in said
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
    assert report.answers["ho_ngheo_ho_tro"] == 12
    assert report.answers["an_ninh_trat_tu"] is False
    assert report.answers["kien_nghi"] is None
    assert "an_ninh_chi_tiet" not in report.answers  # not asked after "Không"
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
            ("bao cao", "Câu 1/11"),
            ("có lẽ", "Có hoặc Không"),
            ("3", "Có hoặc Không"),
            ("Có", ["Câu 2/12", "Vụ việc gì"]),
            ("x" * 501, "tối đa 500"),
            ("", "bắt buộc"),
            ("Mất trộm xe máy ở xóm 1, đã báo Công an xã.", "Câu 3/12"),
            ("mười hai", "cần một số"),
            ("12 13", "cần một số"),
            ("12.5", "cần một số"),
            ("-1", "từ 0 đến 200"),
            ("201", "từ 0 đến 200"),
            ("12", "Câu 4/12"),
            ("3", "Câu 5/12"),
            ("rất tốt", "chọn một mục"),
            ("Đạt", "Câu 6/12"),
            ("5", "Câu 7/12"),
            ("0", "Câu 8/12"),
            ("2", "Câu 9/12"),
            ("bo qua", "Câu 10/12"),
            ("bo qua", "Câu 11/12"),
            ("Họp dân triển khai kế hoạch.", "Câu 12/12"),
            ("ảnh đây", "cần một ảnh"),
        ],
    )
    pdf = await send_file(app, "head1", write(tmp_path, "a.pdf", PDF), "document")
    assert "cần ảnh chụp" in texts(pdf)
    assert pdf.awaiting == "photo"
    junk = await send_file(app, "head1", write(tmp_path, "virus.jpg", b"MZ\x90\x00" * 10))
    assert "chỉ nhận ảnh" in texts(junk)
    assert junk.awaiting == "photo" and options(junk) == ["Bỏ qua"]
    await dialog(app.engine, "head1", [("bỏ qua", "12. Ảnh minh chứng: (bỏ qua)")])
    await dialog(app.engine, "head1", [("gửi", "gõ 1, 2 hoặc 3"), ("1", "đúng hạn")])
    [report] = await reports(app)
    assert report.answers["hoa_giai_thanh"] == 12 and report.answers["ve_sinh_moi_truong"] == "dat"
    assert report.answers["an_ninh_trat_tu"] is True
    assert report.answers["an_ninh_chi_tiet"].startswith("Mất trộm xe máy")


async def test_edit_one_answer_from_the_summary(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", FIRST)
    await dialog(
        app.engine,
        "head1",
        [
            ("bo qua", "7. Số gương người tốt, việc tốt phát hiện trong tháng: 4"),
            ("2", ["Anh/Chị muốn sửa câu nào?", "Số gương người tốt", "Quay lại"]),
            ("99", "chọn một mục"),
            ("7", "Câu 7/11"),
            ("abc", "cần một số"),
            ("9", "7. Số gương người tốt, việc tốt phát hiện trong tháng: 9"),
            ("Sửa một câu", "Anh/Chị muốn sửa câu nào?"),
            ("Quay lại", "Gửi báo cáo"),
            ("Gửi báo cáo", "đúng hạn"),
        ],
    )
    [report] = await reports(app)
    assert report.answers["nguoi_tot_viec_tot"] == 9
    assert report.answers["ho_ngheo_ho_tro"] == 12


async def test_cancel_midway_asks_and_cancel_from_the_summary_keeps_nothing(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "head1",
        [
            ("bao cao", "Câu 1/11"),
            ("khong", "Câu 2/11"),
            ("/huy", ["đang làm dở báo cáo tháng 11/2026 (1/11 câu)", "Bỏ bản nháp"]),
            ("3", ["Đã bỏ bản nháp", "Anh/Chị muốn"]),
            ("bao cao", "Câu 1/11"),
        ],
    )
    await dialog(app.engine, "head1", [*FIRST[1:], ("Bỏ qua", "Hủy")])
    await dialog(app.engine, "head1", [("3", ["báo cáo chưa được gửi", "Báo cáo tháng"])])
    await dialog(app.engine, "head1", [("bao cao", "Câu 1/11")])  # nothing kept
    assert await reports(app) == []


async def test_half_filled_report_resumes_after_a_restart(
    app: App, world: World, clock: object
) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", FIRST[:3])
    async with restarted(app) as again:
        await dialog(
            again.engine,
            "head1",
            [*FIRST[3:], ("bo qua", "2. Số vụ việc hòa giải thành ở cơ sở trong tháng: 2"),
             ("1", "đúng hạn")],
        )  # fmt: skip
        [report] = await reports(again)
        assert report.answers["hoa_giai_thanh"] == 2


async def test_report_after_the_due_day_is_late(app: App, world: World) -> None:
    await load_defaults(app)
    app.clock.set(AFTER_DUE)  # type: ignore[attr-defined]
    await dialog(
        app.engine,
        "head1",
        [
            ("/baocao", ["quá hạn nộp (25/11/2026)", "nộp muộn", "Câu 1/11"]),
            *FIRST[1:],
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
    await dialog(app.engine, "head1", [*FIRST, ("bo qua", "Gửi")])
    await dialog(app.engine, "head1", [("1", "đúng hạn")])
    await dialog(
        app.engine,
        "head1",
        [
            ("bao cao", ["đã gửi báo cáo tháng 11/2026 – Thôn Đông (lần 1)", "5. Số hộ", ": 12"]),
            ("2", "sửa câu nào"),
            ("5", "Câu 5/11"),
            ("14", "5. Số hộ nghèo, cận nghèo được hỗ trợ trong tháng: 14"),
            ("1", ["Đã cập nhật báo cáo tháng 11/2026 – Thôn Đông (lần 2)", "bản trước"]),
        ],
    )
    [report] = await reports(app)
    assert (report.status, report.version, report.answers["ho_ngheo_ho_tro"]) == ("amended", 2, 14)
    first, second = await report_versions(app, report.id)
    assert (first.status, first.answers["ho_ngheo_ho_tro"]) == ("on_time", 12)
    assert (second.status, second.answers["ho_ngheo_ho_tro"]) == ("amended", 14)
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


async def test_principal_reports_for_the_school_with_a_food_safety_incident(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "principal",
        [
            ("/report", ["Trường Tiểu học Hòa Bình", "Câu 1/11", "Tổng số học sinh"]),
            ("120 em", "Câu 2/11"),
            ("0", "Câu 3/11"),
            ("101%", "từ 0 đến 100"),
            ("97%", "Câu 4/11"),
            ("3", ["Câu 5/11", "an toàn trường học"]),
            ("Không", ["Câu 6/11", "an toàn thực phẩm"]),
            ("Có", ["Câu 7/12", "Vụ việc mất an toàn thực phẩm"]),
            ("2 em đau bụng sau bữa trưa, đã báo Trạm y tế xã.", "Câu 8/12"),
            ("Bỏ qua", "Câu 9/12"),
            ("Bỏ qua", "Câu 10/12"),
            ("Bỏ qua", "Câu 11/12"),
            ("Bỏ qua", "Câu 12/12"),
            ("Ôn tập, kiểm tra học kỳ I.", "1. Tổng số học sinh đầu tháng: 120"),
            ("1", "đúng hạn"),
        ],
    )
    [report] = await reports(app)
    assert report.unit_id == world.school.id
    assert report.answers["ty_le_chuyen_can"] == 97 and report.answers["si_so"] == 120
    assert report.answers["an_toan_thuc_pham_chi_tiet"].startswith("2 em đau bụng")
    assert "an_toan_truong_hoc_chi_tiet" not in report.answers


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
    await dialog(app.engine, "head2", [(s, "") for s, _ in FIRST])
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
    assert listed["C1-T2"].answers["ho_ngheo_ho_tro"] == 12
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
            ("/report", ["Report for 11/2026", "Question 1/11", "security or public-order"]),
            ("maybe", "Yes or No"),
            ("no", ["Question 2/11", "mediation"]),
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
            *FIRST[:8],
            ("1", "Câu 9/11"),
            ("1", "Câu 10/11"),
            ("Họp dân.", "Câu 11/11"),
            ("1", ["8. Khó khăn, vướng mắc: (bỏ qua)", "11. Ảnh minh chứng: (bỏ qua)"]),
            ("1", "đúng hạn"),
        ],
    )
    [report] = await reports(app)
    assert report.answers["kho_khan"] is None and report.answers["kien_nghi"] is None
    assert report.answers["an_ninh_trat_tu"] is False


async def test_starting_again_midway_resumes_the_half_filled_report(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", FIRST[:3])
    await dialog(
        app.engine,
        "head1",
        [
            ("bao cao", ["làm dở báo cáo tháng 11/2026 (đã trả lời 2/11 câu)", "Câu 3/11"]),
            (" 3 ", "Câu 4/11"),
            ("/huy", "Anh/Chị đang làm dở báo cáo tháng 11/2026 (3/11 câu)"),
            ("Để sau", ["Đã lưu bản nháp", "/tieptuc", "Anh/Chị muốn làm gì"]),
            ("bao cao", ["đã trả lời 3/11 câu", "Câu 4/11"]),
            ("/huy", ""),
            ("3", "Đã bỏ bản nháp"),
            ("bao cao", ["11 câu hỏi", "Câu 1/11"]),
        ],
    )
    assert await reports(app) == []
