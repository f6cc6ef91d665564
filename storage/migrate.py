"""Running the Alembic migrations from code (`thidua db upgrade`, tests, the demo).

Every command starts by making sure the database is at the latest migration. Loading Alembic
takes longer than most commands themselves, so `upgrade_async` first compares the database's
`alembic_version` with the heads of the migration scripts (read from the files' `revision` and
`down_revision` lines) and loads Alembic only when something is to be done.
"""

from __future__ import annotations

import ast
import asyncio
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_ASSIGNED = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@cache
def head_revisions() -> frozenset[str]:
    """The migration scripts' heads: revisions no other script revises (what Alembic's
    `ScriptDirectory.get_heads()` gives, read without loading Alembic)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_ASSIGNED.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(str(ast.literal_eval(found["revision"])))
        down = ast.literal_eval(found.get("down_revision", "None"))
        revised.update([down] if isinstance(down, str) else list(down or ()))
    return frozenset(revisions - revised)


async def current_revisions(url: str) -> frozenset[str] | None:
    """The revisions the database is at (`alembic_version`); None when it has none yet."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from storage.db import create_engine

    engine = create_engine(url, poolclass=_null_pool())
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return frozenset(str(row[0]) for row in rows)
    except DBAPIError:
        return None  # no table yet: a new database
    finally:
        await engine.dispose()


def _null_pool() -> type:
    from sqlalchemy.pool import NullPool

    return NullPool


def upgrade(url: str, revision: str = "head") -> None:
    """Applies migrations up to `revision`; safe to call on an up-to-date database."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """`upgrade` from inside a running event loop (Alembic's env runs its own loop); nothing is
    loaded or run when the database is already at the heads."""
    if revision == "head" and await current_revisions(url) == head_revisions():
        return
    await asyncio.to_thread(upgrade, url, revision)
