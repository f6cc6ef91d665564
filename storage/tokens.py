"""Rotating platform credentials (`platform_tokens`), and the lock that lets one process at a
time refresh them.

A refresh spends the refresh token: the platform answers with a new pair and the old refresh
token dies. Two processes refreshing at once would both spend the same token and one of them
would lose the grant, so a refresh holds `refresh_lock` across processes: a session advisory
lock on PostgreSQL (on a connection of its own, released by the server if the holder dies), an
exclusive `flock` on a file beside an SQLite database (released by the kernel likewise). Under
the lock the caller reads the row again (another process may have just refreshed), calls the
platform, and writes the new pair at once (`store_rotation`, its own short transaction) — so
the only window in which a grant can be lost is a crash between the platform's answer and that
commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.leader import lock_key
from storage.models import PlatformToken

LOCK_POLL_SECONDS = 0.02
# processes of one in-memory database: the lock is this process's
_local_locks: dict[str, asyncio.Lock] = {}


def digest(secret: str) -> str:
    """A stable fingerprint of a secret (never the secret itself)."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def load(session: AsyncSession, key: str) -> PlatformToken | None:
    """The stored credentials of `key`; None when none were stored yet."""
    row: PlatformToken | None = await session.scalar(
        select(PlatformToken).where(PlatformToken.key == key)
    )
    return row


async def seed(session: AsyncSession, key: str, refresh_token: str, now: datetime) -> PlatformToken:
    """The row of `key`, started (or restarted) from a configured refresh token: kept as it is
    when it grew from this same token (it has rotated since, and the configured one is spent);
    replaced when the configured token is a new one (an admin granted the app again)."""
    fingerprint = digest(refresh_token)
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # processes starting together: the first row stays, the others find it
    await session.execute(
        insert(PlatformToken)
        .values(
            key=key,
            refresh_token=refresh_token,
            seed_hash=fingerprint,
            rotations=0,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = await load(session, key)
    assert row is not None
    if row.seed_hash == fingerprint:
        return row
    row.refresh_token = refresh_token
    row.seed_hash = fingerprint
    row.access_token = None
    row.expires_at = None
    row.broken_at = row.reason = row.reported_at = None
    row.updated_at = now
    await session.flush()
    return row


async def store_rotation(
    session: AsyncSession,
    key: str,
    spent: str,
    access_token: str,
    refresh_token: str,
    expires_at: datetime,
    now: datetime,
) -> bool:
    """Writes the new pair that replaced the refresh token `spent`; False when the row no
    longer holds `spent` (a configured token replaced it meanwhile: nothing is written)."""
    row = await load(session, key)
    if row is None or row.refresh_token != spent:
        return False
    row.access_token, row.refresh_token, row.expires_at = access_token, refresh_token, expires_at
    row.rotated_at = row.updated_at = now
    row.rotations += 1
    row.broken_at = row.reason = row.reported_at = None
    return True


async def mark_broken(
    session: AsyncSession, key: str, spent: str, reason: str, now: datetime
) -> bool:
    """Records that the platform refused the refresh token `spent`; True the first time (the
    caller then tells staff), False when it was recorded already or the row moved on."""
    row = await load(session, key)
    if row is None or row.refresh_token != spent or row.broken_at is not None:
        return False
    row.broken_at, row.reason, row.updated_at = now, reason[:200], now
    row.access_token = None
    return True


@contextlib.asynccontextmanager
async def refresh_lock(engine: AsyncEngine, key: str) -> AsyncIterator[None]:
    """Holds the lock of `key` across every process of this database (see the module)."""
    if engine.dialect.name == "postgresql":
        conn = await engine.connect()
        released = False
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            number = lock_key(f"token:{key}")
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": number})
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": number})
                    released = True
        finally:
            if not released:
                # never hand back to the pool a connection that may hold (or wait for) the lock
                with contextlib.suppress(Exception):
                    await conn.invalidate()
            await conn.close()
        return
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        safe = "".join(c if c.isalnum() else "_" for c in key)
        handle = await _flock(Path(f"{database}.{safe}.lock"))
        try:
            yield
        finally:
            handle.close()
        return
    async with _local_locks.setdefault(key, asyncio.Lock()):
        yield


def _open(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # kept open while the lock is held; the caller closes it
    return open(path.resolve(), "ab")


async def _flock(path: Path) -> IO[bytes]:
    """The open file holding an exclusive lock on `path`, once it is free (tried again every
    few milliseconds, so a cancelled wait leaves nothing behind)."""
    import fcntl

    handle = await asyncio.to_thread(_open, path)
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return handle
            except BlockingIOError:
                await asyncio.sleep(LOCK_POLL_SECONDS)
    except BaseException:
        handle.close()
        raise
