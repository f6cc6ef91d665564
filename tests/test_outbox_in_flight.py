"""The outbox narrows duplicates to what the platforms make unavoidable: a crash duplicates at
most the pushes in flight (`outbox_in_flight`), however slow the platform answers; a send
that timed out after its request went out is not sent again; a refused one is."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import insert, select

from bot.app import App
from bot.channels.base import SendError
from bot.dispatcher import Dispatcher
from handlers.clock import FixedClock
from handlers.types import Reply
from storage.models import ChatBinding, Member, OutboxMessage
from tests.factories import World

ROWS = 120


@dataclass
class SlowPlatform:
    """Takes a message at once (it reaches the chat), answers after `latency`; after `crash()`
    it never answers again, as if the bot's process had died waiting."""

    latency: float
    channel: str = "telegram"
    rate_per_second: float = 100.0
    rate_per_chat: float = 1.0
    delivered: list[str] = field(default_factory=list)
    dead: bool = False
    doubtful: set[str] = field(default_factory=set)
    refuse: dict[str, int] = field(default_factory=dict)

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        if self.refuse.get(reply.text):
            self.refuse[reply.text] -= 1
            raise SendError("500 Internal Server Error")
        self.delivered.append(reply.text)
        await asyncio.sleep(self.latency)
        if self.dead:
            await asyncio.Event().wait()
        if reply.text in self.doubtful:
            raise SendError("timed out", in_doubt=True)
        return f"m{len(self.delivered)}"

    def crash(self) -> None:
        self.dead = True


async def plan_rows(app: App, world: World, rows: int) -> None:
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        for n in range(rows):
            member = Member(
                name=f"Người {n}", role="village_head", unit_id=world.villages[0].id, created_at=now
            )
            session.add(member)
            await session.flush()
            session.add(
                ChatBinding(
                    member_id=member.id, channel="telegram", chat_id=f"c{n}", created_at=now
                )
            )
        await session.flush()
        bindings = (
            await session.scalars(select(ChatBinding.id).where(ChatBinding.channel == "telegram"))
        ).all()
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "key": f"push:{i}",
                    "binding_id": binding,
                    "kind": "test",
                    "payload": {"text": f"tin {i}", "options": []},
                    "not_before": now,
                    "attempts": 0,
                    "created_at": now,
                }
                for i, binding in enumerate(bindings)
            ],
        )


async def test_a_crash_while_the_platform_is_slow_duplicates_at_most_the_calls_in_flight(
    app: App, world: World, clock: FixedClock
) -> None:
    await plan_rows(app, world, ROWS)
    platform = SlowPlatform(latency=1.0)
    first = Dispatcher(app.sessions, app.settings, clock, {"telegram": platform}, worker="a")
    running = asyncio.create_task(first.run_once())
    await asyncio.sleep(1.6)
    platform.crash()
    running.cancel()
    await asyncio.sleep(0.1)
    before = len(platform.delivered)
    assert before >= app.settings.outbox_in_flight

    # the process comes back after the lease
    platform.dead, platform.latency = False, 0.0
    clock.set(clock.now() + timedelta(seconds=app.settings.outbox_claim_seconds + 1))
    second = Dispatcher(app.sessions, app.settings, clock, {"telegram": platform}, worker="b")
    await second.run_until_idle()

    counts = Counter(platform.delivered)
    assert set(counts) == {f"tin {i}" for i in range(ROWS)}  # nothing lost
    duplicated = sum(n - 1 for n in counts.values())
    assert 0 < duplicated <= app.settings.outbox_in_flight
    async with app.sessions() as session:
        doubts = sum((await session.scalars(select(OutboxMessage.doubts))).all())
    # every duplicate is counted as a doubt; a row marked in flight when the process died just
    # before its call reached the platform is a doubt too, sent once (a loaded machine does that)
    assert duplicated <= doubts <= app.settings.outbox_in_flight


async def test_a_timeout_after_the_request_went_out_is_not_sent_again_a_refusal_is(
    app: App, world: World, clock: FixedClock
) -> None:
    await plan_rows(app, world, 4)
    platform = SlowPlatform(latency=0.0, doubtful={"tin 1"}, refuse={"tin 2": 1})
    dispatcher = Dispatcher(app.sessions, app.settings, clock, {"telegram": platform})
    stats = await dispatcher.run_until_idle()
    assert stats.unconfirmed == 1 and stats.retried == 1
    clock.set(clock.now() + timedelta(minutes=5))
    await dispatcher.run_until_idle()
    assert Counter(platform.delivered) == {"tin 0": 1, "tin 1": 1, "tin 2": 1, "tin 3": 1}
    async with app.sessions() as session:
        unconfirmed = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.key == "push:1")
        )
    assert unconfirmed is not None and unconfirmed.sent_at is not None
    assert unconfirmed.doubts == 1 and unconfirmed.platform_message_id is None
