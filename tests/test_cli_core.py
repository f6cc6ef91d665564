"""The set-up commands of the command-line contract: units, invites, migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_db_upgrade_twice_is_harmless(db: Path) -> None:
    invoke("db", "upgrade")
    invoke("db", "upgrade")
    tables = {r[0] for r in sqlite3.connect(db).execute("select name from sqlite_master")}
    assert {"units", "members", "invites", "outbox", "alembic_version"} <= tables


def test_units_add_and_invite_prints_the_code_last(db: Path) -> None:
    invoke("units", "add", "C9", "Xã Thử", "--kind", "commune")
    invoke("units", "add", "C9-T1", "Thôn Một", "--kind", "village", "--parent", "C9")
    out = invoke("invite", "--unit", "C9-T1", "--role", "village_head", "--days", "3")
    code = out.strip().splitlines()[-1]
    assert len(code) == 8 and code.isalnum() and code.isupper()
    stored = sqlite3.connect(db).execute("select code_hash, role from invites").fetchall()
    assert len(stored) == 1 and stored[0][1] == "village_head"
    assert code not in stored[0][0]  # only the hash is kept


def test_bad_arguments_are_refused_with_a_clear_message(db: Path) -> None:
    wrong_kind = runner.invoke(app, ["units", "add", "X", "Y", "--kind", "planet"])
    assert wrong_kind.exit_code == 2 and "--kind" in wrong_kind.output
    orphan = runner.invoke(app, ["units", "add", "X", "Y", "--kind", "village", "--parent", "NO"])
    assert orphan.exit_code == 2 and "unknown parent" in orphan.output
    no_unit = runner.invoke(app, ["invite", "--unit", "NOPE", "--role", "staff"])
    assert no_unit.exit_code == 2 and "unknown unit" in no_unit.output
    bad_role = runner.invoke(app, ["invite", "--unit", "NOPE", "--role", "king"])
    assert bad_role.exit_code == 2


def test_a_head_role_is_invited_only_to_its_kind_of_unit(db: Path) -> None:
    invoke("units", "add", "W9", "Phường Thử", "--kind", "commune")
    invoke("units", "add", "W9-TDP1", "Tổ 1", "--kind", "resident_group", "--parent", "W9")
    out = invoke("invite", "--unit", "W9-TDP1", "--role", "group_leader")
    assert len(out.strip().splitlines()[-1]) == 8
    for role in ("village_head", "principal"):
        wrong = runner.invoke(app, ["invite", "--unit", "W9-TDP1", "--role", role])
        assert wrong.exit_code == 2 and "does not fit" in wrong.output
    ward = runner.invoke(app, ["invite", "--unit", "W9", "--role", "group_leader"])
    assert ward.exit_code == 2
    invoke("invite", "--unit", "W9-TDP1", "--role", "reporter")


def test_units_import_one_province(db: Path) -> None:
    out = invoke("units", "import", "--province", "thanh hoa")
    assert out.strip() == "1 provinces, 166 communes (147 xã, 19 phường)"
    rows = sqlite3.connect(db).execute(
        "select name, kind from units where code in ('38', '15544')"
    ).fetchall()
    assert sorted(rows) == [("Tỉnh Thanh Hóa", "province"), ("Xã Lam Sơn", "commune")]
    again = invoke("units", "import", "--province", "Thanh Hóa")
    assert again.strip() == "1 provinces, 166 communes (147 xã, 19 phường)"
    count = sqlite3.connect(db).execute("select count(*) from units").fetchone()[0]
    assert count == 167
    missing = runner.invoke(app, ["units", "import", "--province", "Atlantis"])
    assert missing.exit_code == 2


def test_units_import_everything(db: Path) -> None:
    everything = "34 provinces, 3321 communes (2621 xã, 687 phường, 13 đặc khu)"
    assert invoke("units", "import").strip() == everything


def test_invite_prints_the_zalo_oa_link_when_the_oa_is_configured(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZALO_OA_ID", "388613280878808645")
    invoke("units", "add", "C9", "Xã Thử", "--kind", "commune")
    lines = invoke("invite", "--unit", "C9", "--role", "staff").strip().splitlines()
    code = lines[-1]
    assert lines[-2] == (
        "Zalo OA: Trên Zalo: mở https://zalo.me/388613280878808645, bấm «Quan tâm» rồi gửi mã "
        f"{code} trong khung chat của Zalo OA."
    )
