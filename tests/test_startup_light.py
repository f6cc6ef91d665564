"""Each command loads only what it uses: `thidua --help` loads no database layer, and `thidua
run` loads neither the chart, the spreadsheet, the document readers nor the migration tool
when the database is up to date (their import alone took most of a start-up)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "openpyxl", "docx", "pypdf", "alembic")


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {name.split(".")[0] for name in out.stdout.split()}


@pytest.mark.nodb
def test_the_command_line_loads_no_database_layer_to_show_its_help() -> None:
    loaded = loaded_after("import bot.cli")
    assert not loaded & {"sqlalchemy", "telegram", "pydantic", "rich", *HEAVY}


@pytest.mark.nodb
def test_the_running_bot_loads_no_chart_spreadsheet_document_reader_or_migration_tool() -> None:
    loaded = loaded_after(
        "import bot.runner, bot.scheduler, bot.channels.telegram, bot.channels.zalo\n"
        "from handlers import FLOWS"
    )
    assert "sqlalchemy" in loaded and "telegram" in loaded
    assert not loaded & set(HEAVY)
