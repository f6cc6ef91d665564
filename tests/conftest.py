"""Shared fixtures: a fresh migrated database per test, a fixed clock, the app and a small world."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App, build
from bot.settings import Settings
from handlers.clock import FixedClock
from tests.dbs import migrated_database_url
from tests.factories import World, build_world

# 2026-11-20 09:00 in Asia/Ho_Chi_Minh: November's report is open (from the 15th), due the 25th
START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first: spread over several workers, the run then does not end on one."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A database at the latest migration (a copy of one migrated once per test process)."""
    return migrated_database_url(tmp_path)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, files_dir=tmp_path / "files", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[App]:
    application = build(settings, clock)
    yield application
    await application.close()


@pytest.fixture
async def world(app: App) -> World:
    async with app.sessions() as session, session.begin():
        return await build_world(session, app.clock.now())
