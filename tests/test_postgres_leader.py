"""PostgreSQL only: one scheduler leader at a time, and another takes over when it dies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App
from handlers.clock import FixedClock
from storage.db import create_engine
from storage.leader import PostgresLeader, leader_for, lock_key

pytestmark = pytest.mark.skipif(
    not os.environ.get("THIDUA_TEST_PG_URL"), reason="needs PostgreSQL (THIDUA_TEST_PG_URL)"
)

ROOT = Path(__file__).resolve().parents[1]

HOLDER = """
import asyncio, sys
from sqlalchemy import text
from storage.db import create_engine
from storage.leader import leader_for

async def main():
    engine = create_engine(sys.argv[1])
    leader = leader_for(engine)
    assert await leader.check()
    pid = await leader._conn.scalar(text("SELECT pg_backend_pid()"))
    print(pid, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def _holder_pids(engine: AsyncEngine, name: str = "scheduler") -> set[int]:
    key = lock_key(name) & 0xFFFFFFFFFFFFFFFF
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid::bigint = :high AND objid::bigint = :low"
            ),
            {"high": key >> 32, "low": key & 0xFFFFFFFF},
        )
        return {int(r[0]) for r in rows}


async def _until_released(engine: AsyncEngine) -> None:
    """Waits (a bounded time) for the server to drop a dead holder's session and its lock."""
    for _ in range(600):
        if not await _holder_pids(engine):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the dead holder's lock was never released")


async def test_one_leader_at_a_time_and_the_lead_passes_on_close(database_url: str) -> None:
    engines = [create_engine(database_url) for _ in range(3)]
    leaders = [leader_for(e) for e in engines]
    try:
        assert all(isinstance(leader, PostgresLeader) for leader in leaders)
        # jobs of one process asking at once all get the same answer
        assert await asyncio.gather(*(leaders[0].check() for _ in range(5))) == [True] * 5
        assert [await leader.check() for leader in leaders] == [True, False, False]
        assert len(await _holder_pids(engines[0])) == 1
        await leaders[0].close()
        assert [await leader.check() for leader in leaders[1:]] == [True, False]
        assert await leaders[0].check() is False
        # another name is another lead
        leaders.append(leader_for(engines[2], "digest"))
        assert await leaders[-1].check() is True
    finally:
        for leader in leaders:
            await leader.close()
        for engine in engines:
            await engine.dispose()


async def test_a_leader_whose_connection_is_cut_stops_leading(database_url: str) -> None:
    first, second = create_engine(database_url), create_engine(database_url)
    a, b = leader_for(first), leader_for(second)
    try:
        assert await a.check() and not await b.check()
        (pid,) = await _holder_pids(second)
        async with second.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await _until_released(second)
        assert await b.check() is True
        assert await a.check() is False  # noticed its connection is gone; b leads now
    finally:
        await a.close()
        await b.close()
        await first.dispose()
        await second.dispose()


async def test_killing_the_leader_process_hands_planning_over_within_a_minute(
    app: App, clock: FixedClock, database_url: str
) -> None:
    from bot.scheduler import build_scheduler

    holder = _holder(database_url)
    engine = create_engine(database_url)
    leader = leader_for(engine)
    planned: list[datetime] = []

    async def watched() -> bool:
        leads = await leader.check()
        if leads:
            planned.append(clock.now())
        return leads

    planner = build_scheduler(app, {}, leader=watched).get_job("planner")
    every = planner.trigger.interval  # the scheduler's own planning interval
    try:
        assert holder.stdout is not None
        holder_pid = int(await asyncio.to_thread(holder.stdout.readline))
        assert await _holder_pids(engine) == {holder_pid}

        start = clock.now()
        await planner.func()  # the other process leads: this one does not plan
        assert planned == []
        killed_at = start + timedelta(seconds=10)
        holder.send_signal(signal.SIGKILL)
        await asyncio.to_thread(holder.wait, 30)
        await _until_released(engine)
        for tick in range(1, 4):
            clock.set(start + tick * every)
            await planner.func()
            if planned:
                break
        assert planned, "nobody took the lead"
        assert planned[0] - killed_at <= timedelta(minutes=1)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(30)
        await leader.close()
        await engine.dispose()


def _holder(url: str) -> subprocess.Popen[str]:
    """Another process that takes the lead and keeps it; prints its backend's pid."""
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, url], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
