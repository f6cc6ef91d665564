"""Which database a test runs on: a fresh SQLite file by default.

With THIDUA_TEST_PG_URL set (an admin URL of a running PostgreSQL server, see tests/pgserver.py)
each call creates a fresh PostgreSQL database instead.
"""

from __future__ import annotations

import os
from pathlib import Path


def fresh_database_url(tmp_path: Path) -> str:
    """A URL of an empty database that only this test uses."""
    base = os.environ.get("THIDUA_TEST_PG_URL")
    if base:
        from tests.pgserver import create_database

        return create_database(base)
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
