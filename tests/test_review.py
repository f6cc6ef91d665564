"""Staff review nominations: approve, reject, return; the nominator is told through the outbox."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app import App
from storage.models import AuditEntry, ChatBinding, Member, OutboxMessage
from tests.factories import World, dialog, options, texts
from tests.test_nomination import ACHIEVEMENT, INDIVIDUAL_TO_FILES, nominations
from tests.test_report import JPEG, load_defaults, send_file, write


async def nominate(app: App, chat: str = "head1", tmp_path: Path | None = None) -> None:
    await dialog(app.engine, chat, INDIVIDUAL_TO_FILES)
    if tmp_path is not None:
        await send_file(app, chat, write(tmp_path, "minh-chung.jpg", JPEG))
    await dialog(app.engine, chat, [("Xong", "Gửi đề xuất"), ("1", "Đã gửi đề xuất")])


async def outbox(app: App) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list((await session.scalars(select(OutboxMessage))).all())


async def audits(app: App, nomination_id: int) -> list[AuditEntry]:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "nomination", AuditEntry.entity_id == nomination_id)
            .order_by(AuditEntry.id)
        )
        return list(rows.all())


async def test_staff_approves_and_the_nominator_is_told(
    app: App, world: World, tmp_path: Path
) -> None:
    await load_defaults(app)
    await nominate(app, tmp_path=tmp_path)
    listing = await dialog(app.engine, "staff", [("/duyet", "Có 1 đề xuất đang chờ duyệt")])
    assert options(listing) == ["#1 Nguyễn Văn An – Lao động tiên tiến (Thôn Đông)"]
    opened = await dialog(
        app.engine,
        "staff",
        [
            (
                "1",
                [
                    "Đề xuất #1 – Thôn Đông, người đề xuất: Lò Văn An",
                    "Năm sinh: 1965",
                    f"Thành tích: {ACHIEVEMENT}",
                    "Minh chứng: 1 tệp",
                ],
            )
        ],
    )
    assert options(opened) == ["Duyệt", "Không duyệt", "Trả lại để bổ sung", "Quay lại danh sách"]
    evidence = [r.attachment for r in opened.replies if r.attachment]
    assert len(evidence) == 1 and evidence[0].kind == "photo" and evidence[0].path.exists()
    await dialog(
        app.engine,
        "staff",
        [
            ("Duyệt", "Ghi chú khi duyệt"),
            ("Bỏ qua", ["Đã duyệt đề xuất #1", "không có đề xuất nào đang chờ duyệt"]),
        ],
    )
    [nomination] = await nominations(app)
    assert nomination.status == "approved"
    assert nomination.reviewed_by == world.members["staff"].id
    assert nomination.review_reason is None and nomination.reviewed_at is not None
    trail = await audits(app, nomination.id)
    assert [a.action for a in trail] == ["nomination.filed", "nomination.approved"]
    assert trail[-1].actor_id == world.members["staff"].id
    [row] = await outbox(app)
    async with app.sessions() as session:
        binding = await session.get_one(ChatBinding, row.binding_id)
    assert binding.member_id == world.members["head1"].id
    assert row.key == f"review:{nomination.id}:approved:{trail[-1].id}:b{binding.id}"
    assert row.kind == "review" and row.sent_at is None
    assert "đề xuất #1 – Lao động tiên tiến cho Nguyễn Văn An đã được duyệt" in row.payload["text"]
    assert row.payload["options"] == [["cmd:trangthai", "Xem trạng thái"]]


async def test_reject_needs_a_reason_which_the_nominator_reads(app: App, world: World) -> None:
    await load_defaults(app)
    await nominate(app)
    await dialog(
        app.engine,
        "staff",
        [
            ("duyet", "Có 1 đề xuất"),
            ("1", "quyết định thế nào"),
            ("ok", "chọn một mục"),
            ("2", "lý do không duyệt"),
            ("", "gõ lý do"),
            ("Thành tích chưa đủ tiêu chuẩn năm nay.", "Đã ghi nhận không duyệt đề xuất #1"),
        ],
    )
    [nomination] = await nominations(app)
    assert (nomination.status, nomination.review_reason) == (
        "rejected",
        "Thành tích chưa đủ tiêu chuẩn năm nay.",
    )
    [row] = await outbox(app)
    assert "không được duyệt. Lý do: Thành tích chưa đủ tiêu chuẩn năm nay." in row.payload["text"]
    await dialog(
        app.engine,
        "head1",
        [("/trangthai", ["#1 Nguyễn Văn An – Lao động tiên tiến: không được duyệt", "Lý do:"])],
    )


async def test_returned_nomination_is_fixed_and_resubmitted(
    app: App, world: World, tmp_path: Path
) -> None:
    await load_defaults(app)
    await nominate(app)
    await dialog(
        app.engine,
        "staff",
        [
            ("/review", "Có 1 đề xuất"),
            ("1", "quyết định"),
            ("Trả lại để bổ sung", "nội dung cần bổ sung"),
            ("Ghi rõ diện tích đất hiến và thời gian.", "Đã trả lại đề xuất #1"),
        ],
    )
    [row] = await outbox(app)
    assert "trả lại để bổ sung: Ghi rõ diện tích đất hiến" in row.payload["text"]
    assert row.payload["options"] == [["cmd:dexuat", "Sửa đề xuất bị trả lại"]]
    status = await dialog(
        app.engine,
        "head1",
        [
            (
                "trang thai",
                [
                    "Báo cáo của Thôn Đông",
                    "Tháng 11/2026: chưa gửi (hạn 25/11/2026)",
                    "#1 Nguyễn Văn An – Lao động tiên tiến: trả lại để bổ sung",
                    "Lý do: Ghi rõ diện tích đất hiến và thời gian.",
                ],
            )
        ],
    )
    assert options(status) == ["Báo cáo tháng", "Sửa đề xuất bị trả lại"]
    fixed = "Ông An hiến 200 m2 đất tháng 10/2026 làm đường liên thôn, vận động 5 hộ cùng làm."
    await dialog(
        app.engine,
        "head1",
        [
            ("2", ["1 đề xuất bị trả lại", "Sửa đề xuất bị trả lại", "Đề xuất mới"]),
            ("1", ["Ý kiến của cán bộ: Ghi rõ diện tích", "Họ tên / tên tập thể: Nguyễn Văn An"]),
            ("2", "sửa mục nào"),
            ("Thành tích", "tóm tắt thành tích"),
            (fixed, f"Thành tích: {fixed}"),
            ("2", "sửa mục nào"),
            ("Thêm minh chứng", "minh chứng"),
        ],
    )
    added = await send_file(app, "head1", write(tmp_path, "duong.jpg", JPEG))
    assert "Đã nhận 1 tệp" in texts(added)
    await dialog(
        app.engine,
        "head1",
        [("Xong", "Minh chứng: 1 tệp"), ("1", "Đã gửi lại đề xuất #1")],
    )
    [nomination] = await nominations(app)
    assert nomination.status == "pending" and nomination.achievement == fixed
    assert len(nomination.file_ids) == 1
    trail = [a.action for a in await audits(app, nomination.id)]
    assert trail == ["nomination.filed", "nomination.returned", "nomination.resubmitted"]
    await dialog(app.engine, "staff", [("/duyet", "Có 1 đề xuất"), ("1", fixed)])
    # once resubmitted, /dexuat no longer offers the fix
    await dialog(app.engine, "head1", [("/dexuat", "cá nhân hay tập thể")])


async def test_notification_is_in_the_nominators_language(app: App, world: World) -> None:
    await load_defaults(app)
    await nominate(app)
    async with app.sessions() as session, session.begin():
        head = await session.get_one(Member, world.members["head1"].id)
        head.locale = "en"
    await dialog(
        app.engine,
        "staff",
        [("/duyet", "Có 1"), ("1", "quyết định"), ("1", "Ghi chú"), ("Rất tốt", "Đã duyệt")],
    )
    [row] = await outbox(app)
    assert row.payload["text"] == (
        "Good news: nomination #1 – Advanced worker for Nguyễn Văn An was approved. Note: Rất tốt"
    )
    assert row.payload["options"] == [["cmd:trangthai", "My status"]]


async def test_staff_see_only_their_subtree(app: App, world: World) -> None:
    await load_defaults(app)
    await nominate(app, "head2")
    await nominate(app, "principal")
    listing = await dialog(app.engine, "staff", [("/duyet", "Có 2 đề xuất")])
    assert [label.split(" (")[-1] for label in options(listing)] == [
        "Thôn Tây)",
        "Trường Tiểu học Hòa Bình)",
    ]
    await dialog(app.engine, "outsider", [("/duyet", "không có đề xuất nào đang chờ duyệt")])
    await dialog(app.engine, "outsider", [("/trangthai", "Đề xuất đang chờ duyệt trong đơn vị: 0")])
    # a choice id for a nomination outside the subtree opens nothing
    from tests.factories import make_incoming

    async with app.sessions() as session, session.begin():
        from storage.conversations import lock_conversation

        conv = await lock_conversation(session, "console", "outsider", app.clock.now())
        conv.state, conv.flow, conv.awaiting = "review:pick", "review", "choice"
        conv.options = [["n:1", "#1"]]
    peek = await app.engine.handle(make_incoming("", "outsider", choice="n:1"))
    assert "không thuộc đơn vị của Anh/Chị" in texts(peek)
    assert "Nguyễn Văn An" not in texts(peek)


async def test_decision_on_a_nomination_already_decided_is_refused(app: App, world: World) -> None:
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
    await dialog(app.engine, "staff", [("/duyet", "Có 1"), ("1", "quyết định"), ("2", "lý do")])
    await dialog(app.engine, "staff2", [("/duyet", "Có 1"), ("1", "quyết định"), ("1", "Ghi chú")])
    await dialog(app.engine, "staff2", [("Bỏ qua", "Đã duyệt")])
    await dialog(app.engine, "staff", [("Không đạt", "không còn chờ duyệt")])
    [nomination] = await nominations(app)
    assert nomination.status == "approved"
    assert len(await outbox(app)) == 1


async def test_reporters_may_not_review(app: App, world: World) -> None:
    await load_defaults(app)
    await nominate(app)
    await dialog(app.engine, "principal", [("/duyet", "không dùng được chức năng này")])
    await dialog(app.engine, "head1", [("duyet", "không dùng được chức năng này")])
    await dialog(app.engine, "head1", [("/review", "không dùng được chức năng này")])
    [nomination] = await nominations(app)
    assert nomination.status == "pending"


async def test_status_lists_the_reports_and_what_is_owed(app: App, world: World) -> None:
    await load_defaults(app)
    from tests.test_report import FIRST_SIX

    await dialog(app.engine, "head1", [*FIRST_SIX, ("bo qua", ""), ("bo qua", ""), ("1", "")])
    out = await dialog(
        app.engine,
        "head1",
        [("/status", ["Báo cáo của Thôn Đông", "Tháng 11/2026: đúng hạn (lần 1)"])],
    )
    assert "chưa gửi" not in texts(out)
    assert options(out) == ["Về menu chính"]
    await dialog(app.engine, "head1", [("1", "Anh/Chị muốn làm gì?")])
    await dialog(app.engine, "staff", [("/trangthai", "Đề xuất đang chờ duyệt trong đơn vị: 0")])


async def test_a_member_who_lost_the_staff_role_midway_cannot_decide(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await nominate(app)
    await dialog(app.engine, "staff", [("/duyet", "Có 1"), ("1", "quyết định"), ("2", "lý do")])
    async with app.sessions() as session, session.begin():
        member = await session.get_one(Member, world.members["staff"].id)
        member.role = "reporter"
    await dialog(app.engine, "staff", [("Không đạt", "không dùng được chức năng này")])
    [nomination] = await nominations(app)
    assert nomination.status == "pending"
    assert await outbox(app) == []
