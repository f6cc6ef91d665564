"""The council's path in chat: checked by the commune official, voted by the Hội đồng Thi đua –
Khen thưởng, decided by the chair; returned or rejected at each step with a reason; audited;
the nominator told through the outbox at each step, in their language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from bot.app import App
from handlers.clock import FixedClock
from storage.council import PostingNotOver, chair_decision
from storage.models import (
    AuditEntry,
    ChatBinding,
    CouncilMeeting,
    Member,
    Nomination,
    OutboxMessage,
)
from tests.factories import World, dialog, make_incoming, options, texts
from tests.test_nomination import INDIVIDUAL_TO_FILES, nominations
from tests.test_report import JPEG, load_defaults, send_file, write


async def nominate(app: App, chat: str = "head1", tmp_path: Path | None = None) -> None:
    await dialog(app.engine, chat, INDIVIDUAL_TO_FILES)
    if tmp_path is not None:
        await send_file(app, chat, write(tmp_path, "minh-chung.jpg", JPEG))
    await dialog(app.engine, chat, [("Xong", "Gửi đề xuất"), ("1", "Đã gửi đề xuất")])


async def outbox(app: App) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def audits(app: App, nomination_id: int) -> list[AuditEntry]:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "nomination", AuditEntry.entity_id == nomination_id)
            .order_by(AuditEntry.id)
        )
        return list(rows.all())


CHECK = [
    ("/duyet", ["làm bước nào", "Kiểm tra đề xuất mới (1)"]),
    ("Kiểm tra đề xuất mới (1)", "1 đề xuất mới"),
    ("1", ["Nguyễn Văn An", "cần kiểm tra thêm", "Có thành tích trong thực hiện nhiệm vụ"]),
    ("Đủ điều kiện, chuyển Hội đồng", "Đã kiểm tra đề xuất #1"),
]
MEETING = [
    ("/duyet", "Ghi kết quả họp Hội đồng (1 chờ xét)"),
    ("Ghi kết quả họp Hội đồng (1 chờ xét)", ["1 đề xuất chờ xét", "Nguyễn Văn An", "ngày nào"]),
    ("31/02/2026", "không có"),
    ("25/11/2026", "chưa đến"),
    ("05/11/2026", "bao nhiêu thành viên"),
    ("9", "có mặt"),
    ("10", "từ 1 đến 9"),
    ("7", "bao nhiêu phiếu đồng ý"),
    ("8", "từ 0 đến 7"),
]
DECISION = [
    ("/duyet", "Ghi quyết định của Chủ tịch (1)"),
    ("1", ["Ghi quyết định khen thưởng của Chủ tịch UBND xã (1)", "Nguyễn Văn An"]),
    ("1", "Số quyết định"),
    ("abc", "215/QĐ-UBND"),
    ("215/QĐ-UBND", "Ngày ký"),
    ("09/11/2026", ["Đã ghi Quyết định số 215/QĐ-UBND ngày 09/11/2026: 1 khen thưởng"]),
]


async def test_the_whole_path_from_proposal_to_the_chairs_decision(
    app: App, world: World, tmp_path: Path
) -> None:
    await load_defaults(app)
    await nominate(app, tmp_path=tmp_path)
    await dialog(app.engine, "staff", CHECK)
    await dialog(
        app.engine,
        "staff",
        [
            *MEETING,
            ("6", ["Biên bản họp ngày 05/11/2026", "9 thành viên, có mặt 7", "thông qua (6/9"]),
            ("Lưu biên bản", "Đã lưu kết quả họp (1 đề xuất)"),
        ],
    )
    await dialog(app.engine, "staff", DECISION)
    [nomination] = await nominations(app)
    assert nomination.status == "decided"
    assert (nomination.votes_for, nomination.votes_against) == (6, 1)
    assert nomination.decision_number == "215/QĐ-UBND"
    assert str(nomination.decision_date) == "2026-11-09"
    async with app.sessions() as session:
        meeting = await session.scalar(select(CouncilMeeting))
    assert meeting is not None and (meeting.members, meeting.present) == (9, 7)
    trail = [a.action for a in await audits(app, nomination.id)]
    assert trail == [
        "nomination.filed",
        "nomination.checked",
        "nomination.passed",
        "nomination.decided",
    ]
    told = [row.payload["text"] for row in await outbox(app)]
    assert len(told) == 3
    assert "đã được kiểm tra, chuyển Hội đồng Thi đua – Khen thưởng xã" in told[0]
    assert "đã thông qua đề xuất #1" in told[1] and "(6 phiếu đồng ý)" in told[1]
    assert "Quyết định số 215/QĐ-UBND ngày 09/11/2026" in told[2]
    await dialog(app.engine, "staff", [("/duyet", "không có đề xuất nào đang chờ xét")])
    await dialog(app.engine, "head1", [("/trangthai", "đã có quyết định khen thưởng")])


async def test_a_failed_vote_rejects_and_says_the_votes(app: App, world: World) -> None:
    await load_defaults(app)
    await nominate(app)
    await dialog(app.engine, "staff", CHECK)
    await dialog(
        app.engine,
        "staff",
        [*MEETING, ("4", "không thông qua (4/9"), ("Lưu biên bản", "Đã lưu")],
    )
    [nomination] = await nominations(app)
    assert nomination.status == "rejected" and nomination.votes_for == 4
    last = (await outbox(app))[-1].payload["text"]
    assert "không thông qua đề xuất #1" in last and "(4 phiếu đồng ý)" in last


async def test_returned_at_each_step_with_the_reason_told_and_audited(
    app: App, world: World
) -> None:
    await load_defaults(app)
    for chat in ("head1", "head2", "head3"):
        await nominate(app, chat)
    # step 1: the commune official returns #1
    await dialog(
        app.engine,
        "staff",
        [
            ("/duyet", "Kiểm tra đề xuất mới (3)"),
            ("1", "3 đề xuất mới"),
            ("1", "Thôn Đông"),
            ("Trả lại để bổ sung", "nội dung cần bổ sung"),
            ("", "bằng chữ"),
            ("Ghi rõ diện tích đất hiến.", ["Đã trả lại đề xuất #1", "2 đề xuất mới"]),
            ("1", "Thôn Tây"),
            ("Đủ điều kiện, chuyển Hội đồng", "1 đề xuất mới"),
            ("1", "Thôn Nam"),
            ("Đủ điều kiện, chuyển Hội đồng", "Đã kiểm tra đề xuất #3"),
        ],
    )
    # step 2: the council returns #2 and passes #3
    await dialog(
        app.engine,
        "staff",
        [
            ("/duyet", "Ghi kết quả họp Hội đồng (2 chờ xét)"),
            ("Ghi kết quả họp Hội đồng (2 chờ xét)", "họp ngày nào"),
            ("06/11/2026", "thành viên"),
            ("7", "có mặt"),
            ("7", "bao nhiêu phiếu"),
            ("Hội đồng trả lại để bổ sung", "nội dung cần bổ sung"),
            ("Cần xác nhận của Ban công tác Mặt trận thôn.", "bao nhiêu phiếu"),
            ("7", ["trả lại: Cần xác nhận", "thông qua (7/7"]),
            ("Lưu biên bản", "Đã lưu kết quả họp (2 đề xuất)"),
        ],
    )
    # step 3: the chair returns #3
    await dialog(
        app.engine,
        "staff",
        [
            ("/duyet", "Ghi quyết định của Chủ tịch (1)"),
            ("Ghi quyết định của Chủ tịch (1)", "Thôn Nam"),
            ("2", "trả lại hay không đề nghị"),
            ("Trả lại để bổ sung", "nội dung cần bổ sung"),
            ("Bổ sung ảnh con đường đã làm.", ["Đã trả lại đề xuất #3", "không có đề xuất"]),
        ],
    )
    first, second, third = await nominations(app)
    assert [n.status for n in (first, second, third)] == ["returned"] * 3
    steps = []
    for n in (first, second, third):
        entry = (await audits(app, n.id))[-1]
        assert entry.action == "nomination.returned"
        steps.append(entry.detail["at"])
    assert steps == ["pending", "checked", "passed"]
    returned = [r.payload["text"] for r in await outbox(app) if "trả lại" in r.payload["text"]]
    assert len(returned) == 3 and any("Bổ sung ảnh con đường" in t for t in returned)
    # the nominator fixes #3 and sends it again: it starts the path over
    await dialog(app.engine, "head3", [("/dexuat", "bị trả lại"), ("1", "Bổ sung ảnh")])
    await dialog(app.engine, "head3", [("Gửi đề xuất", "Đã gửi lại đề xuất #3")])
    assert (await nominations(app))[2].status == "pending"


async def test_notification_is_in_the_nominators_language(app: App, world: World) -> None:
    await load_defaults(app)
    await nominate(app)
    async with app.sessions() as session, session.begin():
        head = await session.get_one(Member, world.members["head1"].id)
        head.locale = "en"
    await dialog(app.engine, "staff", CHECK)
    [row] = await outbox(app)
    assert row.payload["text"].startswith("Nomination #1 – Certificate of merit from the commune")
    assert row.payload["options"] == [["cmd:trangthai", "My status"]]


async def test_staff_see_only_their_subtree(app: App, world: World) -> None:
    await load_defaults(app)
    await nominate(app, "head2")
    await dialog(app.engine, "outsider", [("/duyet", "không có đề xuất nào đang chờ xét")])
    async with app.sessions() as session, session.begin():
        from storage.conversations import lock_conversation

        conv = await lock_conversation(session, "console", "outsider", app.clock.now())
        conv.state, conv.flow, conv.awaiting = "review:pick", "review", "choice"
        conv.options = [["n:1", "#1"]]
    peek = await app.engine.handle(make_incoming("", "outsider", choice="n:1"))
    assert "không thuộc đơn vị của Anh/Chị" in texts(peek)
    assert "Nguyễn Văn An" not in texts(peek)


async def test_a_step_taken_meanwhile_by_another_staff_member_is_not_taken_twice(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await nominate(app)
    async with app.sessions() as session, session.begin():
        second = Member(
            name="Cán bộ hai", role="staff", unit_id=world.commune.id, created_at=app.clock.now()
        )
        session.add(second)
        await session.flush()
        session.add(
            ChatBinding(
                member_id=second.id, channel="console", chat_id="staff2", created_at=app.clock.now()
            )
        )
    await dialog(app.engine, "staff", CHECK[:3])
    await dialog(app.engine, "staff2", CHECK)
    await dialog(app.engine, "staff", [("Trả lại để bổ sung", "nội dung")])
    await dialog(app.engine, "staff", [("Thiếu ảnh.", "không còn ở bước này")])
    [nomination] = await nominations(app)
    assert nomination.status == "checked"
    assert len(await outbox(app)) == 1


async def test_reporters_and_heads_may_not_review(app: App, world: World) -> None:
    await load_defaults(app)
    await nominate(app)
    await dialog(app.engine, "principal", [("/duyet", "không dùng được chức năng này")])
    await dialog(app.engine, "head1", [("/review", "không dùng được chức năng này")])
    await dialog(app.engine, "staff", CHECK[:3])
    async with app.sessions() as session, session.begin():
        member = await session.get_one(Member, world.members["staff"].id)
        member.role = "reporter"
    await dialog(app.engine, "staff", [("Đủ điều kiện, chuyển Hội đồng", "không dùng được")])
    [nomination] = await nominations(app)
    assert nomination.status == "pending" and await outbox(app) == []


async def test_status_lists_the_reports_and_what_is_owed(app: App, world: World) -> None:
    await load_defaults(app)
    from tests.test_report import FIRST

    await dialog(app.engine, "head1", [*FIRST, ("bo qua", ""), ("1", "")])
    out = await dialog(
        app.engine,
        "head1",
        [("/status", ["Báo cáo của Thôn Đông", "Tháng 11/2026: đúng hạn (lần 1)"])],
    )
    assert "chưa gửi" not in texts(out)
    assert options(out) == ["Về menu chính"]
    await dialog(app.engine, "head1", [("1", "Anh/Chị muốn làm gì?")])
    await dialog(app.engine, "staff", [("/trangthai", "Đề xuất đang chờ duyệt trong đơn vị: 0")])


async def test_a_village_title_waits_for_its_public_posting_before_the_decision(
    app: App, world: World
) -> None:
    """ "Thôn, tổ dân phố văn hóa": the council's list is made public 10 days for residents'
    views (NĐ 86/2023) before the chair decides; other awards of the same decision go ahead."""
    await load_defaults(app)
    await nominate(app, "head2")
    await dialog(
        app.engine,
        "head1",
        [
            ("/dexuat", "Thôn, tổ dân phố"),
            ("Thôn, tổ dân phố", "Tên tập thể"),
            ("Thôn Đông", ""),
            ("Thôn Đông, xã Một", "Thôn, tổ dân phố văn hóa"),
            ("Thôn, tổ dân phố văn hóa", ""),
            ("1", ""),
            ("1", ""),
            ("Cả thôn giữ vệ sinh môi trường, không có tệ nạn xã hội trong năm.", ""),
        ],
    )
    await dialog(app.engine, "head1", [("Xong", "Gửi đề xuất"), ("1", "Đã gửi đề xuất #2")])
    await dialog(
        app.engine,
        "staff",
        [
            ("/duyet", "Kiểm tra đề xuất mới (2)"),
            ("Kiểm tra đề xuất mới (2)", "2 đề xuất mới"),
            ("1", "Nguyễn Văn An"),
            ("Đủ điều kiện, chuyển Hội đồng", "1 đề xuất mới"),
            ("1", ["Thôn Đông", "công khai 10 ngày"]),
            ("Đủ điều kiện, chuyển Hội đồng", "Đã kiểm tra đề xuất #2"),
            ("/duyet", "Ghi kết quả họp Hội đồng (2 chờ xét)"),
            ("Ghi kết quả họp Hội đồng (2 chờ xét)", "ngày nào"),
            ("05/11/2026", "bao nhiêu thành viên"),
            ("9", "có mặt"),
            ("7", "phiếu đồng ý"),
            ("6", "phiếu đồng ý"),
            ("7", "Lưu biên bản"),
        ],
    )
    saved = await dialog(
        app.engine,
        "staff",
        [
            (
                "Lưu biên bản",
                ["Đã lưu kết quả họp (2 đề xuất)", "#2 Thôn Đông", "công khai đến hết ngày 15/11"],
            )
        ],
    )
    [notice] = [r.attachment for r in saved.replies if r.attachment is not None]
    posted = "\n".join(c.text for t in Document(str(notice.path)).tables for c in t._cells)
    posted += "\n".join(p.text for p in Document(str(notice.path)).paragraphs)
    assert "Thôn Đông" in posted and "Nguyễn Văn An" not in posted
    assert "THÔNG BÁO" in posted and "đến hết ngày 15/11/2026" in posted
    await dialog(
        app.engine,
        "staff",
        [
            ("/duyet", "Ghi quyết định của Chủ tịch (2)"),
            ("1", "Ghi quyết định khen thưởng của Chủ tịch UBND xã (2)"),
            ("1", "Số quyết định"),
            ("215/QĐ-UBND", "Ngày ký"),
            ("09/11/2026", ["1 khen thưởng", "đang công khai", "#2 Thôn Đông", "15/11/2026"]),
        ],
    )
    first, village = await nominations(app)
    assert (first.status, village.status) == ("decided", "passed")
    with pytest.raises(PostingNotOver):  # whoever else records a decision (the web page)
        async with app.sessions() as session, session.begin():
            staff = await session.get_one(Member, world.members["staff"].id)
            passed = await session.get_one(Nomination, village.id)
            await chair_decision(
                session, [passed], staff, app.clock.now(), "9/QĐ", date(2026, 11, 15)
            )
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))
    await dialog(
        app.engine,
        "staff",
        [
            ("/duyet", "Ghi quyết định của Chủ tịch (1)"),
            ("1", "Thôn Đông"),
            ("1", "Số quyết định"),
            ("230/QĐ-UBND", "Ngày ký"),
            ("15/11/2026", ["đang công khai", "15/11/2026"]),
            ("/duyet", "Ghi quyết định của Chủ tịch (1)"),
            ("1", "Thôn Đông"),
            ("1", "Số quyết định"),
            ("230/QĐ-UBND", "Ngày ký"),
            ("16/11/2026", "Đã ghi Quyết định số 230/QĐ-UBND ngày 16/11/2026: 1 khen thưởng"),
        ],
    )
    assert (await nominations(app))[1].status == "decided"
