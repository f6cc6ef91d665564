"""`thidua db backup` (SQLite online backup; PostgreSQL points to pg_dump) and `thidua db check`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from bot.app import build
from bot.cli import app as cli
from bot.settings import Settings
from handlers.clock import FixedClock
from storage.migrate import upgrade_async
from tests.conftest import START
from tests.factories import build_world, make_incoming

runner = CliRunner()


async def test_backup_copies_a_live_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    await upgrade_async(url)
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    application = build(settings, FixedClock(START))
    try:
        async with application.sessions() as session, session.begin():
            await build_world(session, START)
        await application.engine.handle(make_incoming("/ngonngu", "head1"))
        # the bot keeps its connections open while the copy is taken
        target = tmp_path / "copies" / "backup.db"
        result = runner.invoke(cli, ["db", "backup", str(target)], env={"DATABASE_URL": url})
        assert result.exit_code == 0, result.output
        assert str(target) in result.output
    finally:
        await application.close()
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM members").fetchone() == (6,)
        state = copy.execute("SELECT state FROM conversation_states WHERE chat_id = 'head1'")
        assert state.fetchone() == ("lang:choose",)
    finally:
        copy.close()

    again = runner.invoke(cli, ["db", "backup", str(target)], env={"DATABASE_URL": url})
    assert again.exit_code == 2 and "--force" in again.output
    forced = runner.invoke(cli, ["db", "backup", str(target), "--force"], env={"DATABASE_URL": url})
    assert forced.exit_code == 0, forced.output


def test_backup_on_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    result = runner.invoke(
        cli,
        ["db", "backup", str(tmp_path / "x.db")],
        env={"DATABASE_URL": "postgresql+asyncpg://bot@db.invalid:5432/thidua"},
    )
    assert result.exit_code == 2
    assert "pg_dump" in result.output and "pg_restore" in result.output
    assert not (tmp_path / "x.db").exists()


def test_backup_without_a_database_file_fails_clearly(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'missing.db'}"
    result = runner.invoke(cli, ["db", "backup", str(tmp_path / "b.db")], env={"DATABASE_URL": url})
    assert result.exit_code == 2 and "no database" in result.output


def test_check_says_ok_only_on_a_migrated_database(database_url: str, tmp_path: Path) -> None:
    migrated = runner.invoke(cli, ["db", "check"], env={"DATABASE_URL": database_url})
    assert migrated.exit_code == 0, migrated.output
    empty = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    assert runner.invoke(cli, ["db", "check"], env={"DATABASE_URL": empty}).exit_code == 1
