"""Scheduler leadership: exactly one process at a time runs the planner and digest jobs.

On PostgreSQL the leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a
connection of its own, kept open for as long as it leads. The lock goes with the connection: when
the holder dies or loses its connection, the server releases the lock and the next process that
checks takes it. On SQLite the same contract is met with an exclusive `flock` on a file beside the
database (`<db>.leader`), which the kernel releases when the holder dies; an in-memory database has
a single process, which is always the leader.

Use: `leader = leader_for(app.db)`; before each leader-only job run `if await leader.check():`
(it takes the lock when it is free and keeps it while held); `await leader.close()` on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

DEFAULT_NAME = "scheduler"
CHECK_TIMEOUT = 10.0  # seconds a held connection may take to answer before the lead is dropped


class Leader(Protocol):
    name: str

    async def check(self) -> bool:
        """True when this process leads now: takes the lead when it is free, keeps it while
        held; False when another process leads or the database cannot be reached."""
        ...

    async def close(self) -> None:
        """Gives the lead up (another process may take it at its next check)."""
        ...


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name`."""
    digest = hashlib.sha256(f"thidua:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLeader:
    """The lead is a session advisory lock held on a dedicated connection (see the module)."""

    def __init__(self, engine: AsyncEngine, name: str = DEFAULT_NAME) -> None:
        self.engine = engine
        self.name = name
        self.key = lock_key(name)
        self._conn: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    @property
    def holding(self) -> bool:
        return self._conn is not None

    async def check(self) -> bool:
        async with self._lock:  # jobs of one process may ask at the same moment
            return await self._check()

    async def _check(self) -> bool:
        if self._conn is not None:
            try:
                await asyncio.wait_for(self._conn.execute(text("SELECT 1")), CHECK_TIMEOUT)
                return True
            except (DBAPIError, OSError, TimeoutError):
                log.warning("lost the connection holding the %s lead", self.name)
                await self._drop()
        try:
            conn = await self.engine.connect()
        except (DBAPIError, OSError):
            return False
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            taken = await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
        except DBAPIError:
            await conn.invalidate()
            return False
        if not taken:
            await conn.close()
            return False
        log.info("took the %s lead", self.name)
        self._conn = conn
        return True

    async def close(self) -> None:
        async with self._lock:
            if self._conn is None:
                return
            with contextlib.suppress(DBAPIError, OSError):
                await self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # never hand a connection that may still hold the lock back to the pool
            with contextlib.suppress(Exception):
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()


class FileLeader:
    """The lead is an exclusive, non-blocking `flock` on `path`, held while the file is open."""

    def __init__(self, path: Path, name: str = DEFAULT_NAME) -> None:
        self.path = path
        self.name = name
        self._file: IO[bytes] | None = None

    async def check(self) -> bool:
        if self._file is None:
            self._file = _try_flock(self.path)
        return self._file is not None

    async def close(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            handle.close()  # closing the file releases the flock


def _try_flock(path: Path) -> IO[bytes] | None:
    """The open file holding an exclusive lock on `path`, or None when another holds it."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "ab")  # noqa: SIM115  (kept open while leading)
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


class AlwaysLeader:
    """A single process (in-memory SQLite): always the leader."""

    def __init__(self, name: str = DEFAULT_NAME) -> None:
        self.name = name

    async def check(self) -> bool:
        return True

    async def close(self) -> None:
        return None


def leader_for(engine: AsyncEngine, name: str = DEFAULT_NAME) -> Leader:
    """The leadership that fits the engine's database (see the module docstring)."""
    if engine.dialect.name == "postgresql":
        return PostgresLeader(engine, name)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        suffix = "" if name == DEFAULT_NAME else f".{name}"
        return FileLeader(Path(os.path.abspath(database + f".leader{suffix}")), name)
    return AlwaysLeader(name)
