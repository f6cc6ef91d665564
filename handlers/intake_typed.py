"""Dates and deadlines as staff type them when correcting a draft."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from handlers.text import clean, fold
from locales import _

_DATE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_DATE_WORDS = re.compile(r"(\d{1,2})\s+thang\s+(\d{1,2})\s*,?\s+nam\s+(\d{4})")
_DAY_MONTH = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?!\s*[/.\-]\s*\d)")
_DAY = re.compile(r"(?:ngay|truoc)\s+(\d{1,2})\b|^(\d{1,2})\b")
_EVERY = (
    ("month", re.compile(r"\b(?:hang|moi|tung) thang\b|\bthang mot lan\b")),
    ("quarter", re.compile(r"\b(?:hang|moi|tung) quy\b|\bquy mot lan\b")),
    ("half_year", re.compile(r"\b(?:6|sau) thang\b|\bnua nam\b")),
    ("year", re.compile(r"\b(?:hang|moi|tung) nam\b|\bnam mot lan\b")),
)


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


def parse_deadline(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """A deadline dict (parser shape) from what staff type: a date ("15/12/2026") or a
    recurrence ("ngày 25 hằng tháng", "hằng quý", "10/11 hằng năm"); else (None, refusal)."""
    folded = fold(text)
    shown = clean(text)[:100]
    every = next((name for name, pattern in _EVERY if pattern.search(folded)), None)
    if every is None:
        day, error = parse_date(text)
        if day is None:
            no_date = error == _("directive.bad.date_format")
            return None, _("directive.bad.deadline_format") if no_date else error
        return {
            "text": shown,
            "due": day.isoformat(),
            "every": None,
            "month": None,
            "day": None,
        }, None
    month: int | None = None
    day_of: int | None = None
    pair = _DAY_MONTH.search(folded) if every in ("year", "half_year") else None
    if pair is not None:
        day_of, month = int(pair.group(1)), int(pair.group(2))
        try:
            date(2024, month, day_of)
        except ValueError:
            return None, _("directive.bad.no_such_date", date=f"{day_of:02d}/{month:02d}")
    else:
        single = _DAY.search(folded)
        if single is not None:
            day_of = int(single.group(1) or single.group(2))
            if not 1 <= day_of <= 31:
                return None, _("directive.bad.deadline_format")
    deadline = {"text": shown, "due": None, "every": every, "month": month, "day": day_of}
    return deadline, None
