"""`thidua demo --now 2026-12-03T09:00` shows the owed November report first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli

runner = CliRunner()


def test_the_demo_on_3_december_opens_the_owed_november_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["demo", "--now", "2026-12-03T09:00"], input="bao cao\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "03/12/2026 09:00" in out and "--chat can-bo --now 2026-12-03T09:00" in out
    assert "Báo cáo tháng 11/2026 – Thôn Đồng Tâm" in out and "Đã quá hạn nộp (25/11/2026)" in out
    assert "còn báo cáo" not in out  # September and October were filed
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'demo.db'}"}
    listed = runner.invoke(cli, ["reports", "list", "--period", "2026-10", "--json"], env=env)
    october = {r["unit"]: r["status"] for r in json.loads(listed.output)}
    assert october == {"15544-T01": "on_time", "15544-TDP01": "on_time"}  # the head, the leader
