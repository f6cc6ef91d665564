""" "Gia đình văn hóa" on its yearly cycle: the village head's list from the village meeting,
10 days' posting to the village's people with a printable notice, views through the bot to
staff, then the chair's decision (or a return)."""

from __future__ import annotations

from datetime import UTC, datetime

from docx import Document
from sqlalchemy import select

from bot.app import App
from handlers.clock import FixedClock
from storage.models import (
    AuditEntry,
    ChatBinding,
    HouseholdList,
    HouseholdObjection,
    Member,
    OutboxMessage,
)
from storage.reminders import no_longer_due, plan
from tests.factories import World, dialog, make_incoming, texts


async def resident(app: App, world: World) -> Member:
    async with app.sessions() as session, session.begin():
        member = Member(
            name="Lò Thị Dân",
            role="reporter",
            unit_id=world.villages[0].id,
            created_at=app.clock.now(),
        )
        session.add(member)
        await session.flush()
        session.add(
            ChatBinding(
                member_id=member.id, channel="console", chat_id="dan1", created_at=app.clock.now()
            )
        )
    return member


async def sent_to(app: App, member_id: int) -> list[str]:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .join(ChatBinding, ChatBinding.id == OutboxMessage.binding_id)
            .where(ChatBinding.member_id == member_id)
            .order_by(OutboxMessage.id)
        )
        return [r.payload["text"] for r in rows.all()]


async def the_list(app: App) -> HouseholdList:
    async with app.sessions() as session:
        found = await session.scalar(select(HouseholdList))
        assert found is not None
        return found


POST = [
    ("/giadinhvanhoa", ["Gia đình văn hóa” năm 2026", "trước ngày 25/11", "Họp bình xét ngày nào"]),
    ("22/11/2026", "không sau hôm nay"),
    ("31/11/2026", "không có"),
    ("05/11/2026", ["Thôn Đông có bao nhiêu hộ", "dự họp"]),
    ("120", "hai số"),
    ("95, 120", ["hai số", "không lớn hơn tổng"]),
    ("120 hộ, 95 hộ dự", "mỗi hộ một dòng"),
    ("1. Lò Văn Khánh\n2. Hà Thị Lan\n- Vi Văn Minh", ["Đã nhận 3 hộ", "Xong"]),
    ("Đinh Văn Nam; Lò Văn Khánh", "Đã nhận 4 hộ"),
    ("x", "chưa đúng"),
    ("Xong", ["họp bình xét ngày 05/11/2026: 4 hộ", "4. Đinh Văn Nam", "Gửi và niêm yết 10 ngày"]),
]


async def test_the_list_is_posted_viewed_and_decided_after_ten_days(
    app: App, world: World, clock: FixedClock
) -> None:
    dan = await resident(app, world)
    await dialog(app.engine, "head1", POST)
    posted = await app.engine.handle(make_incoming("Gửi và niêm yết 10 ngày", "head1"))
    assert "niêm yết đến hết ngày 30/11/2026" in texts(posted)
    notice, minutes = [r.attachment for r in posted.replies if r.attachment is not None]
    printed = "\n".join(p.text for p in Document(str(notice.path)).paragraphs)
    cells = "\n".join(c.text for t in Document(str(notice.path)).tables for c in t._cells)
    assert "THÔNG BÁO" in printed and "từ ngày 20/11/2026 đến hết ngày 30/11/2026" in printed
    assert "Đinh Văn Nam" in cells and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    # the minutes of the meeting (Mẫu số 03): dated the meeting day, who came, the households
    said = "\n".join(p.text for p in Document(str(minutes.path)).paragraphs)
    signed = "\n".join(c.text for t in Document(str(minutes.path)).tables for c in t._cells)
    assert (
        "BIÊN BẢN HỌP" in said
        and "Thôn Đông bình xét danh hiệu “Gia đình văn hóa” năm 2026" in said
    )
    assert "ngày 05 tháng 11 năm 2026" in said and "95/120 hộ" in said and ": 25 hộ" in said
    assert "Chủ trì: Ông (bà) Lò Văn An – Trưởng thôn" in said
    assert "nhất trí đề nghị 4 hộ gia đình trên tổng số 120 hộ" in said
    assert "Hòa Bình, ngày 05 tháng 11 năm 2026" in signed and "Vi Văn Minh" in signed
    assert "UBND XÃ HÒA BÌNH" not in signed and "ỦY BAN NHÂN DÂN\nXÃ HÒA BÌNH" in signed
    assert "CHỦ TRÌ" in signed and "Số:" not in signed
    listed = await the_list(app)
    assert (listed.status, len(listed.households), listed.year) == ("posted", 4, 2026)
    told = await sent_to(app, dan.id)
    assert len(told) == 1 and "4 hộ đề nghị công nhận “Gia đình văn hóa” năm 2026" in told[0]
    staff = world.members["staff"].id
    assert any("Thôn Đông đã gửi danh sách 4 hộ" in t for t in await sent_to(app, staff))
    # a resident sends a view; staff are told
    await dialog(
        app.engine,
        "dan1",
        [
            ("/ykien", "Ý kiến của Anh/Chị"),
            ("ok", "ít nhất 5 ký tự"),
            ("Hộ ông Minh còn vi phạm hương ước về vệ sinh.", "Đã gửi ý kiến"),
        ],
    )
    assert any("từ Lò Thị Dân: Hộ ông Minh" in t for t in await sent_to(app, staff))
    await dialog(app.engine, "head1", [("/giadinhvanhoa", "đang niêm yết đến hết ngày 30/11")])
    # staff may not decide while the list is posted
    await dialog(
        app.engine,
        "staff",
        [
            (
                "/giadinhvanhoa",
                ["1 danh sách", "Thôn Đông: 4 hộ, niêm yết đến 30/11/2026, 1 ý kiến"],
            ),
            ("1", ["Hộ ông Minh còn vi phạm", "Ghi quyết định của Chủ tịch"]),
            ("Ghi quyết định của Chủ tịch", "còn niêm yết đến hết ngày 30/11/2026"),
        ],
    )
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    await dialog(app.engine, "dan1", [("/ykien", "không có danh sách nào đang niêm yết")])
    await dialog(
        app.engine,
        "staff",
        [
            ("/giadinhvanhoa", "hết niêm yết 30/11/2026, 1 ý kiến – chờ quyết định"),
            ("1", "Ghi quyết định"),
            ("Ghi quyết định của Chủ tịch", "Số quyết định"),
            ("301/QĐ-UBND", "Ngày ký"),
            ("01/12/2026", "Đã ghi Quyết định số 301/QĐ-UBND ngày 01/12/2026: 4 hộ"),
        ],
    )
    listed = await the_list(app)
    assert (listed.status, listed.decision_number) == ("decided", "301/QĐ-UBND")
    assert any("đã công nhận 4 hộ" in t for t in await sent_to(app, dan.id))
    await dialog(app.engine, "head1", [("/giadinhvanhoa", "4 hộ đã được công nhận")])
    async with app.sessions() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.entity == "household_list")
            )
        ).all()
        assert await session.scalar(select(HouseholdObjection.text)) is not None
    assert list(actions) == ["households.posted", "households.objection", "households.decided"]


async def test_a_returned_list_is_sent_again_and_a_late_meeting_is_flagged(
    app: App, world: World, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    await dialog(
        app.engine,
        "head1",
        [
            ("gia dinh van hoa", "ngày nào"),
            ("27/11/2026", ["muộn hơn hạn", "bao nhiêu hộ"]),
            ("80, 60", "mỗi hộ một dòng"),
            ("Lò Văn Khánh", "Đã nhận 1 hộ"),
            ("Xong", "1 hộ"),
            ("Gửi và niêm yết 10 ngày", "Đã gửi danh sách 1 hộ"),
        ],
    )
    staff = world.members["staff"].id
    assert any("muộn hơn hạn" in t for t in await sent_to(app, staff))
    await dialog(
        app.engine,
        "staff",
        [
            ("/gdvh", "Thôn Đông"),
            ("1", "Lò Văn Khánh"),
            ("Trả lại để bổ sung", "nội dung cần bổ sung"),
            ("Thiếu biên bản họp thôn.", ["Đã trả lại danh sách", "Chưa có danh sách"]),
        ],
    )
    assert any(
        "trả lại để bổ sung: Thiếu biên bản" in t
        for t in await sent_to(app, world.members["head1"].id)
    )
    await dialog(
        app.engine,
        "head1",
        [
            ("/giadinhvanhoa", ["trả lại để bổ sung: Thiếu biên bản", "ngày nào"]),
            ("27/11/2026", "bao nhiêu hộ"),
            ("2, 2", "mỗi hộ"),
            ("Lò Văn Khánh\nHà Thị Lan\nVi Văn Minh", "tối đa 2 hộ"),
            ("Lò Văn Khánh\nHà Thị Lan", "Đã nhận 2 hộ"),
            ("1", "2 hộ"),  # the number of "Xong", as the console and Zalo show it
            ("Gửi và niêm yết 10 ngày", "Đã gửi danh sách 2 hộ"),
        ],
    )
    assert (await the_list(app)).status == "posted"


async def test_only_village_heads_send_lists_and_schools_are_told_so(
    app: App, world: World
) -> None:
    await dialog(app.engine, "principal", [("/giadinhvanhoa", "không dùng được chức năng này")])
    await dialog(app.engine, "outsider", [("/giadinhvanhoa", "Chưa có danh sách")])
    await dialog(app.engine, "head2", [("/ykien", "không có danh sách nào đang niêm yết")])


async def test_the_meeting_is_recalled_from_1_november_until_the_list_is_sent(
    app: App, world: World, clock: FixedClock
) -> None:
    def local(day: int, month: int = 11) -> datetime:
        return datetime(2026, month, day, 2, 0, tzinfo=UTC)  # 09:00 in Hanoi

    async def planned(at: datetime) -> list[tuple[str, str]]:
        async with app.sessions() as session, session.begin():
            found = await plan(session, app.settings, at)
        return [(p.chat, p.key) for p in found.added if "households" in p.key]

    assert await planned(local(31, 10)) == []
    first = await planned(local(1))
    assert sorted(chat for chat, _key in first) == ["head1", "head2", "head3"]
    assert all(":2026:d24" in key for _chat, key in first)
    async with app.sessions() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert "trước ngày 25/11/2026 (còn 24 ngày)" in rows[0].payload["text"]
    # Thôn Đông holds its meeting and sends the list; a row waiting for it is no longer due
    clock.set(local(18))
    week = await planned(local(18))
    assert sorted(chat for chat, _key in week) == ["head1", "head2", "head3"]
    await dialog(app.engine, "head1", [*POST, ("Gửi và niêm yết 10 ngày", "Đã gửi danh sách")])
    async with app.sessions() as session:
        waiting = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.key.contains("households"))
            )
        ).all()
        dropped = await no_longer_due(session, waiting, local(18))
    assert {r.key.split(":")[2] for r in waiting if r.id in dropped} == {str(world.villages[0].id)}
    assert sorted(chat for chat, _k in await planned(local(24))) == ["head2", "head3"]
    # two days after the deadline, staff learn which are behind, with their heads
    escalations = [k for _c, k in await planned(local(27)) if k.startswith("escalate:")]
    assert len(escalations) == 1
    async with app.sessions() as session:
        told = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.key == escalations[0])
        )
    assert told is not None
    assert "còn 2 thôn, tổ dân phố chưa gửi" in told.payload["text"]
    assert (
        "Thôn Tây — Hà Thị Bình" in told.payload["text"] and "Thôn Đông" not in told.payload["text"]
    )
