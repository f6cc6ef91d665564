"""The sessions web requests read through."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.app import App
from storage.db import create_engine, is_postgres, sessionmaker
from storage.templates import templates_in_use


class Reads:
    """Sessions for what pages only read: on SQLite a second engine whose transactions never
    take the write lock (see `storage.db.create_engine`), so a page never holds up the bot; on
    PostgreSQL the app's own sessions. The shipped report templates, which reading stores on
    first use, are stored once before the first read."""

    def __init__(self, application: App) -> None:
        self.application = application
        self.engine: AsyncEngine | None = None
        self.maker = application.sessions
        if not is_postgres(application.db):
            self.engine = create_engine(application.settings.database_url, read_only=True)
            self.maker = sessionmaker(self.engine)
        self.ready = False

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        if not self.ready:
            async with self.application.sessions() as session, session.begin():
                await templates_in_use(session, self.application.clock.now())
            self.ready = True
        async with self.maker() as session:
            yield session

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()
