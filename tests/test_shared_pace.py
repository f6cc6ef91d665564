"""Two processes sending for one bot token keep Telegram's limits together: never more than 30
messages in any second, never two pushes to one chat within a second (measured where the
messages arrive: the fake Bot API server)."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import insert, select
from telegram import Bot

from bot.app import App
from bot.channels.telegram import TelegramSender
from bot.dispatcher import Dispatcher
from bot.pace import SharedPace
from storage.db import create_engine, sessionmaker
from storage.models import ChatBinding, Member, OutboxMessage
from tests.factories import World
from tests.fakes.telegram_server import TOKEN, FakeTelegram

SINGLES = 70  # chats with one push each: the overall limit binds
BUSY, EACH = 3, 3  # chats with several pushes: the per-chat limit binds


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


async def plan(app: App, world: World) -> None:
    now = app.clock.now()
    chats = [*(f"{1000 + n}" for n in range(SINGLES)), *(f"{9000 + n}" for n in range(BUSY))]
    async with app.sessions() as session, session.begin():
        for chat in chats:
            member = Member(
                name=chat, role="village_head", unit_id=world.villages[0].id, created_at=now
            )
            session.add(member)
            await session.flush()
            session.add(
                ChatBinding(member_id=member.id, channel="telegram", chat_id=chat, created_at=now)
            )
        await session.flush()
        bindings = dict(
            (await session.execute(select(ChatBinding.chat_id, ChatBinding.id))).tuples().all()
        )
        rows = [(chat, 0) for chat in chats[:SINGLES]]
        rows += [(chat, k) for chat in chats[SINGLES:] for k in range(EACH)]
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "key": f"push:{chat}:{k}",
                    "binding_id": bindings[chat],
                    "kind": "test",
                    "payload": {"text": f"tin {chat} {k}", "options": []},
                    "not_before": now,
                    "attempts": 0,
                    "created_at": now,
                }
                for chat, k in rows
            ],
        )


def one_process(app: App, fake: FakeTelegram, name: str, ready: threading.Barrier) -> None:
    async def run() -> None:
        engine = create_engine(app.settings.database_url, pool_size=3)
        sessions = sessionmaker(engine)
        bot = Bot(TOKEN, base_url=f"{fake.base_url}/bot", base_file_url=f"{fake.base_url}/file/bot")
        await bot.initialize()
        sender = TelegramSender(bot, app.settings)
        sender.pace = SharedPace(sessions, app.clock, "telegram", TOKEN, 30.0, 1.0)
        dispatcher = Dispatcher(
            sessions, app.settings, app.clock, {"telegram": sender}, worker=name, batch=20
        )
        try:
            await asyncio.to_thread(ready.wait)
            await dispatcher.run_until_idle()
        finally:
            await bot.shutdown()
            await engine.dispose()

    asyncio.run(run())


@pytest.mark.slow
async def test_two_processes_keep_the_overall_and_the_per_chat_limit_together(
    app: App, world: World, fake: FakeTelegram
) -> None:
    await plan(app, world)
    ready = threading.Barrier(2)
    errors: list[BaseException] = []

    def process(name: str) -> None:
        try:
            one_process(app, fake, name, ready)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=process, args=(n,)) for n in ("p1", "p2")]
    for thread in threads:
        thread.start()
    await asyncio.to_thread(lambda: [t.join(120) for t in threads])
    assert not errors, errors

    sent = [c for c in fake.calls_of("sendMessage") if c.delivered]
    assert len(sent) == SINGLES + BUSY * EACH
    times = sorted(c.at for c in sent)
    busiest = max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))
    assert busiest <= 30, busiest
    for chat in (f"{9000 + n}" for n in range(BUSY)):
        at = sorted(c.at for c in sent if str(c.params["chat_id"]) == chat)
        gaps = [b - a for a, b in itertools.pairwise(at)]
        assert len(at) == EACH and min(gaps) >= 1.0, gaps
    # both processes did part of the work
    async with app.sessions() as session:
        workers = set((await session.scalars(select(OutboxMessage.claimed_by))).all())
    assert workers == {"p1", "p2"}
