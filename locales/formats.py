"""How periods, days, times and numbers are written for people: one place for all of them.

Vietnamese and English alike write days as 03/12/2026 and months as 11/2026; times are local
(the caller gives the zone) as "03/12/2026 09:00"; numbers take the current locale's separators
("1.200" and "97,5" in Vietnamese, "1,200" and "97.5" in English).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from locales import current


def month_label(period: str) -> str:
    """ "2026-11" → "11/2026"."""
    return f"{period[5:7]}/{period[:4]}"


def date_label(day: date) -> str:
    """ "03/12/2026"."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def datetime_label(at: datetime, tz: ZoneInfo) -> str:
    """An aware time as local "03/12/2026 09:00"."""
    local = at.astimezone(tz)
    return f"{date_label(local.date())} {local:%H:%M}"


def number_label(value: int | float, decimals: int = 3) -> str:
    """A number as the current locale writes it, with at most `decimals` decimal places."""
    if isinstance(value, float):
        value = round(value, decimals)
        if value == int(value):
            value = int(value)
    pattern = "#,##0" if isinstance(value, int) else "#,##0." + "#" * max(decimals, 1)
    return format_decimal(value, format=pattern, locale=current())
