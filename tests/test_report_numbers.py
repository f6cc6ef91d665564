"""Numbers in the report dialog as people type them, in Vietnamese and in English."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from storage.models import Report
from tests.factories import World, dialog


async def answers(app: App, unit_id: int) -> dict[str, object]:
    async with app.sessions() as session:
        report = await session.scalar(select(Report).where(Report.unit_id == unit_id))
        assert report is not None
        return dict(report.answers)


async def test_thousands_with_dots_or_spaces_are_one_number(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "head1",
        [
            ("bao cao", "Câu 1/7"),
            ("²", "cần một số"),
            ("①", "cần một số"),
            ("1 200 000", "từ 0 đến 5.000"),
            ("1.200 hộ", "Câu 2/7"),
            ("1 2", "cần một số"),
            ("12", "Câu 3/7"),
            ("bo qua", "Câu 4/7"),
            ("12,5", "cần một số nguyên"),
            ("12", "Câu 5/7"),
            ("khong", "Câu 6/7"),
            ("bo qua", "Câu 7/7"),
            ("bo qua", "1. Số hộ được công nhận gia đình văn hóa: 1.200"),
            ("1", "Đã gửi"),
        ],
    )
    assert (await answers(app, world.villages[0].id))["gia_dinh_van_hoa"] == 1200


async def test_a_percentage_takes_a_decimal_comma_or_point(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "principal",
        [
            ("bao cao", "Câu 1/6"),
            ("1", "Câu 2/6"),
            ("3", "Câu 3/6"),
            ("40", "Câu 4/6"),
            ("101", "từ 0 đến 100"),
            ("97,55", "1 chữ số sau dấu phẩy"),
            ("97,5", "Câu 5/6"),
            ("bo qua", "Câu 6/6"),
            ("bo qua", "4. Tỷ lệ học sinh đi học chuyên cần (%): 97,5%"),
            ("1", "Đã gửi"),
        ],
    )
    assert (await answers(app, world.school.id))["ty_le_chuyen_can"] == 97.5


async def test_numbers_in_english_read_and_show_the_english_way(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "principal",
        [
            ("/lang en", "English"),
            ("/report", "Question 1/6"),
            ("1", "Question 2/6"),
            ("²", "not a number"),
            ("1,200", "from 0 to 500"),
            ("3", "Question 3/6"),
            ("1,200", "Question 4/6"),
            ("97.5", "Question 5/6"),
            ("skip", "Question 6/6"),
            ("skip", ["Students commended this month: 1,200", "97.5%"]),
        ],
    )
