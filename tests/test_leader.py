"""Scheduler leadership on SQLite: a file lock beside the database (PostgreSQL: see
test_postgres_leader.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage.db import create_engine
from storage.leader import AlwaysLeader, FileLeader, leader_for

ROOT = Path(__file__).resolve().parents[1]
HOLDER = """
import asyncio, sys
from storage.db import create_engine
from storage.leader import leader_for

async def main():
    leader = leader_for(create_engine(sys.argv[1]))
    print(await leader.check(), flush=True)
    sys.stdin.readline()

asyncio.run(main())
"""


async def test_on_sqlite_a_file_lock_gives_the_same_contract(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    first, second = create_engine(url), create_engine(url)
    a, b = leader_for(first), leader_for(second)
    try:
        assert await a.check() and not await b.check()
        await a.close()
        assert await b.check() and not await a.check()
    finally:
        await a.close()
        await b.close()
        await first.dispose()
        await second.dispose()


async def test_on_sqlite_a_dead_holder_process_releases_the_lead(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    holder = _holder(url)
    engine = create_engine(url)
    leader = leader_for(engine)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "True"
        assert isinstance(leader, FileLeader)
        assert not await leader.check()
        holder.kill()
        holder.wait(30)
        assert await leader.check()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(30)
        await leader.close()
        await engine.dispose()


async def test_an_in_memory_database_is_always_its_own_leader() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        leader = leader_for(engine)
        assert isinstance(leader, AlwaysLeader) and await leader.check()
    finally:
        await engine.dispose()


def _holder(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
