"""Dates and deadlines as Vietnamese administrative texts write them.

All patterns run on folded text (see `directives.text.fold`): "tháng" is matched as "thang".
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date

_SEP = r"\s*[/.\-–]\s*"
DMY = rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})"
DMY_WORDS = r"(\d{1,2})\s+thang\s+(\d{1,2})\s*,?\s+nam\s+(\d{4})"
DATE_RE = re.compile(rf"(?<![\d/])(?:{DMY}|(?:ngay\s+)?{DMY_WORDS})(?![\d/])", re.I)


def make_date(year: int | str, month: int | str, day: int | str) -> date | None:
    """A date, or None when the parts do not make one (or the year is implausible)."""
    try:
        y, m, d = int(year), int(month), int(day)
        if not 1900 <= y <= 2200:
            return None
        return date(y, m, d)
    except (ValueError, TypeError):
        return None


def date_from_match(m: re.Match[str], offset: int = 1) -> date | None:
    """The date of a DATE_RE-style match whose groups start at `offset`."""
    g = m.groups()[offset - 1 :]
    if g[0] is not None:
        return make_date(g[2], g[1], g[0])
    return make_date(g[5], g[4], g[3])


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _clamp(year: int, month: int, day: int | None) -> date:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if day is None else max(1, min(day, last)))


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _as_int(value: object, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and low <= value <= high:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and low <= int(value) <= high:
        return int(value)
    return None


def is_dated(deadline: Mapping[str, object]) -> bool:
    """Whether a deadline falls on days a reminder can be planned for: a `due` date, or a
    monthly, quarterly or half-yearly recurrence, or a yearly one with its month. A bare
    "hằng năm" (every year, no month) or a span counted from a receipt not yet known is not."""
    every = deadline.get("every")
    if not every:
        return _as_date(deadline.get("due")) is not None
    if every == "year":
        return _as_int(deadline.get("month"), 1, 12) is not None
    return every in ("month", "quarter", "half_year")


def deadline_occurrences(deadline: Mapping[str, object], start: date, end: date) -> list[date]:
    """Concrete due dates of one deadline dict (SPEC §4 shape) that fall in [start, end], sorted.

    - `due` (ISO string or date): that single date, when no `every` is given.
    - `every: "month"`: day `day` of every month; month end when `day` is missing. A day past
      the month's end (31 in April) becomes the month's last day.
    - `every: "quarter"`: in the last month of each quarter (Mar, Jun, Sep, Dec), or in the
      quarter's n-th month when `month` is given (month 1, 4, 7, 10 → first; 2, 5, … → second);
      on `day`, else that month's last day.
    - `every: "half_year"`: in June and December, or in `month` and `month` ± 6 when given;
      on `day`, else the month's last day.
    - `every: "year"`: on `month`/`day`, day defaulting to the month's end; a yearly
      deadline without its month ("hằng năm") has no date: [] (see `is_dated`).
    Unknown or malformed values give []. Never raises.
    """
    if end < start:
        return []
    every = deadline.get("every")
    month = _as_int(deadline.get("month"), 1, 12)
    day = _as_int(deadline.get("day"), 1, 31)
    if not every:
        due = _as_date(deadline.get("due"))
        return [due] if due is not None and start <= due <= end else []
    if every == "month":
        months = list(range(1, 13))
    elif every == "quarter":
        offset = (month - 1) % 3 if month is not None else 2
        months = [q * 3 + 1 + offset for q in range(4)]
    elif every == "half_year":
        first = (month - 1) % 6 + 1 if month is not None else 6
        months = [first, first + 6]
    elif every == "year":
        if month is None:
            return []
        months = [month]
    else:
        return []
    out: list[date] = []
    for year in range(start.year, min(end.year, start.year + 200) + 1):
        for mo in months:
            when = _clamp(year, mo, day)
            if start <= when <= end:
                out.append(when)
    return sorted(out)
