"""Monthly reports: periods, due days, submitting (with amendment history) and listing.

A period is a local month "YYYY-MM" (settings.timezone). It is due at the end of its due day;
a submission after that is `late`; a resubmission before it is `amended` (the report row holds
the latest version, every submission is a `report_versions` row).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import audit
from storage.models import (
    ConversationState,
    Member,
    Report,
    ReportTemplate,
    ReportVersion,
    Unit,
)
from storage.periods import parse_period

STATUSES = ("on_time", "late", "amended")


def period_of(local: datetime | date) -> str:
    return f"{local.year:04d}-{local.month:02d}"


def due_date(period: str, due_day: int) -> date:
    """The period's due day (the month's last day when the month is shorter)."""
    parsed = parse_period(period)
    if parsed is None:
        raise ValueError(f"not a period: {period!r}")
    year, month = parsed
    return date(year, month, min(due_day, calendar.monthrange(year, month)[1]))


def is_late(period: str, today: date, due_day: int) -> bool:
    return today > due_date(period, due_day)


async def draft_of(
    session: AsyncSession, channel: str, chat_id: str, flow: str
) -> tuple[str, dict[str, Any]] | None:
    """The state and data of the chat's conversation when it is still inside `flow` (a
    half-filled form that a new command is about to replace), else None."""
    state = await session.scalar(
        select(ConversationState).where(
            ConversationState.channel == channel, ConversationState.chat_id == chat_id
        )
    )
    if state is None or state.flow != flow or not state.data or not state.state:
        return None
    return state.state, dict(state.data)


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
    today: date,
    due_day: int,
) -> Report:
    """Stores a submission: a new report, or the next version of the existing one.

    Status: `late` after the due day, else `amended` for a resubmission, else `on_time`.
    Adds a version row and an audit row in the caller's transaction.
    """
    report = await get_report(session, unit.id, period)
    late = is_late(period, today, due_day)
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


async def reports_of_unit(session: AsyncSession, unit_id: int, year: int) -> Sequence[Report]:
    """The unit's reports of that year, newest period first."""
    rows = await session.scalars(
        select(Report)
        .where(Report.unit_id == unit_id, Report.period.like(f"{year:04d}-%"))
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
