"""Nominating someone for commendation, as dialog tables on the console channel."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app import App
from storage.models import AuditEntry, Nomination
from storage.nominations import awards_for, catalogue
from tests.factories import World, dialog, options, restarted, texts
from tests.test_report import JPEG, PDF, load_defaults, send_file, write

ACHIEVEMENT = "Ông An hiến 200 m2 đất làm đường liên thôn và vận động 5 hộ cùng làm."


async def nominations(app: App) -> list[Nomination]:
    async with app.sessions() as session:
        return list((await session.scalars(select(Nomination).order_by(Nomination.id))).all())


INDIVIDUAL_TO_FILES = [
    ("de xuat", ["cá nhân hay tập thể", "Cá nhân", "Tập thể"]),
    ("1", "Họ và tên"),
    ("Nguyễn Văn An", "Chức vụ và đơn vị"),
    ("Nông dân, thôn Đông", "Năm sinh"),
    ("1965", ["hình thức khen thưởng", "Lao động tiên tiến", "Chiến sĩ thi đua cơ sở"]),
    ("1", ["phong trào", "Toàn dân đoàn kết xây dựng đời sống văn hóa", "Khác"]),
    ("Người tốt, việc tốt", "tóm tắt thành tích"),
    (ACHIEVEMENT, ["minh chứng", "Xong"]),
]


async def test_village_head_nominates_a_person_with_evidence(
    app: App, world: World, tmp_path: Path
) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", INDIVIDUAL_TO_FILES)
    one = await send_file(app, "head1", write(tmp_path, "anh.jpg", JPEG))
    assert "Đã nhận 1 tệp" in texts(one) and options(one) == ["Xong"]
    two = await send_file(app, "head1", write(tmp_path, "giay.pdf", PDF), "document")
    assert "Đã nhận 2 tệp" in texts(two)
    summary = await dialog(
        app.engine,
        "head1",
        [
            (
                "Xong",
                [
                    "Đối tượng: Cá nhân",
                    "Họ tên / tên tập thể: Nguyễn Văn An",
                    "Chức vụ, đơn vị: Nông dân, thôn Đông",
                    "Năm sinh: 1965",
                    "Hình thức đề nghị: Lao động tiên tiến",
                    "Phong trào: Người tốt, việc tốt",
                    f"Thành tích: {ACHIEVEMENT}",
                    "Minh chứng: 2 tệp",
                ],
            )
        ],
    )
    assert options(summary) == ["Gửi đề xuất", "Sửa một mục", "Hủy"]
    await dialog(
        app.engine, "head1", [("1", ["Đã gửi đề xuất #1 cho Nguyễn Văn An", "Bot sẽ báo"])]
    )
    [nomination] = await nominations(app)
    assert nomination.status == "pending" and nomination.kind == "individual"
    assert nomination.award == "lao_dong_tien_tien" and nomination.birth_year == 1965
    assert nomination.unit_id == world.villages[0].id
    assert nomination.nominator_id == world.members["head1"].id
    assert len(nomination.file_ids) == 2
    async with app.sessions() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "nomination.filed")
        )
    assert audit is not None and audit.entity_id == nomination.id
    assert audit.actor_id == world.members["head1"].id


async def test_collective_skips_birth_year_and_offers_collective_awards(
    app: App, world: World
) -> None:
    await load_defaults(app)
    award_question = await dialog(
        app.engine,
        "principal",
        [
            ("/dexuat", "cá nhân hay tập thể"),
            ("Tập thể", "Tên tập thể"),
            ("Tổ chuyên môn khối 5", "thuộc đơn vị nào"),
            ("Trường Tiểu học Hòa Bình", "hình thức khen thưởng"),
        ],
    )
    labels = options(award_question)
    assert "Tập thể lao động tiên tiến" in labels
    assert "Lao động tiên tiến" not in labels and "Chiến sĩ thi đua cơ sở" not in labels
    movement_question = await dialog(
        app.engine, "principal", [("Tập thể lao động tiên tiến", "phong trào")]
    )
    assert options(movement_question)[0] == "Dạy tốt – học tốt"
    await dialog(
        app.engine,
        "principal",
        [
            ("Khác", "gõ tên phong trào"),
            ("ab", "ít nhất 3 ký tự"),
            ("Thi đua chào mừng ngày Nhà giáo Việt Nam", "thành tích"),
            ("Cả tổ có 100% học sinh hoàn thành chương trình lớp học.", "minh chứng"),
            ("xong", ["Đối tượng: Tập thể", "Phong trào: Thi đua chào mừng ngày Nhà giáo"]),
            ("Gửi đề xuất", "Đã gửi đề xuất #1"),
        ],
    )
    [nomination] = await nominations(app)
    assert nomination.kind == "collective" and nomination.birth_year is None
    assert nomination.award == "tap_the_lao_dong_tien_tien"
    assert "Năm sinh" not in texts(movement_question)


async def test_every_validation_error_is_explained(app: App, world: World, tmp_path: Path) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "head1",
        [
            ("de xuat", "cá nhân hay tập thể"),
            ("ca nhan thi sao", "1 (Cá nhân) hoặc 2 (Tập thể)"),
            ("Cá nhân", "Họ và tên"),
            ("1", "họ tên đầy đủ"),
            ("A" * 121, "tối đa 120"),
            ("Nguyễn Văn An", "Chức vụ"),
            ("?", "chức vụ và đơn vị"),
            ("Nông dân, thôn Đông", "Năm sinh"),
            ("1800", "từ 1900 đến 2026"),
            ("2027", "từ 1900 đến 2026"),
            ("năm ngoái", "từ 1900 đến 2026"),
            ("bo qua", "hình thức khen thưởng"),
            ("Bằng khen Thủ tướng", "chọn một mục"),
            ("42", "chọn một mục"),
            ("2", "phong trào"),
            ("99", "chọn một mục"),
            ("Phong trào tự đặt tên", "thành tích"),
            ("tốt", "ít nhất 10 ký tự"),
            ("x" * 1501, "tối đa 1500"),
            (ACHIEVEMENT, "minh chứng"),
            ("đây là ảnh", "hoặc chọn “Xong”"),
        ],
    )
    refused = await send_file(app, "head1", write(tmp_path, "a.exe", b"MZ\x90\x00" * 8), "document")
    assert "chỉ nhận ảnh" in texts(refused)
    summary = await dialog(
        app.engine,
        "head1",
        [("Xong", ["Năm sinh: —", "Chiến sĩ thi đua cơ sở", "Phong trào: Phong trào tự đặt tên"])],
    )
    assert "Minh chứng: 0 tệp" in texts(summary)
    await dialog(app.engine, "head1", [("1", "Đã gửi đề xuất")])
    [nomination] = await nominations(app)
    assert nomination.birth_year is None and nomination.file_ids == []


async def test_edit_one_item_from_the_summary(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "head1",
        [
            *INDIVIDUAL_TO_FILES,
            ("Xong", "Năm sinh: 1965"),
            ("Sửa một mục", ["sửa mục nào", "Năm sinh", "Thành tích", "Quay lại"]),
            ("Năm sinh", "Năm sinh?"),
            ("1966", "Năm sinh: 1966"),
            ("2", "sửa mục nào"),
            ("Hình thức khen thưởng", "hình thức khen thưởng"),
            ("Khen thưởng đột xuất", "Hình thức đề nghị: Khen thưởng đột xuất"),
            ("2", "sửa mục nào"),
            ("Quay lại", "Gửi đề xuất"),
            ("1", "Đã gửi đề xuất"),
        ],
    )
    [nomination] = await nominations(app)
    assert (nomination.birth_year, nomination.award) == (1966, "khen_thuong_dot_xuat")


async def test_cancel_asks_then_throws_the_draft_away_and_keeps_nothing(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "head1",
        [
            *INDIVIDUAL_TO_FILES[:4],
            ("/huy", "đang làm dở đề xuất khen thưởng Nguyễn Văn An"),
            ("Bỏ bản nháp", "Đã bỏ bản nháp"),
        ],
    )
    await dialog(app.engine, "head1", [*INDIVIDUAL_TO_FILES, ("Xong", "Gửi đề xuất")])
    await dialog(app.engine, "head1", [("Hủy", "đề xuất chưa được gửi")])
    await dialog(app.engine, "head1", [INDIVIDUAL_TO_FILES[0]])  # starts afresh
    assert await nominations(app) == []


async def test_half_filled_nomination_resumes_after_a_restart(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", INDIVIDUAL_TO_FILES[:5])
    async with restarted(app) as again:
        await dialog(
            again.engine,
            "head1",
            [
                ("1", "phong trào"),
                ("1", "thành tích"),
                (ACHIEVEMENT, "minh chứng"),
                ("xong", "Nguyễn Văn An"),
                ("1", "Đã gửi đề xuất"),
            ],
        )
        assert len(await nominations(again)) == 1


async def test_roles_that_may_not_nominate_are_refused(app: App, world: World) -> None:
    await dialog(app.engine, "staff", [("/dexuat", "không dùng được chức năng này")])
    await dialog(app.engine, "outsider", [("de xuat", "không dùng được chức năng này")])


def test_catalogue_has_the_required_awards() -> None:
    labels = {a.label_vi for a in catalogue()}
    for needed in (
        "Lao động tiên tiến",
        "Chiến sĩ thi đua cơ sở",
        "Tập thể lao động tiên tiến",
        "Giấy khen của Chủ tịch UBND xã",
        "Gia đình văn hóa",
        "Khen thưởng đột xuất",
    ):
        assert needed in labels
    assert any("Người tốt, việc tốt" in label for label in labels)
    assert all("individual" in a.kinds for a in awards_for("individual"))
    assert catalogue("no-such-province") == catalogue()


async def test_starting_again_midway_resumes_the_half_filled_nomination(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", INDIVIDUAL_TO_FILES[:7])
    await dialog(
        app.engine,
        "head1",
        [
            ("de xuat", ["đang làm dở một đề xuất", "tóm tắt thành tích"]),
            (ACHIEVEMENT, "minh chứng"),
            ("/dexuat", ["đang làm dở", "minh chứng"]),
            ("xong", "Nguyễn Văn An"),
            ("/dexuat", ["đang làm dở", "Gửi đề xuất"]),
            ("1", "Đã gửi đề xuất #1"),
            ("/dexuat", "cá nhân hay tập thể"),
        ],
    )
    assert len(await nominations(app)) == 1
