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


SCHOOL_TAIL = [
    ("khong", "Câu 6/11"),
    ("khong", "Câu 7/11"),
    ("bo qua", "Câu 8/11"),
    ("bo qua", "Câu 9/11"),
    ("bo qua", "Câu 10/11"),
    ("bo qua", "Câu 11/11"),
]


async def test_thousands_with_dots_or_spaces_are_one_number(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "principal",
        [
            ("bao cao", "Câu 1/11"),
            ("²", "cần một số"),
            ("①", "cần một số"),
            ("1 200 000", "từ 0 đến 5.000"),
            ("1.200 em", "Câu 2/11"),
            ("1 2", "cần một số"),
            ("12,5", "cần một số nguyên"),
            ("12", "Câu 3/11"),
            ("97,5", "Câu 4/11"),
            ("3", "Câu 5/11"),
            *SCHOOL_TAIL,
            ("Ôn tập học kỳ I.", "1. Tổng số học sinh đầu tháng: 1.200"),
            ("1", "Đã gửi"),
        ],
    )
    assert (await answers(app, world.school.id))["si_so"] == 1200


async def test_a_percentage_takes_a_decimal_comma_or_point(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "principal",
        [
            ("bao cao", "Câu 1/11"),
            ("400", "Câu 2/11"),
            ("3", "Câu 3/11"),
            ("101", "từ 0 đến 100"),
            ("97,55", "1 chữ số sau dấu phẩy"),
            ("97,5", "Câu 4/11"),
            ("2", "Câu 5/11"),
            *SCHOOL_TAIL,
            ("Ôn tập học kỳ I.", "3. Tỷ lệ học sinh đi học chuyên cần (%): 97,5%"),
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
            ("/report", "Question 1/11"),
            ("²", "not a number"),
            ("12,000", "from 0 to 5,000"),
            ("1,200", "Question 2/11"),
            ("3", "Question 3/11"),
            ("97.5", "Question 4/11"),
            ("2", "Question 5/11"),
            ("no", "Question 6/11"),
            ("no", "Question 7/11"),
            ("skip", "Question 8/11"),
            ("skip", "Question 9/11"),
            ("skip", "Question 10/11"),
            ("skip", "Question 11/11"),
            ("Revision.", ["Pupils enrolled at the start of the month: 1,200", "97.5%"]),
        ],
    )
