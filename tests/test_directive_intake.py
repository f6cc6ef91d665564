"""Directive intake in the bot, as dialogs: paste or send a file, check, correct, activate;
`/chithi` lists and archives. The parse is asserted loosely (the parser has its own tests)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from handlers.intake_typed import parse_deadline
from handlers.types import Attachment, Outcome
from storage.models import AssigneeMapping, Directive, DirectiveTask, TaskTarget
from tests.factories import World, dialog, make_incoming, options, texts

DOC = """ỦY BAN NHÂN DÂN
XÃ HÒA BÌNH

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: {number}/KH-UBND

Hòa Bình, ngày 03 tháng 11 năm 2026

KẾ HOẠCH
Tổ chức phong trào thi đua "Xây dựng thôn, bản sạch đẹp" năm 2026

Căn cứ Luật Thi đua, khen thưởng năm 2022;

Ủy ban nhân dân xã ban hành Kế hoạch như sau:

1. Trưởng thôn các thôn tổ chức ra quân vệ sinh đường làng, ngõ xóm; hoàn thành trước ngày \
15/12/2026.

2. Hiệu trưởng Trường Tiểu học Hòa Bình tổ chức cho học sinh tham gia trồng cây xanh, gửi báo \
cáo kết quả về Ủy ban nhân dân xã trước ngày 20/11/2026.

3. Ban Văn hóa thông tin xã tuyên truyền trên hệ thống loa truyền thanh, tổng hợp kết quả hằng \
quý.

4. Trưởng thôn các thôn báo cáo tiến độ thực hiện về Ủy ban nhân dân xã trước ngày 25 hằng \
tháng.

Nơi nhận:
- Các thôn;
- Lưu: VT.

KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Nguyễn Văn Bình
"""
UNRESOLVED = "Ban Văn hóa thông tin xã"


def doc(number: int = 42) -> str:
    return DOC.format(number=number)


async def send_file(app: App, chat: str, path: Path, filename: str | None = None) -> Outcome:
    attachment = Attachment("document", path, filename or path.name)
    return await app.engine.handle(make_incoming("", chat, attachments=(attachment,)))


async def directives(app: App) -> list[Directive]:
    async with app.sessions() as session:
        return list((await session.scalars(select(Directive).order_by(Directive.id))).all())


async def tasks(app: App, directive_id: int) -> list[DirectiveTask]:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(DirectiveTask)
            .where(DirectiveTask.directive_id == directive_id)
            .order_by(DirectiveTask.id)
        )
        return list(rows.all())


async def targets(app: App, task_id: int) -> set[tuple[int, str]]:
    async with app.sessions() as session:
        rows = await session.scalars(select(TaskTarget).where(TaskTarget.task_id == task_id))
        return {(t.unit_id, t.role) for t in rows}


async def activated(app: App, text: str, chat: str = "staff") -> Outcome:
    """`text` pasted and activated (all the same when a task would remind nobody)."""
    outcome = await dialog(app.engine, chat, [(text, "Kích hoạt"), ("Kích hoạt", "")])
    if "Vẫn kích hoạt" in options(outcome):
        outcome = await dialog(app.engine, chat, [("Vẫn kích hoạt", "")])
    assert "Đã kích hoạt" in texts(outcome), texts(outcome)
    return outcome


def option_number(outcome: Outcome, fragment: str) -> str:
    """The number to type for the option whose label contains `fragment`."""
    labels = options(outcome)
    return str(next(i for i, label in enumerate(labels, 1) if fragment in label))


async def test_pasted_directive_shows_a_summary_and_activates(app: App, world: World) -> None:
    outcome = await dialog(
        app.engine,
        "staff",
        [
            (
                doc(),
                [
                    "42/KH-UBND",
                    "03/11/2026",
                    "UBND xã Hòa Bình",
                    "4 nhiệm vụ",
                    "Trưởng thôn (3 đơn vị)",
                    "Hiệu trưởng – Trường Tiểu học Hòa Bình",
                    "⚠ chưa rõ nơi nhận",
                    "Kích hoạt",
                ],
            ),
        ],
    )
    assert outcome.awaiting == "choice"
    [draft] = await directives(app)
    assert draft.status == "draft" and draft.issued_on == date(2026, 11, 3)
    await dialog(
        app.engine,
        "staff",
        [
            ("Kích hoạt", ["1 nhiệm vụ chưa có nơi nhận", "Vẫn kích hoạt"]),
            ("Vẫn kích hoạt", ["Đã kích hoạt", "4 nhiệm vụ", UNRESOLVED]),
        ],
    )
    [active] = await directives(app)
    assert active.status == "active" and active.activated_at is not None
    first, second, third, _fourth = await tasks(app, active.id)
    assert await targets(app, first.id) == {(v.id, "village_head") for v in world.villages}
    assert await targets(app, second.id) == {(world.school.id, "principal")}
    assert await targets(app, third.id) == set()


async def test_intake_from_the_command_or_the_menu_waits_for_the_text(
    app: App, world: World
) -> None:
    await dialog(
        app.engine,
        "staff",
        [
            ("/chithi moi", "dán toàn văn"),
            ("xin chào", "không tìm thấy số hiệu"),
            (doc(), ["42/KH-UBND", "Kích hoạt"]),
            ("/huy", "Đã hủy"),
            ("Nạp chỉ thị / văn bản", "dán toàn văn"),
            ("Hủy", "Đã hủy"),
            ("nap van ban", "dán toàn văn"),
            (doc(43), "43/KH-UBND"),
        ],
    )
    # /huy leaves the first draft to finish later from /chithi; both are drafts
    assert [d.status for d in await directives(app)] == ["draft", "draft"]


async def test_txt_and_docx_files_are_read(app: App, world: World, tmp_path: Path) -> None:
    import docx

    txt = tmp_path / "ke-hoach.txt"
    txt.write_text(doc(), encoding="utf-8")
    outcome = await send_file(app, "staff", txt)
    assert "42/KH-UBND" in texts(outcome) and outcome.awaiting == "choice"
    await dialog(app.engine, "staff", [("Hủy", "Đã hủy")])

    document = docx.Document()
    for line in doc(44).split("\n"):
        document.add_paragraph(line)
    # channels may keep a download under a name without its extension
    stored = tmp_path / "download-123"
    document.save(str(stored))
    outcome = await send_file(app, "staff", stored, "ke-hoach.docx")
    assert "44/KH-UBND" in texts(outcome) and "4 nhiệm vụ" in texts(outcome)
    [draft] = await directives(app)
    assert draft.source_name == "ke-hoach.docx"


async def test_a_file_in_the_waiting_step_and_an_unreadable_one(
    app: App, world: World, tmp_path: Path
) -> None:
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"not a pdf at all")
    await dialog(app.engine, "staff", [("/chithi moi", "dán toàn văn")])
    outcome = await send_file(app, "staff", broken)
    assert "không đọc được tệp «hong.pdf»" in texts(outcome)
    good = tmp_path / "kh.md"
    good.write_text(doc(), encoding="utf-8")
    outcome = await send_file(app, "staff", good)
    assert "42/KH-UBND" in texts(outcome)
    # with nothing in progress, an unreadable file still gets a clear answer
    await dialog(app.engine, "staff", [("Hủy", "Đã hủy")])
    outcome = await send_file(app, "staff", broken)
    assert "không đọc được tệp" in texts(outcome)
    assert await directives(app) == []


async def test_correcting_the_date_refuses_a_date_that_does_not_exist(
    app: App, world: World
) -> None:
    await dialog(
        app.engine,
        "staff",
        [
            (doc(), "03/11/2026"),
            ("Sửa ngày ban hành", "ngày ban hành đúng"),
            ("31/02/2026", "31/02/2026 không có trên lịch"),
            ("hôm qua", "ngày/tháng/năm"),
        ],
    )
    [draft] = await directives(app)
    assert draft.issued_on == date(2026, 11, 3)
    await dialog(
        app.engine,
        "staff",
        [("05/11/2026", ["Đã sửa ngày ban hành thành 05/11/2026", "Kích hoạt"])],
    )
    [draft] = await directives(app)
    assert draft.issued_on == date(2026, 11, 5)
    assert draft.parsed["issued_on"] == "2026-11-05"


async def test_correcting_a_deadline(app: App, world: World) -> None:
    outcome = await dialog(
        app.engine,
        "staff",
        [(doc(), "15/12/2026"), ("Sửa hạn", "chọn nhiệm vụ cần sửa hạn")],
    )
    first = option_number(outcome, "Nhiệm vụ 1: Trưởng thôn")
    outcome = await dialog(
        app.engine,
        "staff",
        [
            (first, ["Hạn hiện tại: 15/12/2026", "hạn mới"]),
            ("30/02/2026", "không có trên lịch"),
            ("sớm nhất có thể", "chưa hiểu hạn"),
            ("20/12/2026", ["Đã sửa hạn nhiệm vụ 1: 20/12/2026", "Kích hoạt"]),
            ("Sửa hạn", "chọn nhiệm vụ"),
        ],
    )
    fourth = option_number(outcome, "Nhiệm vụ 4: Trưởng thôn")
    await dialog(
        app.engine,
        "staff",
        [
            (fourth, "hạn mới"),
            ("ngày 20 hằng tháng", "ngày 20 hằng tháng"),
        ],
    )
    [draft] = await directives(app)
    one, _two, _three, four = await tasks(app, draft.id)
    assert [(d["due"], d["every"]) for d in one.deadlines] == [("2026-12-20", None)]
    assert [(d["every"], d["day"]) for d in four.deadlines] == [("month", 20)]


async def test_an_unresolved_assignee_typed_by_unit_name_is_remembered(
    app: App, world: World
) -> None:
    outcome = await dialog(
        app.engine,
        "staff",
        [
            (doc(), "⚠ chưa rõ nơi nhận"),
            (
                "Sửa nơi nhận",
                ["chọn nhiệm vụ cần sửa nơi nhận", f"⚠ Nhiệm vụ 3: {UNRESOLVED[:10]}"],
            ),
        ],
    )
    # the task nobody would be reminded of comes first
    assert options(outcome)[0].startswith("⚠ Nhiệm vụ 3")
    await dialog(
        app.engine,
        "staff",
        [
            ("1", ["Hiện giao: ⚠", "Trưởng thôn tất cả các thôn", "gõ tên đơn vị"]),
            ("tay", ["Đã giao nhiệm vụ 3 cho: Trưởng thôn – Thôn Tây", "Đã ghi nhớ"]),
            ("Kích hoạt", "Đã kích hoạt"),
        ],
    )
    [first] = await directives(app)
    third = (await tasks(app, first.id))[2]
    assert await targets(app, third.id) == {(world.villages[1].id, "village_head")}
    async with app.sessions() as session:
        assert await session.scalar(select(func.count(AssigneeMapping.id))) == 1

    # the next directive from the same commune uses the mapping
    outcome = await dialog(app.engine, "staff", [(doc(57), "57/KH-UBND")])
    assert "chưa rõ nơi nhận" not in texts(outcome)
    assert "Trưởng thôn – Thôn Tây" in texts(outcome)


async def test_giving_a_task_to_every_village_or_to_nobody(app: App, world: World) -> None:
    await dialog(app.engine, "staff", [(doc(), "42"), ("Sửa nơi nhận", "⚠")])
    await dialog(
        app.engine,
        "staff",
        [
            ("1", "gõ tên"),
            ("Trưởng thôn tất cả các thôn (3)", "Trưởng thôn (3 đơn vị)"),
            ("Sửa nơi nhận", "chọn nhiệm vụ"),
        ],
    )
    # nothing flagged any more: the tasks are in document order
    outcome = await dialog(app.engine, "staff", [("3", "Hiện giao: Trưởng thôn (3 đơn vị)")])
    outcome = await dialog(
        app.engine,
        "staff",
        [
            (option_number(outcome, "Không giao ai"), "không giao ai"),
            ("Kích hoạt", lambda o: "Lưu ý" not in texts(o) and "Đã kích hoạt" in texts(o)),
        ],
    )
    [first] = await directives(app)
    assert await targets(app, (await tasks(app, first.id))[2].id) == set()


async def test_dropping_a_task(app: App, world: World) -> None:
    outcome = await dialog(
        app.engine, "staff", [(doc(), "4 nhiệm vụ"), ("Bỏ một nhiệm vụ", "chọn nhiệm vụ cần bỏ")]
    )
    await dialog(
        app.engine,
        "staff",
        [
            (
                option_number(outcome, "Nhiệm vụ 3: Ban"),
                ["Đã bỏ nhiệm vụ 3", "3 nhiệm vụ", "Đã bỏ 1"],
            ),
            ("Kích hoạt", lambda o: "Lưu ý" not in texts(o) and "3 nhiệm vụ" in texts(o)),
        ],
    )
    [active] = await directives(app)
    dropped = (await tasks(app, active.id))[2]
    assert dropped.dropped and await targets(app, dropped.id) == set()


async def test_cancel_deletes_the_draft(app: App, world: World) -> None:
    await dialog(app.engine, "staff", [(doc(), "Kích hoạt"), ("Hủy", "không được lưu")])
    assert await directives(app) == []


async def test_chithi_lists_archives_and_opens_a_draft(app: App, world: World) -> None:
    await dialog(app.engine, "staff", [("/chithi", "Chưa có văn bản")])
    await activated(app, doc())
    await dialog(app.engine, "staff", [(doc(43), "43"), ("/huy", "Đã hủy")])
    outcome = await dialog(
        app.engine,
        "staff",
        [("/chithi", ["Kế hoạch 42/KH-UBND", "4 nhiệm vụ", "43/KH-UBND", "bản nháp"])],
    )
    outcome = await dialog(
        app.engine,
        "staff",
        [
            (option_number(outcome, "Xem bản nháp"), ["43/KH-UBND", "Kích hoạt"]),
            ("/chithi", "Lưu trữ"),
        ],
    )
    await dialog(
        app.engine,
        "staff",
        [
            (option_number(outcome, "Lưu trữ"), "Lưu trữ Kế hoạch 42/KH-UBND?"),
            ("Không", "Văn bản đang theo dõi"),
        ],
    )
    outcome = await dialog(app.engine, "staff", [("/directives", "42/KH-UBND")])
    await dialog(
        app.engine,
        "staff",
        [(option_number(outcome, "Lưu trữ"), "?"), ("Đồng ý", "Đã lưu trữ Kế hoạch 42/KH-UBND")],
    )
    statuses = [d.status for d in await directives(app)]
    assert statuses == ["archived", "draft"]
    await dialog(app.engine, "head1", [("/nhiemvu", "không có nhiệm vụ nào")])


async def test_roles_and_units_are_checked(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "head1",
        [
            ("/chithi moi", "vai trò của Anh/Chị không dùng được"),
            ("nap van ban", "vai trò"),
            ("/chithi", "vai trò"),
            (doc(), lambda o: "Kích hoạt" not in texts(o)),
            ("/nhiemvu", "không có nhiệm vụ"),
        ],
    )
    assert await directives(app) == []
    await activated(app, doc())
    # another commune's staff neither sees nor archives it
    await dialog(app.engine, "outsider", [("/chithi", "Chưa có văn bản")])


async def test_short_text_from_staff_still_shows_the_menu(app: App, world: World) -> None:
    outcome = await dialog(app.engine, "staff", [("chào bot", "Anh/Chị muốn làm gì")])
    assert "Nạp chỉ thị / văn bản" in options(outcome)
    await dialog(app.engine, "staff", [("x" * 350, "Anh/Chị muốn làm gì")])
    assert await directives(app) == []


async def test_summary_in_english(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "staff",
        [("/lang en", "English"), (doc(), ["42/KH-UBND", "4 tasks", "Activate"])],
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15/12/2026", {"due": "2026-12-15", "every": None}),
        ("trước ngày 5-1-2027", {"due": "2027-01-05", "every": None}),
        ("ngày 25 hằng tháng", {"every": "month", "day": 25}),
        ("25 hang thang", {"every": "month", "day": 25}),
        ("hằng tháng", {"every": "month", "day": None}),
        ("hằng quý", {"every": "quarter"}),
        ("định kỳ 6 tháng", {"every": "half_year"}),
        ("trước ngày 10/11 hằng năm", {"every": "year", "month": 11, "day": 10}),
    ],
)
def test_typed_deadlines(typed: str, expected: dict[str, object]) -> None:
    deadlines, error = parse_deadline(typed)
    assert error is None and deadlines is not None
    [deadline] = deadlines
    assert {key: deadline[key] for key in expected} == expected


@pytest.mark.parametrize("typed", ["31/02/2026", "30/02 hằng năm", "ngày 40 hằng tháng", "sớm"])
def test_typed_deadlines_refused(typed: str) -> None:
    deadline, error = parse_deadline(typed)
    assert deadline is None and error


async def test_files_start_intake_only_for_staff(app: App, world: World, tmp_path: Path) -> None:
    txt = tmp_path / "kh.txt"
    txt.write_text(doc(), encoding="utf-8")
    outcome = await send_file(app, "head1", txt)
    assert "Kích hoạt" not in texts(outcome)
    assert await directives(app) == []
