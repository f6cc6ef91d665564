"""Exports (the digest's chart and workbook, the dossier) are built by a heavy worker, outside
the message's transaction: the person is told it is being prepared, other chats are answered
meanwhile, a build too slow or killed gets a clear answer, and a restart mid-build answers once."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.app import App
from bot.scheduler import digests_once
from handlers.clock import FixedClock
from handlers.types import Outcome
from storage.access import add_unit
from storage.models import ChatBinding, ConversationState, Member, OutboxMessage, Unit
from storage.templates import load_default_templates
from tests.factories import World, make_incoming, restarted, texts

PROVINCE_STAFF = "tinh"


async def large_province(app: App, world: World, communes: int = 40, villages: int = 40) -> None:
    """The world's province with `communes` more communes of `villages` villages each, owing
    their reports, and a staff member of the province on chat PROVINCE_STAFF."""
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, now)
        for c in range(communes):
            commune = await add_unit(session, f"X{c}", f"Xã Số {c}", "commune", world.province, now)
            session.add_all(
                Unit(
                    code=f"X{c}-T{v}",
                    name=f"Thôn {v} xã {c}",
                    kind="village",
                    parent_id=commune.id,
                    created_at=now,
                )
                for v in range(villages)
            )
        await session.execute(update(Unit).values(created_at=datetime(2026, 9, 1, tzinfo=UTC)))
        member = Member(
            name="Đỗ Thị Hoa", role="staff", unit_id=world.province.id, locale="vi", created_at=now
        )
        session.add(member)
        await session.flush()
        session.add(
            ChatBinding(
                member_id=member.id, channel="console", chat_id=PROVINCE_STAFF, created_at=now
            )
        )


def workers() -> list[int]:
    """This test process's heavy worker processes."""
    me = os.getpid()
    children = Path(f"/proc/{me}/task/{me}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


async def building(app: App, chat: str, task: asyncio.Task[Outcome]) -> None:
    """Waits until the chat's turn has committed (awaiting the work) and a worker runs."""
    while True:
        assert not task.done(), texts(task.result())
        async with app.sessions() as session:
            awaiting = await session.scalar(
                select(ConversationState.awaiting).where(ConversationState.chat_id == chat)
            )
        if awaiting == "work" and workers():
            return
        await asyncio.sleep(0.02)


def files_of(outcome: Outcome) -> list[Path]:
    return [r.attachment.path for r in outcome.replies if r.attachment is not None]


async def test_a_large_digest_is_built_while_another_chat_is_answered(
    app: App, world: World
) -> None:
    await large_province(app, world)
    digest = asyncio.create_task(app.engine.handle(make_incoming("/tonghop", PROVINCE_STAFF)))
    await building(app, PROVINCE_STAFF, digest)
    helped = await app.engine.handle(make_incoming("/trogiup", "head1"))
    assert "/baocao" in texts(helped)
    assert not digest.done(), "the village head was answered while the digest was built"
    outcome = await digest
    said = [r.text for r in outcome.replies]
    assert said[0].startswith("Bot đang chuẩn bị bản tổng hợp")
    assert "TỔNG HỢP THI ĐUA – Tỉnh Thử Nghiệm" in said[1]
    assert "Xã Số 39" in texts(outcome)
    png, xlsx = files_of(outcome)
    assert png.suffix == ".png" and xlsx.suffix == ".xlsx"
    assert png.stat().st_size > 0 and xlsx.stat().st_size > 0
    assert not list(png.parent.glob(".*.part")), "no half-written file is left"


async def test_a_digest_past_its_time_gets_a_clear_answer_and_frees_the_chat(
    app: App, world: World
) -> None:
    app.settings.export_seconds = 0.3
    outcome = await app.engine.handle(make_incoming("/tonghop", "staff"))
    assert "đang chuẩn bị" in outcome.replies[0].text
    assert "quá lớn để Bot chuẩn bị" in outcome.replies[-1].text
    assert not files_of(outcome)
    after = await app.engine.handle(make_incoming("/trogiup", "staff"))
    assert "/tonghop" in texts(after)


@pytest.mark.parametrize(
    ("sig", "answer"),
    [(signal.SIGKILL, "quá lớn để Bot chuẩn bị"), (signal.SIGTERM, "do có lỗi")],
)
async def test_a_killed_digest_worker_gets_a_clear_answer(
    app: App, world: World, sig: int, answer: str
) -> None:
    # SIGKILL is how the kernel stops a worker past its memory or CPU: read as "too big"
    digest = asyncio.create_task(app.engine.handle(make_incoming("/tonghop", "staff")))
    await building(app, "staff", digest)
    for pid in workers():
        os.kill(pid, sig)
    outcome = await digest
    assert answer in outcome.replies[-1].text
    assert "Traceback" not in texts(outcome)
    after = await app.engine.handle(make_incoming("/trogiup", "staff"))
    assert "/tonghop" in texts(after)


async def test_a_restart_mid_build_answers_once_and_a_redelivery_is_not_built_again(
    app: App, world: World
) -> None:
    first = make_incoming("/tonghop", "staff", update_id="u-7")
    digest = asyncio.create_task(app.engine.handle(first))
    await building(app, "staff", digest)
    digest.cancel()  # the process dies: its worker with it
    with pytest.raises(asyncio.CancelledError):
        await digest
    async with restarted(app) as again:
        # the platform delivers the message again: the build left is run, /tonghop is not
        outcome = await again.engine.handle(first)
        said = [r.text for r in outcome.replies]
        assert not any("đang chuẩn bị" in text for text in said), said
        assert sum("TỔNG HỢP THI ĐUA – Xã Hòa Bình" in text for text in said) == 1
        assert len(files_of(outcome)) == 2
        once_more = await again.engine.handle(first)
        assert once_more.ignored and not once_more.replies


async def test_the_dossier_is_built_by_the_worker_and_a_timeout_is_answered(
    app: App, world: World
) -> None:
    outcome = await app.engine.handle(make_incoming("/hoso 2026", "staff"))
    assert "đang lập hồ sơ khen thưởng năm 2026" in outcome.replies[0].text
    assert "chưa có đề xuất nào được Hội đồng" in outcome.replies[-1].text
    app.settings.export_seconds = 0.3
    slow = await app.engine.handle(make_incoming("/hoso 2026", "staff"))
    assert "quá lớn để Bot lập" in slow.replies[-1].text


async def test_weekly_files_past_their_time_become_one_note(app: App, world: World) -> None:
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(datetime(2026, 11, 23, 0, 30, tzinfo=UTC))  # Monday 07:30 in Hanoi
    app.settings.export_seconds = 0.3
    # the text for the staff of both communes, then a note instead of chart and workbook
    assert await digests_once(app, "weekly") == 2 + 2
    assert await digests_once(app, "weekly") == 0, "neither the text nor the note twice"
    async with app.sessions() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.key.contains(":files:"))
            )
        ).all()
    assert len(rows) == 2
    assert all("quá lớn để Bot chuẩn bị" in row.payload["text"] for row in rows)
    assert not any("attachment" in row.payload for row in rows)
