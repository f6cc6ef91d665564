"""Which period a report is for: the month typed after the command ("bao cao thang 11",
"/baocao 11/2026"), the oldest one owed, and the words that say when a period opens or why it
cannot be filed."""

from __future__ import annotations

import re
from datetime import date

from handlers.text import fold
from handlers.types import Option
from locales import _
from locales.formats import date_label, month_label
from storage.periods import period_key
from storage.reports import Filing

_YEAR_FIRST = re.compile(r"([0-9]{4}) ?[-/.] ?([0-9]{1,2})", re.ASCII)
_MONTH_FIRST = re.compile(r"(?:thang|t)? ?([0-9]{1,2})(?: ?(?:[-/.]|nam|,) ?([0-9]{4}))?", re.ASCII)


def read_period(text: str, today: date) -> str | None:
    """The period named in `text`, or None when it names none. A month without a year is the
    latest such month not after this one (in January, "12" is last December)."""
    folded = fold(text).replace("thang nam", "thang").strip()
    found = _YEAR_FIRST.fullmatch(folded)
    if found:
        year, month = int(found.group(1)), int(found.group(2))
    else:
        found = _MONTH_FIRST.fullmatch(folded)
        if found is None:
            return None
        month = int(found.group(1))
        year = int(found.group(2)) if found.group(2) else today.year
        if not found.group(2) and month > today.month:
            year -= 1
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        return None
    return period_key(year, month)


def refusal_text(filing: Filing, period: str, unit: str) -> str:
    """Why `period` cannot be filed, in words."""
    reason = filing.why_not(period)
    month = month_label(period)
    if reason == "not_open":
        return _(
            "report.period.not_open", month=month, opens=date_label(filing.schedule.opens(period))
        )
    if reason == "not_reported":
        return _("report.period.not_reported", month=month, unit=unit)
    return _("report.period.closed", month=month)


def nothing_owed_text(filing: Filing) -> str:
    upcoming = filing.upcoming
    if upcoming is None:
        return _("report.period.all_filed")
    opens = date_label(filing.schedule.opens(upcoming))
    return _("report.period.all_filed_next", month=month_label(upcoming), opens=opens)


def period_options(filing: Filing) -> list[Option]:
    """An option per period that can be filed now: owed ones, then filed ones to see or amend."""
    options = [
        Option(f"p:{p}", _("report.opt.period_owed", month=month_label(p))) for p in filing.owed
    ]
    options += [
        Option(f"p:{p}", _("report.opt.period_filed", month=month_label(p)))
        for p in reversed(filing.periods)
        if p in filing.filed
    ]
    return options


def later_owed_note(filing: Filing, period: str) -> list[str]:
    """A line naming the other owed periods, when there are any."""
    others = [month_label(p) for p in filing.owed if p != period]
    return [_("report.period.also_owed", months=", ".join(others))] if others else []
