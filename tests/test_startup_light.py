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


def modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(out.stdout.splitlines()[-1].split())


def loaded_after(code: str) -> set[str]:
    return {name.split(".")[0] for name in modules_after(code)}


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


@pytest.mark.nodb
def test_a_chart_is_drawn_without_pyplot(tmp_path: Path) -> None:
    png = tmp_path / "c.png"
    loaded = modules_after(
        "from pathlib import Path\nfrom bot.chart import Bar, completeness_png\n"
        f"completeness_png([Bar('Thôn Đông', 3, 1, 5)], Path({str(png)!r}), 'T', 'a', 'b', '%')"
    )
    assert png.stat().st_size > 1000
    assert "matplotlib.figure" in loaded and "matplotlib.pyplot" not in loaded
