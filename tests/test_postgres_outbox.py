"""PostgreSQL only: several processes drain one outbox, and every row is sent exactly once.

Three workers, each in its own thread with its own event loop and connection pool (as three bot
processes would be), claim rows with `claim_due` (FOR UPDATE SKIP LOCKED) and mark them sent.
"""

from __future__ import annotations

import asyncio
import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.app import App
from storage.db import create_engine, sessionmaker
from storage.models import ChatBinding, OutboxMessage
from storage.outbox import claim_due, mark_sent
from tests.factories import World

pytestmark = pytest.mark.skipif(
    not os.environ.get("THIDUA_TEST_PG_URL"), reason="needs PostgreSQL (THIDUA_TEST_PG_URL)"
)

ROWS = 5000
WORKERS = 3


async def test_three_processes_send_each_of_5000_rows_exactly_once(
    app: App, world: World, database_url: str
) -> None:
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        binding_id = await session.scalar(
            select(ChatBinding.id).where(ChatBinding.member_id == world.members["head1"].id)
        )
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "key": f"bench:{i}",
                    "binding_id": binding_id,
                    "kind": "test",
                    "payload": {"text": f"tin {i}", "options": []},
                    "not_before": now - timedelta(minutes=i % 7),
                    "attempts": 0,
                    "created_at": now,
                }
                for i in range(ROWS)
            ],
        )

    sent: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    ready = threading.Barrier(WORKERS)

    async def worker(name: str) -> None:
        engine = create_engine(database_url, pool_size=2)
        sessions = sessionmaker(engine)
        try:
            async with engine.connect() as warm:  # connect before the race starts
                await warm.exec_driver_sql("SELECT 1")
            await asyncio.to_thread(ready.wait)
            while True:
                async with sessions() as session, session.begin():
                    rows = await claim_due(session, name, now, timedelta(minutes=5), limit=50)
                if not rows:
                    return
                for row in rows:
                    sent.append((row.id, name))  # the "send"
                async with sessions() as session, session.begin():
                    for row in rows:
                        assert await mark_sent(session, row.id, name, now, f"m{row.id}")
        finally:
            await engine.dispose()

    def run(name: str) -> None:
        try:
            asyncio.run(worker(name))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(WORKERS)]
    await asyncio.to_thread(_run_all, threads)
    assert errors == []

    ids = [row_id for row_id, _ in sent]
    assert len(ids) == ROWS and len(set(ids)) == ROWS
    assert {name for _, name in sent} == {f"w{i}" for i in range(WORKERS)}
    async with app.sessions() as session:
        unsent = await session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None))
        )
        by_worker = dict(
            (
                await session.execute(
                    select(OutboxMessage.claimed_by, func.count(OutboxMessage.id)).group_by(
                        OutboxMessage.claimed_by
                    )
                )
            ).all()
        )
    assert unsent == 0
    assert by_worker == {
        name: sum(1 for _, n in sent if n == name) for name in {n for _, n in sent}
    }


def _run_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
