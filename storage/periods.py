"""Reporting periods: when the report of a month opens for filing, when it is due, which months
are reported at all.

A period is a month "YYYY-MM". Each template carries a `Schedule` (YAML ``period:`` block,
stored in ``report_templates.schedule``): the report for month M opens on ``opens_day`` of M
(or of M+1 with ``opens_month: next``) and is due at the end of ``due_day`` of M (or of M+1 with
``due_month: next``); a day past a month's end is that month's last day. ``calendar:
school_year`` skips July and August; ``months:`` lists the reported months explicitly. Defaults:
opens on the 15th, due on the 25th of the same month, every month.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

ALL_MONTHS = tuple(range(1, 13))
CALENDARS = {"monthly": ALL_MONTHS, "school_year": (1, 2, 3, 4, 5, 6, 9, 10, 11, 12)}
MONTH_WHEN = ("same", "next")


class ScheduleError(ValueError):
    """A `period:` block that cannot be used; the message says why."""


def parse_period(text: str) -> tuple[int, int] | None:
    """(year, month) of "YYYY-MM", or None when it is not one."""
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isascii():
        return None
    try:
        year, month = int(text[:4]), int(text[5:])
    except ValueError:
        return None
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return year, month


def period_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def period_of(day: date) -> str:
    """The period of the month `day` falls in."""
    return period_key(day.year, day.month)


def shift(period: str, months: int) -> str:
    """The period `months` later (earlier when negative)."""
    year, month = _parts(period)
    index = year * 12 + month - 1 + months
    return period_key(index // 12, index % 12 + 1)


def between(first: str, last: str) -> Iterator[str]:
    """Every period from `first` to `last`, both included, oldest first."""
    current = first
    while current <= last:
        yield current
        current = shift(current, 1)


def _parts(period: str) -> tuple[int, int]:
    parsed = parse_period(period)
    if parsed is None:
        raise ValueError(f"not a period: {period!r}")
    return parsed


def _day_in(period: str, later: bool, day: int) -> date:
    year, month = _parts(shift(period, 1) if later else period)
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Schedule:
    """When a template's periods open and fall due, and which months are reported."""

    opens_day: int = 15
    opens_next_month: bool = False
    due_day: int = 25
    due_next_month: bool = False
    calendar: str = "monthly"
    months: tuple[int, ...] = ALL_MONTHS

    def opens(self, period: str) -> date:
        """The first day the period's report can be filed."""
        return _day_in(period, self.opens_next_month, self.opens_day)

    def due(self, period: str) -> date:
        """The last day the period's report is on time."""
        return _day_in(period, self.due_next_month, self.due_day)

    def reported(self, period: str) -> bool:
        """Whether this month has a report at all (a school has none in summer)."""
        return _parts(period)[1] in self.months

    def is_open(self, period: str, today: date) -> bool:
        return self.reported(period) and self.opens(period) <= today

    def is_late(self, period: str, today: date) -> bool:
        return today > self.due(period)

    def latest_open(self, today: date) -> str | None:
        """The newest period open for filing on `today` (None when none opened within a year)."""
        period = period_of(today)
        for _ in range(13):
            if self.is_open(period, today):
                return period
            period = shift(period, -1)
        return None

    def next_opening(self, today: date) -> str | None:
        """The next period to open after `today` (None when no month is reported)."""
        period = shift(period_of(today), -1)
        for _ in range(26):
            if self.reported(period) and self.opens(period) > today:
                return period
            period = shift(period, 1)
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "opens_day": self.opens_day,
            "opens_month": "next" if self.opens_next_month else "same",
            "due_day": self.due_day,
            "due_month": "next" if self.due_next_month else "same",
            "calendar": self.calendar,
            "months": list(self.months),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> Schedule:
        """The schedule stored on a template; None or {} (templates loaded before schedules
        existed) gives the defaults. Raises ScheduleError on a malformed block."""
        if not raw:
            return cls()
        if not isinstance(raw, Mapping):
            raise ScheduleError("'period' must be a mapping")
        unknown = set(raw) - {
            "opens_day",
            "opens_month",
            "due_day",
            "due_month",
            "calendar",
            "months",
        }
        if unknown:
            raise ScheduleError(f"unknown period field(s): {', '.join(sorted(unknown))}")
        opens_day = _day(raw.get("opens_day", cls.opens_day), "opens_day")
        due_day = _day(raw.get("due_day", cls.due_day), "due_day")
        opens_next = _when(raw.get("opens_month", "same"), "opens_month")
        due_next = _when(raw.get("due_month", "same"), "due_month")
        if (opens_next, opens_day) > (due_next, due_day):
            raise ScheduleError("a period must open before it falls due")
        name = raw.get("calendar", "monthly")
        if name not in CALENDARS:
            raise ScheduleError(f"calendar must be one of {', '.join(CALENDARS)}")
        months = CALENDARS[name]
        if "months" in raw:
            listed = raw["months"]
            if (
                not isinstance(listed, list)
                or not listed
                or any(not isinstance(m, int) or isinstance(m, bool) for m in listed)
                or any(not 1 <= m <= 12 for m in listed)
            ):
                raise ScheduleError("months must be a list of month numbers 1..12")
            months = tuple(sorted(set(listed)))
        return cls(opens_day, opens_next, due_day, due_next, name, months)


def _day(raw: Any, field: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 31:
        raise ScheduleError(f"'{field}' must be a day of the month, 1..31")
    return raw


def _when(raw: Any, field: str) -> bool:
    if raw not in MONTH_WHEN:
        raise ScheduleError(f"'{field}' must be 'same' or 'next'")
    return bool(raw == "next")
