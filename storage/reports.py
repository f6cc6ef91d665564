"""Monthly reports: which periods a unit files, submitting (with amendment history), listing.

A period is a month "YYYY-MM"; its template's `Schedule` says when it opens and when it is due
(`storage.periods`). A submission after the due day is `late`; a resubmission before it is
`amended` (the report row holds the latest version, every submission is a `report_versions`
row).

What a unit files (`Filing`, one rule for the report dialog, /trangthai, reminders and digests):
the periods open on the day, in months the template reports, due no earlier than the day the unit
was set up, the newest `backlog` of them (`settings.report_backlog_periods`); those without a
report are owed, the oldest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import audit
from storage.models import (
    Member,
    Report,
    ReportTemplate,
    ReportVersion,
    Unit,
)
from storage.periods import Schedule, shift
from storage.templates import active_template, schedule_of

STATUSES = ("on_time", "late", "amended")
LOOKBACK_PERIODS = 24


def filing_window(schedule: Schedule, since: date, today: date, backlog: int) -> list[str]:
    """The periods a unit set up on `since` files on `today`, oldest first (see module doc)."""
    found: list[str] = []
    period = schedule.latest_open(today)
    for _ in range(LOOKBACK_PERIODS):
        if period is None or len(found) >= backlog or schedule.due(period) < since:
            break
        if schedule.reported(period):
            found.append(period)
        period = shift(period, -1)
    return found[::-1]


def expected_of(schedule: Schedule, since: date, period: str) -> bool:
    """Whether a unit set up on `since` owes `period` at all (ignoring whether it is open)."""
    return schedule.reported(period) and schedule.due(period) >= since


@dataclass
class Filing:
    """What one unit files on one day: its template, the periods it may file (oldest first),
    the reports already filed among them, and the next period to open."""

    template: ReportTemplate
    schedule: Schedule
    periods: list[str]
    filed: dict[str, Report]
    today: date

    @property
    def owed(self) -> list[str]:
        return [p for p in self.periods if p not in self.filed]

    @property
    def upcoming(self) -> str | None:
        return self.schedule.next_opening(self.today)

    def why_not(self, period: str) -> str | None:
        """Why `period` cannot be filed now: "not_reported" (a month without report), "not_open"
        (opens later), "closed" (too old or before the unit was set up); None when it can."""
        if not self.schedule.reported(period):
            return "not_reported"
        if self.schedule.opens(period) > self.today:
            return "not_open"
        return None if period in self.periods else "closed"


def unit_since(unit: Unit, tz: ZoneInfo) -> date:
    """The local day the unit was set up: it owes no period due before it."""
    return unit.created_at.astimezone(tz).date()


async def filing_of(
    session: AsyncSession, unit: Unit, now: datetime, tz: ZoneInfo, backlog: int
) -> Filing | None:
    """What `unit` files at `now`; None when its kind has no template at all."""
    template = await active_template(session, unit.kind, now)
    if template is None:
        return None
    schedule = schedule_of(template)
    today = now.astimezone(tz).date()
    periods = filing_window(schedule, unit_since(unit, tz), today, backlog)
    rows = await session.scalars(
        select(Report).where(Report.unit_id == unit.id, Report.period.in_(periods))
    )
    return Filing(template, schedule, periods, {r.period: r for r in rows.all()}, today)


async def get_report(session: AsyncSession, unit_id: int, period: str) -> Report | None:
    found: Report | None = await session.scalar(
        select(Report).where(Report.unit_id == unit_id, Report.period == period)
    )
    return found


async def submit_report(
    session: AsyncSession,
    unit: Unit,
    member: Member,
    template: ReportTemplate,
    period: str,
    answers: dict[str, Any],
    now: datetime,
    late: bool,
) -> Report:
    """Stores a submission: a new report, or the next version of the existing one.

    Status: `late` when filed after the due day, else `amended` for a resubmission, else
    `on_time`. Adds a version row and an audit row in the caller's transaction.
    """
    report = await get_report(session, unit.id, period)
    if report is None:
        report = Report(
            unit_id=unit.id,
            period=period,
            template_id=template.id,
            status="late" if late else "on_time",
            answers=dict(answers),
            version=1,
            submitted_by=member.id,
            submitted_at=now,
        )
        session.add(report)
        await session.flush()
    else:
        report.version += 1
        report.template_id = template.id
        report.status = "late" if late else "amended"
        report.answers = dict(answers)
        report.submitted_by, report.submitted_at = member.id, now
    session.add(
        ReportVersion(
            report_id=report.id,
            template_id=template.id,
            version=report.version,
            status=report.status,
            answers=dict(answers),
            submitted_by=member.id,
            submitted_at=now,
        )
    )
    await session.flush()
    action = "report.submitted" if report.version == 1 else "report.amended"
    detail = {"period": period, "version": report.version, "status": report.status}
    await audit(session, now, member.id, action, "report", report.id, detail)
    return report


async def versions(session: AsyncSession, report_id: int) -> Sequence[ReportVersion]:
    """Every submission of the report, oldest first."""
    rows = await session.scalars(
        select(ReportVersion)
        .where(ReportVersion.report_id == report_id)
        .order_by(ReportVersion.version)
    )
    return rows.all()


async def reports_of_unit(
    session: AsyncSession, unit_id: int, since: str
) -> Sequence[Report]:
    """The unit's reports of period `since` and after, newest period first."""
    rows = await session.scalars(
        select(Report)
        .where(Report.unit_id == unit_id, Report.period >= since)
        .order_by(Report.period.desc())
    )
    return rows.all()


@dataclass(frozen=True)
class ListedReport:
    unit: str
    unit_name: str
    period: str
    status: str
    version: int
    submitted_at: datetime
    answers: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "period": self.period,
            "status": self.status,
            "submitted_at": self.submitted_at.isoformat(),
            "answers": self.answers,
        }


async def list_reports(
    session: AsyncSession, period: str, unit_ids: Sequence[int] | None = None
) -> list[ListedReport]:
    """The latest version of every report of the period (only these units when given)."""
    query = (
        select(Report, Unit)
        .join(Unit, Unit.id == Report.unit_id)
        .where(Report.period == period)
        .order_by(Unit.code)
    )
    if unit_ids is not None:
        query = query.where(Report.unit_id.in_(unit_ids))
    rows = (await session.execute(query)).all()
    return [
        ListedReport(
            unit.code, unit.name, r.period, r.status, r.version, r.submitted_at, dict(r.answers)
        )
        for r, unit in rows
    ]
