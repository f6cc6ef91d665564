"""Alembic environment: the URL comes from the app's settings (or the caller's config)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import storage.models  # noqa: F401  (fills the metadata)
from storage.base import Base
from storage.db import create_engine

config = context.config
MIGRATION_LOCK = 0x7468696475610001  # any constant of our own ("thidua" + 1)
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from bot.settings import Settings

    return Settings().database_url


def _run(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # Alembic commits each revision on its own on SQLite (no transactional DDL), which lets a
        # process starting at the same time apply a revision this one is about to apply. One
        # transaction of our own (BEGIN IMMEDIATE: the write lock) around them all makes the
        # others wait, then find the schema at head.
        connection.begin()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # several processes may start together: one migrates, the others wait, then see
            # the schema at head and do nothing
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()


async def _online() -> None:
    engine = create_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_online())
