"""Dates and deadlines as staff type them when correcting a draft."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from directives.deadlines import DateContext, find_deadlines
from handlers.text import clean, fold
from locales import _

_DATE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_DATE_WORDS = re.compile(r"(\d{1,2})\s+thang\s+(\d{1,2})\s*,?\s+nam\s+(\d{4})")
_DAY_MONTH = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?!\d)(?!\s*[/.\-]\s*\d)")
_DAY = re.compile(r"(?:ngay|truoc)\s+(\d{1,2})\b|^(\d{1,2})\b")


def parse_date(text: str) -> tuple[date | None, str | None]:
    """(date, None) for "05/03/2026", "5-3-2026", "ngày 5 tháng 3 năm 2026"; (None, refusal)
    for a date that does not exist ("31/02/2026") or text that is no date."""
    folded = fold(text)
    match = _DATE.search(folded) or _DATE_WORDS.search(folded)
    if match is None:
        return None, _("directive.bad.date_format")
    day, month, year = (int(g) for g in match.groups())
    shown = f"{day:02d}/{month:02d}/{year}"
    if not 1900 <= year <= 2200:
        return None, _("directive.bad.no_such_date", date=shown)
    try:
        return date(year, month, day), None
    except ValueError:
        return None, _("directive.bad.no_such_date", date=shown)


def _impossible(folded: str) -> str | None:
    """The refusal for a date or day in the text that is not on the calendar ("31/02/2026",
    "30/02", "ngày 40"), else None."""
    for match in _DATE.finditer(folded):
        day, month, year = (int(g) for g in match.groups())
        shown = f"{day:02d}/{month:02d}/{year}"
        if not 1900 <= year <= 2200 or _no_day(year, month, day):
            return _("directive.bad.no_such_date", date=shown)
    for match in _DAY_MONTH.finditer(_DATE.sub(" ", folded)):
        day, month = int(match.group(1)), int(match.group(2))
        if _no_day(2024, month, day):
            return _("directive.bad.no_such_date", date=f"{day:02d}/{month:02d}")
    for match in _DAY.finditer(folded):
        if int(match.group(1) or match.group(2)) > 31:
            return _("directive.bad.deadline_format")
    return None


def _no_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return True
    return False


def parse_deadline(
    text: str, context: DateContext | None = None
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The deadlines (parser shape) staff typed, read by the parser's own deadline reader, so
    whatever a document may write is understood: "15/12/2026", "trước 16 giờ ngày 25/11/2026",
    "ngày 25 hằng tháng", "10/11 hằng năm", "Quý IV/2026", "trước ngày 15 tháng 12" (the
    year from `context`), "05 ngày làm việc kể từ ngày nhận được văn bản" (from the day of
    receipt in `context`). (None, refusal) for a date not on the calendar or no deadline."""
    folded = fold(text)
    refusal = _impossible(folded)
    if refusal is not None:
        return None, refusal
    # a bare date ("15/12/2026", "15/1") reads as a document's "hạn 15/12/2026"
    found = find_deadlines(text, context) or find_deadlines(f"hạn {text}", context)
    if not found:
        return None, _("directive.bad.deadline_format")
    if len(found) == 1:
        found = [{**found[0], "text": clean(text)[:100]}]
    return found, None
