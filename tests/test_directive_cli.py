"""`thidua directive parse FILE --json` (writes nothing) and `thidua directive import FILE`."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app as cli
from storage.migrate import upgrade_async
from tests.test_directive_intake import doc

runner = CliRunner()


def database(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "cli.db"
    return f"sqlite+aiosqlite:///{path}", path


def test_parse_prints_json_and_writes_nothing(tmp_path: Path) -> None:
    url, path = database(tmp_path)
    source = tmp_path / "kh.txt"
    source.write_text(doc(), encoding="utf-8")
    result = runner.invoke(
        cli, ["directive", "parse", str(source), "--json"], env={"DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout)
    assert parsed["number"] == "42/KH-UBND" and parsed["issued_on"] == "2026-11-03"
    assert len(parsed["tasks"]) == 4
    assert not path.exists()


def test_parse_of_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "hong.docx"
    broken.write_bytes(b"not a zip")
    for target in (broken, tmp_path / "missing.pdf", tmp_path / "anh.png"):
        if target.suffix == ".png":
            target.write_bytes(b"\x89PNG")
        result = runner.invoke(cli, ["directive", "parse", str(target), "--json"])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert target.name in result.stderr


def test_import_stores_a_draft(tmp_path: Path) -> None:
    url, path = database(tmp_path)
    asyncio.run(upgrade_async(url))
    env = {"DATABASE_URL": url}
    for args in (
        ["units", "add", "P1", "Tỉnh Thử Nghiệm", "--kind", "province"],
        ["units", "add", "C1", "Xã Hòa Bình", "--kind", "commune", "--parent", "P1"],
        ["units", "add", "C1-T1", "Thôn Đông", "--kind", "village", "--parent", "C1"],
    ):
        assert runner.invoke(cli, args, env=env).exit_code == 0
    source = tmp_path / "kh.md"
    source.write_text(doc(), encoding="utf-8")

    result = runner.invoke(cli, ["directive", "import", str(source), "--unit", "C1"], env=env)
    assert result.exit_code == 0, result.output
    assert "bản nháp số 1" in result.stdout and "42/KH-UBND" in result.stdout
    assert "Trưởng thôn – Thôn Đông" in result.stdout

    # without --unit the issuer names the unit
    result = runner.invoke(cli, ["directive", "import", str(source)], env=env)
    assert result.exit_code == 0, result.output
    unknown = runner.invoke(cli, ["directive", "import", str(source), "--unit", "ZZ"], env=env)
    assert unknown.exit_code == 2 and "ZZ" in unknown.stderr
    elsewhere = tmp_path / "khac.txt"
    elsewhere.write_text(doc().replace("HÒA BÌNH", "AN KHANG").replace("Hòa Bình", "An Khang"))
    orphan = runner.invoke(cli, ["directive", "import", str(elsewhere)], env=env)
    assert orphan.exit_code == 2 and "--unit" in orphan.stderr

    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT d.status, d.number, u.code, d.source_name FROM directives d "
            "JOIN units u ON u.id = d.unit_id ORDER BY d.id"
        ).fetchall()
        tasks = db.execute("SELECT count(*) FROM directive_tasks").fetchone()
    assert rows == [("draft", "42/KH-UBND", "C1", "kh.md")] * 2
    assert tasks == (8,)
