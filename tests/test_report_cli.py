"""The CLI contracts: `templates load`, `reports list --json`, `nominations list --json`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from bot.app import build
from bot.cli import app as cli
from bot.settings import Settings
from handlers.clock import FixedClock
from storage.migrate import upgrade_async
from tests.conftest import START
from tests.dbs import fresh_database_url
from tests.factories import build_world, dialog
from tests.test_nomination import INDIVIDUAL_TO_FILES
from tests.test_report import FIRST, load_defaults

runner = CliRunner()


def seeded(tmp_path: Path) -> dict[str, str]:
    """A database with the world, one report (head1) and two nominations; the CLI's env."""
    url = fresh_database_url(tmp_path)
    settings = Settings(database_url=url, files_dir=tmp_path / "files", _env_file=None)  # type: ignore[call-arg]

    async def prepare() -> None:
        await upgrade_async(url)
        application = build(settings, FixedClock(START))
        try:
            async with application.sessions() as session, session.begin():
                await build_world(session, START)
            await load_defaults(application)
            engine = application.engine
            await dialog(engine, "head1", [*FIRST, ("bo qua", ""), ("1", "")])
            for chat in ("head1", "head2"):
                await dialog(engine, chat, [*INDIVIDUAL_TO_FILES, ("Xong", ""), ("1", "Đã gửi")])
            await dialog(
                engine,
                "staff",
                [("/duyet", ""), ("1", ""), ("1", ""), ("Trả lại để bổ sung", ""), ("Thêm", "")],
            )
        finally:
            await application.close()

    asyncio.run(prepare())
    return {"DATABASE_URL": url, "FILES_DIR": str(tmp_path / "files")}


def test_reports_list_json_contract(tmp_path: Path) -> None:
    env = seeded(tmp_path)
    result = runner.invoke(cli, ["reports", "list", "--period", "2026-11", "--json"], env=env)
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.output)
    assert set(report) == {"unit", "period", "status", "submitted_at", "answers"}
    assert (report["unit"], report["period"], report["status"]) == ("C1-T1", "2026-11", "on_time")
    assert report["submitted_at"].startswith("2026-11-20T02:00:00")
    assert report["answers"]["ho_ngheo_ho_tro"] == 12
    assert report["answers"]["an_ninh_trat_tu"] is False

    only = runner.invoke(
        cli, ["reports", "list", "--period", "2026-11", "--unit", "C1-T2", "--json"], env=env
    )
    assert only.exit_code == 0 and json.loads(only.output) == []
    other = runner.invoke(cli, ["reports", "list", "--period", "2026-10", "--json"], env=env)
    assert json.loads(other.output) == []
    bad = runner.invoke(cli, ["reports", "list", "--period", "11/2026", "--json"], env=env)
    assert bad.exit_code == 2
    unknown = runner.invoke(
        cli, ["reports", "list", "--period", "2026-11", "--unit", "NOPE", "--json"], env=env
    )
    assert unknown.exit_code == 2


def test_nominations_list_json_contract(tmp_path: Path) -> None:
    env = seeded(tmp_path)
    result = runner.invoke(cli, ["nominations", "list", "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == [1, 2]
    first = rows[0]
    assert {"id", "nominee", "kind", "award", "status", "nominator", "unit"} <= set(first)
    assert first["nominee"] == "Nguyễn Văn An" and first["kind"] == "individual"
    assert first["award"] == "Giấy khen của Chủ tịch UBND xã"
    assert (first["nominee_kind"], first["period"], first["gender"]) == ("nguoi_dan", "2026", "nam")
    assert first["achievement_type"] == "dot_xuat"
    assert (first["status"], first["nominator"], first["unit"]) == (
        "returned",
        "Lò Văn An",
        "C1-T1",
    )
    assert (rows[1]["status"], rows[1]["unit"]) == ("pending", "C1-T2")
    pending = runner.invoke(cli, ["nominations", "list", "--status", "pending", "--json"], env=env)
    assert [r["id"] for r in json.loads(pending.output)] == [2]
    bad = runner.invoke(cli, ["nominations", "list", "--status", "maybe", "--json"], env=env)
    assert bad.exit_code == 2


def test_templates_load_adds_a_version_and_reports_bad_files(tmp_path: Path) -> None:
    env = seeded(tmp_path)
    good = tmp_path / "mau.yaml"
    good.write_text(
        "templates:\n"
        "  - unit_kind: commune\n"
        "    name: Xã\n"
        "    indicators:\n"
        "      - {key: so_thon, label_vi: Số thôn đạt, label_en: Villages, type: integer,"
        " min: 0, max: 50}\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["templates", "load", str(good)], env=env)
    assert result.exit_code == 0, result.output
    assert "commune\tversion 1\t1 indicators\tadded" in result.output
    again = runner.invoke(cli, ["templates", "load", str(good)], env=env)
    assert "unchanged" in again.output
    default = Path(__file__).parents[1] / "storage" / "data" / "templates.yaml"
    reload = runner.invoke(cli, ["templates", "load", str(default)], env=env)
    assert "village\tversion 1\t13 indicators\tunchanged" in reload.output
    broken = tmp_path / "hong.yaml"
    broken.write_text("templates:\n  - unit_kind: village\n    indicators:\n      - {key: X}\n")
    failed = runner.invoke(cli, ["templates", "load", str(broken)], env=env)
    assert failed.exit_code == 2
    assert "key 'X'" in failed.output
    missing = runner.invoke(cli, ["templates", "load", str(tmp_path / "none.yaml")], env=env)
    assert missing.exit_code == 2
