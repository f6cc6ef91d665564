"""deadline_occurrences: one deadline dict → the concrete due dates in a window."""

from __future__ import annotations

from datetime import date

import pytest

from directives import deadline_occurrences, is_dated

pytestmark = pytest.mark.nodb

Y2026 = (date(2026, 1, 1), date(2026, 12, 31))


def dl(**kw: object) -> dict[str, object]:
    return {"text": "", "due": None, "every": None, "month": None, "day": None, **kw}


def test_fixed_due_inside_and_outside() -> None:
    assert deadline_occurrences(dl(due="2026-11-15"), *Y2026) == [date(2026, 11, 15)]
    assert deadline_occurrences(dl(due="2027-01-01"), *Y2026) == []
    assert deadline_occurrences(dl(due=date(2026, 2, 1)), *Y2026) == [date(2026, 2, 1)]


def test_monthly_with_day_and_month_end() -> None:
    got = deadline_occurrences(dl(every="month", day=25), date(2026, 11, 1), date(2027, 1, 31))
    assert got == [date(2026, 11, 25), date(2026, 12, 25), date(2027, 1, 25)]
    ends = deadline_occurrences(dl(every="month"), date(2026, 1, 1), date(2026, 3, 31))
    assert ends == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    clamp = deadline_occurrences(dl(every="month", day=31), date(2026, 4, 1), date(2026, 4, 30))
    assert clamp == [date(2026, 4, 30)]


def test_quarterly_half_yearly_yearly() -> None:
    assert deadline_occurrences(dl(every="quarter"), *Y2026) == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 30),
        date(2026, 12, 31),
    ]
    assert deadline_occurrences(dl(every="quarter", day=15, month=1), *Y2026) == [
        date(2026, 1, 15),
        date(2026, 4, 15),
        date(2026, 7, 15),
        date(2026, 10, 15),
    ]
    assert deadline_occurrences(dl(every="half_year"), *Y2026) == [
        date(2026, 6, 30),
        date(2026, 12, 31),
    ]
    assert deadline_occurrences(
        dl(every="year", month=11, day=10), date(2026, 1, 1), date(2027, 12, 31)
    ) == [date(2026, 11, 10), date(2027, 11, 10)]
    assert deadline_occurrences(dl(every="year", month=6), *Y2026) == [date(2026, 6, 30)]


def test_a_bare_yearly_deadline_has_no_day() -> None:
    assert deadline_occurrences(dl(every="year"), *Y2026) == []
    assert not is_dated(dl(every="year"))
    assert is_dated(dl(every="year", month=11, day=10))
    assert is_dated(dl(every="month")) and is_dated(dl(due="2026-11-15"))
    assert not is_dated({"text": "05 ngày làm việc kể từ ngày nhận", "due": None, "every": None})


def test_window_bounds_are_inclusive_and_bad_input_is_empty() -> None:
    day = date(2026, 11, 25)
    assert deadline_occurrences(dl(every="month", day=25), day, day) == [day]
    assert deadline_occurrences(dl(every="month"), date(2026, 2, 1), date(2026, 1, 1)) == []
    assert deadline_occurrences(dl(every="week"), *Y2026) == []
    assert deadline_occurrences(dl(due="not a date"), *Y2026) == []
    assert deadline_occurrences(
        dl(every="month", day="x"), date(2026, 1, 1), date(2026, 1, 31)
    ) == [date(2026, 1, 31)]
    assert deadline_occurrences({}, *Y2026) == []
