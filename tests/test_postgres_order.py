"""PostgreSQL only: two bot processes receiving messages of one chat keep them in order.

Each process is an App with its own connection pool; the engine's row lock on the chat's
conversation state makes the second process wait until the first has committed.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import func, select, text

from bot.app import App, build
from bot.settings import Settings
from handlers.clock import FixedClock
from handlers.flow import Context, Flow, Turn, ask
from handlers.types import Outcome
from storage.models import ConversationState, ProcessedUpdate
from tests.factories import World, make_incoming, texts

pytestmark = pytest.mark.skipif(
    not os.environ.get("THIDUA_TEST_PG_URL"), reason="needs PostgreSQL (THIDUA_TEST_PG_URL)"
)


async def _state(app: App, chat_id: str) -> ConversationState:
    async with app.sessions() as session:
        state = await session.scalar(
            select(ConversationState).where(ConversationState.chat_id == chat_id)
        )
        assert state is not None
        return state


async def _until_someone_waits_for_a_lock(app: App, task: asyncio.Task[Outcome]) -> None:
    async with app.db.connect() as conn:
        for _ in range(600):
            if task.done():
                raise AssertionError(f"did not wait for the chat's lock: {texts(task.result())}")
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            await conn.rollback()  # pg_stat_activity is a snapshot per transaction
            if waiting:
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the second process never waited for the chat's lock")


async def test_the_second_process_waits_for_the_first_and_sees_its_result(
    app: App, world: World, settings: Settings, clock: FixedClock
) -> None:
    other = build(settings, clock)
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(ctx: Context) -> Turn:
        """Holds the chat (mid-transaction) until the test releases it."""
        entered.set()
        await release.wait()
        return ask("cham:wait", "…")

    app.engine.by_command["cham"] = Flow("cham", ("cham",), frozenset(), slow, {})
    app.engine.known.add("cham")
    finished: list[str] = []
    try:
        await app.engine.handle(make_incoming("/ngonngu", "head1", update_id="0"))
        first = asyncio.create_task(
            app.engine.handle(make_incoming("/cham", "head1", update_id="1"))
        )
        first.add_done_callback(lambda _t: finished.append("first"))
        await entered.wait()
        second = asyncio.create_task(
            other.engine.handle(make_incoming("/ngonngu", "head1", update_id="2"))
        )
        second.add_done_callback(lambda _t: finished.append("second"))
        await _until_someone_waits_for_a_lock(app, second)
        assert not second.done()
        release.set()
        await asyncio.gather(first, second)
    finally:
        await other.close()

    assert finished == ["first", "second"]
    assert (await second).awaiting == "choice"
    state = await _state(app, "head1")
    assert state.state == "lang:choose"
    assert state.version == 3  # /ngonngu, /cham, /ngonngu: each saved once, in that order


async def test_interleaved_messages_on_two_processes_are_each_applied_once(
    app: App, world: World, settings: Settings, clock: FixedClock
) -> None:
    other = build(settings, clock)
    per_process = 20
    try:
        before = await _state_or_none(app, "head2")

        async def feed(process: App, parity: int) -> list[str]:
            said = []
            for i in range(per_process):
                update = str(2 * i + parity)
                outcome = await process.engine.handle(
                    make_incoming("/ngonngu", "head2", update_id=update)
                )
                said.append(texts(outcome))
            return said

        said_a, said_b = await asyncio.gather(feed(app, 0), feed(other, 1))
        # a redelivered update is ignored whichever process receives it
        again = await other.engine.handle(make_incoming("/ngonngu", "head2", update_id="0"))
    finally:
        await other.close()

    assert again.ignored
    assert all(said_a) and all(said_b)
    state = await _state(app, "head2")
    assert before is None
    assert state.version == 2 * per_process  # no message was lost to a concurrent one
    async with app.sessions() as session:
        processed = await session.scalar(
            select(func.count(ProcessedUpdate.id)).where(ProcessedUpdate.channel == "console")
        )
    assert processed == 2 * per_process


async def _state_or_none(app: App, chat_id: str) -> ConversationState | None:
    async with app.sessions() as session:
        found: ConversationState | None = await session.scalar(
            select(ConversationState).where(ConversationState.chat_id == chat_id)
        )
        return found
