"""Wiring in one place: settings → database → engine with the flows of `handlers.FLOWS`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from handlers import FLOWS
from handlers.clock import Clock, SystemClock
from handlers.engine import Engine
from storage.db import create_engine, sessionmaker


@dataclass
class App:
    settings: Settings
    clock: Clock
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    engine: Engine

    async def close(self) -> None:
        await self.db.dispose()


def build(settings: Settings | None = None, clock: Clock | None = None) -> App:
    """Everything a channel needs; the database must already be migrated."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    db = create_engine(settings.database_url)
    sessions = sessionmaker(db)
    return App(settings, clock, db, sessions, Engine(sessions, settings, clock, FLOWS))
