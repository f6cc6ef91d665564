"""`thidua run --now ISO` starts at that time and goes on with real time, so what a running bot
puts off (a push retried after a backoff) comes due; other commands keep a clock that stands."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot import runner
from bot.app import App
from bot.cli_common import parse_now
from handlers.clock import FixedClock, StartedClock
from storage.models import ChatBinding, OutboxMessage
from storage.outbox import enqueue
from tests.factories import World
from tests.fakes.telegram_server import TOKEN, FakeTelegram

CHAT = 7001


@pytest.mark.nodb
def test_a_running_clock_starts_at_now_and_goes_on() -> None:
    ticks = [100.0]
    start = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    clock = StartedClock(start, monotonic=lambda: ticks[0])
    assert clock.now() == start
    ticks[0] += 90.5
    assert clock.now() == start + timedelta(seconds=90.5)
    running = parse_now("2026-12-01T06:00", running=True)
    assert isinstance(running, StartedClock)
    assert abs(running.now() - start) < timedelta(minutes=1)
    assert isinstance(parse_now("2026-12-01T06:00"), FixedClock)


async def test_run_now_sends_a_push_again_after_its_backoff(app: App, world: World) -> None:
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        binding = ChatBinding(
            member_id=world.members["head1"].id, channel="telegram", chat_id=str(CHAT),
            created_at=now,
        )  # fmt: skip
        session.add(binding)
        await session.flush()
        payload = {"text": "Anh/Chị nộp báo cáo tháng 11 trước ngày 25/11.", "options": []}
        await enqueue(session, "test:backoff", binding.id, "notice", payload, now, now)
    with FakeTelegram() as telegram:
        telegram.fail("sendMessage", 502, "Bad Gateway")
        settings = app.settings.model_copy(
            update={
                "telegram_token": SecretStr(TOKEN),
                "telegram_api_base": telegram.base_url,
                "telegram_poll_timeout": 1,
                "dispatch_seconds": 0.2,
                "outbox_backoff_seconds": 0.5,
            }
        )
        stop = asyncio.Event()
        # the fixture's day and hour (09:00 in Hanoi), as `run --now 2026-11-20T09:00` gives it
        clock = parse_now(now.isoformat(), running=True)
        running = asyncio.create_task(runner.serve(settings, stop, clock))
        try:
            # the first try meets the 502 and is put off by the backoff; it comes due
            delivered = await telegram.until(lambda: telegram.delivered(CHAT), 30)
        finally:
            stop.set()
            assert await running == 0
    assert delivered == [payload["text"]]
    assert len(telegram.sent(CHAT)) == 2
    async with app.sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == "test:backoff"))
        assert row is not None and row.sent_at is not None and row.attempts == 1
