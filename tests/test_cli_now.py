"""Every command that acts in time takes --now; a time without a zone is Hanoi's."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.app import build
from bot.cli import app as cli
from bot.cli_common import parse_now
from bot.settings import Settings
from handlers.clock import FixedClock, SystemClock
from storage.migrate import upgrade_async
from tests.conftest import START
from tests.dbs import fresh_database_url
from tests.factories import build_world

runner = CliRunner()


def world_db(tmp_path: Path) -> dict[str, str]:
    url = fresh_database_url(tmp_path)
    settings = Settings(database_url=url, files_dir=tmp_path / "files", _env_file=None)  # type: ignore[call-arg]

    async def prepare() -> None:
        await upgrade_async(url)
        application = build(settings, FixedClock(START))
        try:
            async with application.sessions() as session, session.begin():
                await build_world(session, START)
        finally:
            await application.close()

    asyncio.run(prepare())
    return {"DATABASE_URL": url, "FILES_DIR": str(tmp_path / "files")}


@pytest.mark.nodb
def test_a_time_without_a_zone_is_hanoi_time() -> None:
    clock = parse_now("2026-12-01T06:00")
    assert isinstance(clock, FixedClock)
    assert clock.now() == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert parse_now("2026-12-01T06:00+00:00").now() == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assert isinstance(parse_now(None), SystemClock)
    with pytest.raises(typer.Exit):
        parse_now("3 tháng 12")


def test_the_shell_runs_on_the_given_clock(tmp_path: Path) -> None:
    env = world_db(tmp_path)
    args = ["shell", "--chat", "head1", "--jsonl", "--now", "2026-12-20T09:00"]
    result = runner.invoke(cli, args, input="bao cao\n", env=env)
    assert result.exit_code == 0, result.output
    first = json.loads(result.output.splitlines()[0])
    said = "\n".join(reply["text"] for reply in first["replies"])
    # on 20 December the village still owes November (late), then December
    assert "Báo cáo tháng 11/2026" in said and "quá hạn nộp (25/11/2026)" in said
    assert "còn báo cáo tháng 12/2026 chưa gửi" in said


def test_every_command_acting_in_time_takes_now(tmp_path: Path) -> None:
    commands = [
        ["shell"], ["demo"], ["run"], ["invite"], ["units", "add"], ["units", "import"],
        ["templates", "load"], ["directive", "import"], ["reminders", "plan"],
        ["outbox", "send"], ["digest"], ["web"], ["web-link"], ["api-token", "create"],
    ]  # fmt: skip
    for command in commands:
        result = runner.invoke(cli, [*command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0 and "--now" in result.output, command
