"""Workbooks every export writes through: a value a spreadsheet would run as a formula stays
text, and characters a spreadsheet file cannot hold are dropped.

`new_workbook()` gives an openpyxl Workbook whose sheets clean what `append`, `cell(value=…)`
and `sheet["A1"] = …` write (a value set on a cell object directly is not seen: write through
the sheet). Text from people is already scrubbed when it arrives (`handlers.text.sanitize`);
this also covers what was stored before that, and any other source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

# what a spreadsheet file cannot hold (openpyxl refuses these), and DEL and C1 controls, which
# it can but nobody should see
UNFIT = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\x7f-\x9f]")
# What Excel, LibreOffice and Google Sheets start a formula (or a DDE call) with.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Excel's limit for the text of one cell.
CELL_LIMIT = 32_767


def safe_value(value: Any) -> Any:
    """`value` fit for a cell: text loses control characters, is cut to a cell's limit, and
    when it starts like a formula gets a leading apostrophe (shown as text, never run)."""
    if not isinstance(value, str):
        return value
    text = UNFIT.sub("", value)[:CELL_LIMIT]
    if text.startswith(FORMULA_STARTS):
        text = "'" + text[: CELL_LIMIT - 1]
    return text


class SafeSheet(Worksheet):  # type: ignore[misc]
    """A worksheet that writes `safe_value`s."""

    def append(self, iterable: Iterable[Any] | Mapping[Any, Any]) -> None:
        if isinstance(iterable, Mapping):
            super().append({key: safe_value(v) for key, v in iterable.items()})
        else:
            super().append([safe_value(v) for v in iterable])

    def cell(self, row: int, column: int, value: Any = None) -> Any:
        return super().cell(row, column, safe_value(value) if value is not None else None)

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, safe_value(value))


class SafeWorkbook(Workbook):  # type: ignore[misc]
    """A workbook whose sheets are `SafeSheet`s."""

    def __init__(self) -> None:
        super().__init__()
        self._sheets: list[Any] = []
        self.create_sheet()

    def create_sheet(self, title: str | None = None, index: int | None = None) -> Any:
        sheet = SafeSheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet


def new_workbook() -> Workbook:
    """An empty workbook (one sheet, `book.active`) for an export."""
    return SafeWorkbook()
