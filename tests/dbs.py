"""Which database a test runs on: a fresh SQLite file by default.

With THIDUA_TEST_PG_URL set (an admin URL of a running PostgreSQL server, see tests/pgserver.py)
each call creates a fresh PostgreSQL database instead.

Migrating a database takes far longer than copying one, so the tests that want a migrated
database get a copy of one migrated once per test process (`migrated_database_url`): the
SQLite file copied, or on PostgreSQL a database created from the migrated one as its template.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path

from sqlalchemy.engine import make_url

_template: dict[str, str] = {}
_lock = threading.Lock()


def fresh_database_url(tmp_path: Path) -> str:
    """A URL of an empty database that only this test uses."""
    base = os.environ.get("THIDUA_TEST_PG_URL")
    if base:
        from tests.pgserver import create_database

        return create_database(base)
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


def _migrated_template() -> str:
    """The URL of this process's migrated template database (migrated on first use; call it
    from no running event loop, or from a thread)."""
    from storage.migrate import upgrade

    with _lock:
        found = _template.get("url")
        if found is not None:
            return found
        base = os.environ.get("THIDUA_TEST_PG_URL")
        if base:
            from tests.pgserver import create_database

            url = create_database(base, keep=True)
            upgrade(url)
        else:
            folder = Path(tempfile.mkdtemp(prefix="thidua-template-"))
            url = f"sqlite+aiosqlite:///{folder / 'template.db'}"
            upgrade(url)
            # everything into the main file, so that copying it copies the whole database
            with sqlite3.connect(folder / "template.db") as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _template["url"] = url
        return url


def migrated_template() -> str:
    """`_migrated_template()` safe to call from inside a running event loop."""
    if "url" in _template:
        return _template["url"]
    result: list[str] = []
    thread = threading.Thread(target=lambda: result.append(_migrated_template()))
    thread.start()
    thread.join()
    if not result:
        raise RuntimeError("the template database could not be migrated (see the log above)")
    return result[0]


def migrated_database_url(tmp_path: Path) -> str:
    """A URL of a database at the latest migration that only this test uses."""
    template = migrated_template()
    base = os.environ.get("THIDUA_TEST_PG_URL")
    if base:
        from tests.pgserver import create_database

        return create_database(base, template=make_url(template).database)
    target = tmp_path / "test.db"
    shutil.copyfile(make_url(template).database or "", target)
    return f"sqlite+aiosqlite:///{target}"
