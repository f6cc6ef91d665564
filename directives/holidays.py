"""Vietnamese public holidays (Bộ luật Lao động 2019, Điều 112) as data, and working-day counting.

Fixed days: 1/1, 30/4, 1/5, 2/9 and the day beside it (1/9 or 3/9, as decided each year). Lunar
ones (Tết Nguyên đán, five days; Giỗ Tổ Hùng Vương, 10/3 lunar) are listed per year. A holiday on
a weekend is made up on the next working day. Where the government fixed the exact days off, they
are listed as published; a year missing from the tables counts only the fixed days.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

# Tết days off on working days, as announced; else the lunar new year's eve and the next four days.
TET_DAYS_OFF: dict[int, tuple[str, ...]] = {
    2024: ("2024-02-08", "2024-02-09", "2024-02-12", "2024-02-13", "2024-02-14"),
    2025: ("2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"),
    2026: ("2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"),
}
LUNAR_NEW_YEAR: dict[int, str] = {
    2027: "2027-02-06",
    2028: "2028-01-26",
    2029: "2029-02-13",
    2030: "2030-02-03",
}
HUNG_KINGS: dict[int, str] = {
    2024: "2024-04-18",
    2025: "2025-04-07",
    2026: "2026-04-26",
    2027: "2027-04-16",
    2028: "2028-04-04",
    2029: "2029-04-23",
    2030: "2030-04-12",
}
# Swapped working days decided by the government (a weekday off, a Saturday worked).
EXTRA_DAYS_OFF: dict[int, tuple[str, ...]] = {
    2024: ("2024-04-29", "2024-09-03"),
    2025: ("2025-05-02", "2025-09-01"),
    2026: ("2026-01-02", "2026-09-01"),
}


def _weekday_or_next(day: date, taken: set[date]) -> date:
    while day.weekday() >= 5 or day in taken:
        day += timedelta(days=1)
    return day


@functools.cache
def days_off(year: int) -> frozenset[date]:
    """Every weekday that is a public holiday (or a made-up day for one) in `year`."""
    taken: set[date] = set()
    fixed = [date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)]
    if year in HUNG_KINGS:
        fixed.append(date.fromisoformat(HUNG_KINGS[year]))
    for day in sorted(fixed):
        taken.add(_weekday_or_next(day, taken))
    if year in TET_DAYS_OFF:
        taken.update(date.fromisoformat(d) for d in TET_DAYS_OFF[year])
    elif year in LUNAR_NEW_YEAR:
        new_year = date.fromisoformat(LUNAR_NEW_YEAR[year])
        for k in range(-1, 4):
            taken.add(_weekday_or_next(new_year + timedelta(days=k), taken))
    taken.update(date.fromisoformat(d) for d in EXTRA_DAYS_OFF.get(year, ()))
    return frozenset(d for d in taken if d.weekday() < 5)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in days_off(day.year)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (the start day itself not counted)."""
    day = start
    left = max(count, 0)
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day
