"""Drafts are never lost: any command in the middle of a report or a nomination keeps the form
and asks what to do; /tieptuc or the same command resumes at the same question; /ngonngu
repeats the question in the new language; the draft follows the member to another phone."""

from __future__ import annotations

from bot.app import App
from storage.models import ChatBinding
from tests.conftest import START
from tests.factories import World, dialog, make_incoming, options, texts

THREE_ANSWERED = [
    ("bao cao", "Câu 1/11"),
    ("khong", "Câu 2/11"),
    ("12", "Câu 3/11"),
    ("3", "Câu 4/11"),
]
ASKS = ["đang làm dở báo cáo tháng 11/2026 (3/11 câu)", "Làm tiếp", "Để sau", "Bỏ bản nháp"]


async def test_any_command_midway_asks_and_later_resumes_at_the_same_question(
    app: App, world: World
) -> None:
    await dialog(app.engine, "head1", THREE_ANSWERED)
    for command in ("nhiem vu", "/trangthai", "de xuat", "menu", "/huy", "/baocao 10/2026"):
        out = await dialog(app.engine, "head1", [(command, ASKS)])
        assert options(out) == ["Làm tiếp", "Để sau", "Bỏ bản nháp"], command
        await dialog(app.engine, "head1", [("1", ["3/11 câu", "Câu 4/11"])])
    await dialog(
        app.engine,
        "head1",
        [
            ("nhiem vu", ASKS),
            ("2", ["Đã lưu bản nháp báo cáo tháng 11/2026 (3/11 câu)", "Nhiệm vụ"]),
            ("/tieptuc", ["đã trả lời 3/11 câu", "Câu 4/11"]),
            ("Tốt", "Câu 5/11"),
            ("trang thai", "đang làm dở báo cáo tháng 11/2026 (4/11 câu)"),
            ("Để sau", "Báo cáo của Thôn Đông"),
            ("bao cao", ["đã trả lời 4/11 câu", "Câu 5/11"]),
        ],
    )


async def test_a_menu_button_midway_asks_too(app: App, world: World) -> None:
    await dialog(app.engine, "head1", THREE_ANSWERED)
    out = await app.engine.handle(make_incoming(chat_id="head1", choice="cmd:dexuat"))
    assert "đang làm dở báo cáo tháng 11/2026" in texts(out)
    await dialog(app.engine, "head1", [("Bỏ bản nháp", ["Đã bỏ bản nháp", "đề xuất cho ai"])])
    await dialog(app.engine, "head1", [("/huy", "Đã hủy"), ("bao cao", "Câu 1/11")])


async def test_the_same_command_or_tieptuc_midway_repeats_the_question(
    app: App, world: World
) -> None:
    await dialog(
        app.engine,
        "head1",
        [
            *THREE_ANSWERED,
            ("bao cao", ["đã trả lời 3/11 câu", "Câu 4/11"]),
            ("tiep tuc", "Câu 4/11"),
            ("/trogiup", ["/tieptuc", "Làm tiếp báo cáo, đề xuất đang làm dở"]),
            ("Tốt", "Câu 5/11"),
        ],
    )


async def test_language_switch_midway_repeats_the_question_in_it(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "head1",
        [
            *THREE_ANSWERED,
            ("/ngonngu en", ["Language set to English", "Question 4/11", "Good"]),
            ("Good", "Question 5/11"),
            ("/lang", "Which language"),
            ("Tiếng Việt", ["Đã chuyển sang tiếng Việt", "Câu 5/11"]),
            ("15", "Câu 6/11"),
        ],
    )


async def test_drafts_in_english(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "head1",
        [
            ("/lang en", "English"),
            ("/report", "Question 1/11"),
            ("no", "Question 2/11"),
            ("/tasks", ["middle of the report for 11/2026 (1/11 questions)", "Keep it for later"]),
            ("Keep it for later", ["draft of the report for 11/2026", "/continue"]),
            ("/continue", ["(1/11 questions answered)", "Question 2/11"]),
            ("/cancel", ""),
            ("Throw the draft away", "was thrown away"),
            ("/continue", "nothing half done"),
        ],
    )


async def test_a_nomination_draft_is_kept_too(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "head1",
        [
            ("de xuat", "đề xuất cho ai"),
            ("1", "Họ và tên"),
            ("Nguyễn Văn An", "Nam hay nữ"),
            ("bao cao", ["đang làm dở đề xuất khen thưởng Nguyễn Văn An", "Để sau"]),
            ("Để sau", ["Đã lưu bản nháp", "Câu 1/11"]),
            ("khong", "Câu 2/11"),
            ("/tieptuc", "Câu 2/11"),
            ("/huy", "đang làm dở báo cáo tháng 11/2026 (1/11 câu)"),
            ("Để sau", "Đã lưu bản nháp"),
        ],
    )
    # two drafts now: the report (1 answer) and the nomination
    out = await dialog(app.engine, "head1", [("/tieptuc", "làm tiếp việc nào")])
    assert sorted(options(out)) == [
        "báo cáo tháng 11/2026 (1/11 câu)",
        "đề xuất khen thưởng Nguyễn Văn An",
    ]
    await dialog(app.engine, "head1", [("đề xuất khen thưởng Nguyễn Văn An", "Nam hay nữ")])


async def test_the_draft_follows_the_member_to_another_phone(app: App, world: World) -> None:
    await dialog(app.engine, "head1", THREE_ANSWERED)
    async with app.sessions() as session, session.begin():
        session.add(
            ChatBinding(
                member_id=world.members["head1"].id,
                channel="zalo",
                chat_id="zalo-head1",
                created_at=START,
            )
        )
    out = await app.engine.handle(make_incoming("bao cao", "zalo-head1", channel="zalo"))
    assert "đã trả lời 3/11 câu" in texts(out) and "Câu 4/11" in texts(out)
