"""The .xlsx export of a digest (openpyxl).

Sheets: a summary per sub-unit; the period's reports (one row per reporting unit, one column per
indicator of their templates); nominations in the official list layout (STT, Họ và tên, Chức
vụ – đơn vị, Hình thức đề nghị, Thành tích tóm tắt) with a title above the header row. Headers
are localized (`digest.xlsx.*`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import _, current
from storage.digest import Digest, subtree, tree_ids
from storage.models import Nomination, Report, ReportTemplate, Unit
from storage.reminders import reporting_kinds
from storage.sheets import new_workbook

NOMINATION_HEADER_ROW = 3
LISTED_STATUSES = ("pending", "approved")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def _label(item: dict[str, Any]) -> str:
    lang = current()
    return str(item.get(f"label_{lang}") or item.get("label_vi") or item.get("key"))


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return _("digest.xlsx.yes") if value else _("digest.xlsx.no")
    if isinstance(value, int | float | str) or value is None:
        return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _widths(sheet: Any, widths: list[int]) -> None:
    for i, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width


async def write_xlsx(session: AsyncSession, digest: Digest, root: Unit, path: Path) -> Path:
    """Writes the workbook for `digest` (of `root`) to `path` and returns it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = new_workbook()
    summary = book.active
    assert summary is not None
    summary.title = _("digest.xlsx.sheet_summary")
    summary.append([_("digest.xlsx.title_summary", unit=root.name, period=digest.current.period)])
    summary.append([])
    summary.append(
        [
            _("digest.xlsx.subunit"),
            _("digest.xlsx.expected"),
            _("digest.xlsx.submitted"),
            _("digest.xlsx.on_time"),
            _("digest.xlsx.late"),
            _("digest.xlsx.missing"),
        ]
    )
    for line in digest.current.rows:
        summary.append(
            [line.name, line.expected, line.submitted, line.on_time, line.late, line.missing]
        )
    for cell in summary[3]:
        cell.font = BOLD
    _widths(summary, [40, 12, 12, 12, 12, 12])

    await _reports_sheet(book, session, digest, root)
    await _nominations_sheet(book, session, root)
    book.save(path)
    return path


async def _reports_sheet(book: Workbook, session: AsyncSession, digest: Digest, root: Unit) -> None:
    sheet = book.create_sheet(_("digest.xlsx.sheet_reports"))
    kinds = set(await reporting_kinds(session))
    units = sorted(
        (u for u in await subtree(session, root.id) if u.kind in kinds), key=lambda u: u.code
    )
    by_id = {u.id: u for u in units}
    reports = {
        r.unit_id: r
        for r in (
            await session.scalars(
                select(Report).where(
                    Report.period == digest.current.period,
                    Report.unit_id.in_(tree_ids(root.id)),
                )
            )
        ).all()
        if r.unit_id in by_id
    }
    template_ids = {r.template_id for r in reports.values()}
    templates = list(
        (
            await session.scalars(
                select(ReportTemplate)
                .where(
                    (ReportTemplate.id.in_(template_ids))
                    | (ReportTemplate.active.is_(True) & ReportTemplate.unit_kind.in_(kinds))
                )
                .order_by(ReportTemplate.unit_kind, ReportTemplate.version)
            )
        ).all()
    )
    columns: dict[str, str] = {}
    for template in templates:
        for item in template.indicators:
            if item.get("type") != "photo" and item.get("key"):
                columns.setdefault(str(item["key"]), _label(item))
    header = [
        _("digest.xlsx.stt"),
        _("digest.xlsx.code"),
        _("digest.xlsx.unit"),
        _("digest.xlsx.status"),
        _("digest.xlsx.submitted_at"),
        *columns.values(),
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = BOLD
    for i, unit in enumerate(units, 1):
        report = reports.get(unit.id)
        if report is None:
            sheet.append([i, unit.code, unit.name, _("digest.xlsx.status_missing")])
            continue
        answers = report.answers or {}
        sheet.append(
            [
                i,
                unit.code,
                unit.name,
                _(f"digest.xlsx.status_{report.status}"),
                report.submitted_at.replace(tzinfo=None),
                *(_cell(answers.get(key)) for key in columns),
            ]
        )
    _widths(sheet, [6, 14, 32, 14, 20, *([18] * len(columns))])


async def _nominations_sheet(book: Workbook, session: AsyncSession, root: Unit) -> None:
    from storage.nominations import award_label

    sheet = book.create_sheet(_("digest.xlsx.sheet_nominations"))
    sheet.append([_("digest.xlsx.title_nominations", unit=root.name)])
    sheet["A1"].font = BOLD
    sheet.append([])
    sheet.append(
        [
            _("digest.xlsx.stt"),
            _("digest.xlsx.full_name"),
            _("digest.xlsx.position_unit"),
            _("digest.xlsx.award"),
            _("digest.xlsx.achievement"),
        ]
    )
    for cell in sheet[NOMINATION_HEADER_ROW]:
        cell.font = BOLD
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    rows = (
        (
            await session.execute(
                select(Nomination, Unit.name)
                .join(Unit, Unit.id == Nomination.unit_id)
                .where(
                    Nomination.unit_id.in_(tree_ids(root.id)),
                    Nomination.status.in_(LISTED_STATUSES),
                )
                .order_by(Nomination.award, Nomination.nominee, Nomination.id)
            )
        )
        .tuples()
        .all()
    )
    for i, (nomination, unit_name) in enumerate(rows, 1):
        position = " – ".join(p for p in (nomination.position.strip(), unit_name) if p)
        sheet.append(
            [i, nomination.nominee, position, award_label(nomination.award), nomination.achievement]
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = WRAP
    _widths(sheet, [6, 28, 36, 28, 60])
