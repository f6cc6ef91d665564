"""`thidua db backup FILE` and `thidua db check` (added to the `db` group of bot/cli.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer

PG_DUMP_HINT = (
    "DATABASE_URL is PostgreSQL: back it up with pg_dump, e.g.\n"
    "  pg_dump --format=custom --file=thidua.dump postgresql://USER@HOST:5432/DB\n"
    "and restore with pg_restore --clean --if-exists --dbname=postgresql://USER@HOST:5432/DB "
    "thidua.dump"
)


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    from sqlalchemy.engine import make_url

    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def backup_sqlite(source: Path, target: Path) -> int:
    """Copies a live SQLite database with SQLite's online backup API (consistent even while the
    bot writes); returns the copy's size in bytes."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=1024)
        finally:
            dst.close()
    finally:
        src.close()
    return target.stat().st_size


def backup(
    file: Annotated[Path, typer.Argument(help="where to write the copy (a SQLite file)")],
    force: Annotated[bool, typer.Option("--force", help="overwrite FILE if it exists")] = False,
) -> None:
    """Copies the SQLite database to FILE while the bot runs (PostgreSQL: use pg_dump)."""
    from sqlalchemy.engine import make_url

    from bot.settings import Settings

    settings = Settings()
    source = sqlite_path(settings.database_url)
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        typer.echo(PG_DUMP_HINT, err=True)
        raise typer.Exit(2)
    if source is None:
        typer.echo("DATABASE_URL is not a SQLite file: nothing to back up", err=True)
        raise typer.Exit(2)
    if not source.exists():
        typer.echo(f"no database at {source}", err=True)
        raise typer.Exit(2)
    if file.exists():
        if not force:
            typer.echo(f"{file} exists (use --force to overwrite it)", err=True)
            raise typer.Exit(2)
        file.unlink()
    file.parent.mkdir(parents=True, exist_ok=True)
    size = backup_sqlite(source, file)
    typer.echo(f"{file}\t{size} bytes")


def check() -> None:
    """Exits 0 when DATABASE_URL answers and its schema is at the latest migration (the
    container's health check), 1 otherwise."""
    import asyncio

    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from bot.settings import Settings
    from storage.db import create_engine
    from storage.migrate import alembic_config

    settings = Settings()
    heads = set(ScriptDirectory.from_config(alembic_config(settings.database_url)).get_heads())

    async def current() -> set[str]:
        engine = create_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                return set(
                    await conn.run_sync(
                        lambda sync: MigrationContext.configure(sync).get_current_heads()
                    )
                )
        finally:
            await engine.dispose()

    try:
        found = asyncio.run(current())
    except Exception as error:
        typer.echo(f"database unreachable: {type(error).__name__}", err=True)
        raise typer.Exit(1) from error
    if found != heads:
        typer.echo(f"schema at {sorted(found)}, expected {sorted(heads)}", err=True)
        raise typer.Exit(1)
    typer.echo("ok")


def register(db_app: typer.Typer) -> None:
    db_app.command("backup")(backup)
    db_app.command("check")(check)
