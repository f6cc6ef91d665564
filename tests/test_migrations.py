"""The single migration builds exactly the schema the models describe (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.base import Base
from storage.db import create_engine
from tests.dbs import fresh_database_url

ROOT = Path(__file__).resolve().parents[1]


def _head() -> str:
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "compare_server_default": True},
    )
    return list(compare_metadata(context, Base.metadata))


def _indexes(connection: Connection) -> dict[str, dict[str, Any]]:
    inspector = inspect(connection)
    found: dict[str, dict[str, Any]] = {}
    for table in inspector.get_table_names():
        for index in inspector.get_indexes(table):
            found[str(index["name"])] = dict(index)
        for unique in inspector.get_unique_constraints(table):
            found[str(unique["name"])] = dict(unique, unique=True)
    return found


def _index_sql(connection: Connection, name: str) -> str:
    if connection.dialect.name == "postgresql":
        query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
    else:
        query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
    return str(connection.execute(text(query), {"name": name}).scalar_one())


async def test_migrated_database_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == []


async def test_the_queries_that_grow_have_their_indexes(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            indexes = await connection.run_sync(_indexes)
            outbox_sql = await connection.run_sync(_index_sql, "ix_outbox_unsent")
    finally:
        await engine.dispose()
    expected = {
        "uq_reports_unit_id_period": ["unit_id", "period"],
        "ix_outbox_unsent": ["not_before", "id"],
        "uq_processed_updates_channel_update_id": ["channel", "update_id"],
        "ix_processed_updates_processed_at": ["processed_at"],
        "ix_units_parent_id": ["parent_id"],
        "uq_conversation_states_channel_chat_id": ["channel", "chat_id"],
    }
    for name, columns in expected.items():
        assert name in indexes, name
        assert indexes[name]["column_names"] == columns, name
    # Alembic does not compare the WHERE of a partial index, so it is checked here
    assert "sent_at IS NULL" in outbox_sql and "failed_at IS NULL" in outbox_sql


@pytest.mark.slow
async def test_processes_starting_together_migrate_once(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path)
    processes = [_upgrade_process(url) for _ in range(3)]
    results = [await asyncio.to_thread(p.communicate, None, 120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], results
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            versions = await connection.execute(text("SELECT version_num FROM alembic_version"))
            assert [row[0] for row in versions] == [_head()]
    finally:
        await engine.dispose()


def _upgrade_process(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


async def test_the_nomination_migration_carries_old_rows_over(tmp_path: Path) -> None:
    from storage.migrate import upgrade_async

    url = fresh_database_url(tmp_path)
    await upgrade_async(url, "0003")  # the schema before this migration
    engine = create_engine(url)
    # stored as the UTCDateTime column stores it: naive UTC text on SQLite, aware on PostgreSQL
    aware = datetime(2025, 12, 1, 2, 0, tzinfo=UTC)
    now: object = aware if url.startswith("postgresql") else "2025-12-01 02:00:00"
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO units (id, code, name, kind, created_at) VALUES"
                    " (1, 'C', 'Xã', 'commune', :now), (2, 'T', 'Thôn', 'village', :now),"
                    " (3, 'S', 'Trường', 'school', :now)"
                ),
                {"now": now},
            )
            await connection.execute(
                text(
                    "INSERT INTO members (id, name, role, unit_id, locale, active, created_at)"
                    " VALUES (1, 'A', 'village_head', 2, 'vi', true, :now)"
                ),
                {"now": now},
            )
            for nid, unit, kind, award, status in (
                (1, 2, "individual", "khen_thuong_dot_xuat", "approved"),
                (2, 3, "individual", "lao_dong_tien_tien", "pending"),
                (3, 2, "collective", "thon_van_hoa", "rejected"),
            ):
                await connection.execute(
                    text(
                        "INSERT INTO nominations (id, nominator_id, unit_id, kind, nominee,"
                        " position, award, movement, achievement, file_ids, status, created_at,"
                        " updated_at) VALUES (:id, 1, :unit, :kind, 'X', '', :award, '', 'Y',"
                        " '[]', :status, :now, :now)"
                    ),
                    {
                        "id": nid,
                        "unit": unit,
                        "kind": kind,
                        "award": award,
                        "status": status,
                        "now": now,
                    },
                )
    finally:
        await engine.dispose()
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT nominee_kind, period, award, achievement_type, status"
                        " FROM nominations ORDER BY id"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("nguoi_dan", "2025", "giay_khen_chu_tich_xa", "dot_xuat", "checked"),
        ("can_bo", "2025", "lao_dong_tien_tien", "thuong_xuyen", "pending"),
        ("thon_to_dan_pho", "2025", "thon_to_dan_pho_van_hoa", "thuong_xuyen", "rejected"),
    ]


def test_the_heads_read_from_the_scripts_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config, head_revisions

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revisions() == frozenset(scripts.get_heads())


async def test_a_database_at_the_heads_is_left_alone_and_a_behind_one_is_upgraded(
    tmp_path: Path,
) -> None:
    from storage.migrate import current_revisions, head_revisions, upgrade_async

    url = fresh_database_url(tmp_path)
    assert await current_revisions(url) is None
    await upgrade_async(url, "0001")
    assert await current_revisions(url) == frozenset({"0001"})
    await upgrade_async(url)
    assert await current_revisions(url) == head_revisions()
    await upgrade_async(url)
    assert await current_revisions(url) == head_revisions()
