"""The .xlsx export of a digest (openpyxl), for staff to hand on.

Sheets: a summary per sub-unit with the period's figures per indicator (summed, averaged or
counted as each indicator declares); the period's reports (one row per reporting unit, one
column per indicator, answers as people read them: choice labels, Có/Không, each task with its
status and note, "—" for a follow-up not asked (its "Có" was a "Không"), local times
dd/mm/yyyy hh:mm, and the figures row at the bottom); the official nomination list as the tờ
trình has it (STT, Họ và tên, Năm sinh, Nam/Nữ, Chức vụ – đơn vị, Hình thức đề nghị, Thành tích
tóm tắt), grouped by award with a heading row per award ("I. Lao động tiên tiến (2)"), holding
what the council passed only (the rows come from `storage.nomination_list`, as the dossier's);
and the other nominations with their status, nominee kind and movement. Headers are localized
(`digest.xlsx.*`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import _
from locales.formats import month_label, number_label
from storage.digest import Digest, Total, subtree, tree_ids
from storage.models import Nomination, Report, ReportTemplate, Unit
from storage.nomination_list import LISTED, Row, grouped, passed
from storage.nominations import status_label
from storage.reminders import reporting_kinds
from storage.sheets import new_workbook
from storage.templates import applicable, label

NOMINATION_HEADER_ROW = 3
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TIME_FORMAT = "dd/mm/yyyy hh:mm"
DATE_FORMAT = "dd/mm/yyyy"


def _local(at: datetime, tz: ZoneInfo) -> datetime:
    """A time as Excel shows it: local wall-clock time without a zone."""
    return at.astimezone(tz).replace(tzinfo=None)


NOT_ASKED = "—"


def _not_asked(indicator: dict[str, Any], answers: dict[str, Any]) -> bool:
    """A follow-up whose condition was answered otherwise (a "Không" where "Có" asks it)."""
    when = indicator.get("when") or {}
    return bool(when) and all(k in answers for k in when) and not applicable(indicator, answers)


def _tasks_cell(value: list[Any]) -> str:
    """Each task's progress: "Tổng vệ sinh – Đã xong (ra quân 40 người); …"."""
    parts = []
    for item in value:
        if not isinstance(item, dict):
            continue
        status = _(f"report.task.status.{item.get('status', 'todo')}")
        note = f" ({item['note']})" if item.get("note") else ""
        parts.append(f"{item.get('text', '')} – {status}{note}")
    return "; ".join(parts)


def _cell(indicator: dict[str, Any], value: Any) -> Any:
    """An answer as staff read it: the choice's label, Có/Không, the number, the text."""
    if value is None:
        return None
    kind = indicator.get("type")
    if kind == "tasks" and isinstance(value, list):
        return _tasks_cell(value)
    if isinstance(value, bool) or kind == "yes_no":
        return _("digest.xlsx.yes") if value else _("digest.xlsx.no")
    if kind == "choice":
        found = next((c for c in indicator.get("choices", []) if c.get("key") == value), None)
        return label(found) if found else str(value)
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _widths(sheet: Any, widths: list[int]) -> None:
    for i, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _bold_row(sheet: Any, row: int) -> None:
    for cell in sheet[row]:
        cell.font = BOLD


async def write_xlsx(
    session: AsyncSession, digest: Digest, root: Unit, path: Path, tz: ZoneInfo
) -> Path:
    """Writes the workbook for `digest` (of `root`) to `path` and returns it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = new_workbook()
    summary = book.active
    assert summary is not None
    summary.title = _("digest.xlsx.sheet_summary")
    month = month_label(digest.current.period)
    summary.append([_("digest.xlsx.title_summary", unit=root.name, period=month)])
    summary["A1"].font = BOLD
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
    _bold_row(summary, 3)
    for line in digest.current.rows:
        summary.append(
            [line.name, line.expected, line.submitted, line.on_time, line.late, line.missing]
        )
    if digest.totals:
        summary.append([])
        summary.append(
            [_("digest.xlsx.indicator"), _("digest.xlsx.how"), _("digest.xlsx.value"),
             _("digest.xlsx.reports_counted")]
        )  # fmt: skip
        _bold_row(summary, summary.max_row)
        for total in digest.totals:
            summary.append(
                [total.label, _(f"digest.xlsx.how_{total.how}"), _figure(total), total.reports]
            )
            if total.kind == "percentage":
                summary.cell(summary.max_row, 3).number_format = "0.0%"
            elif total.how == "mean":
                summary.cell(summary.max_row, 3).number_format = "0.0"
    _widths(summary, [44, 14, 14, 14, 12, 12])

    await _reports_sheet(book, session, digest, root, tz)
    await _nominations_sheets(book, session, root, tz)
    book.save(path)
    return path


def _figure(total: Total) -> int | float:
    return total.value / 100 if total.kind == "percentage" else total.value


async def _reports_sheet(
    book: Workbook, session: AsyncSession, digest: Digest, root: Unit, tz: ZoneInfo
) -> None:
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
    columns: dict[str, dict[str, Any]] = {}
    for template in templates:
        for item in template.indicators:
            if item.get("type") != "photo" and item.get("key"):
                columns.setdefault(str(item["key"]), item)
    header = [
        _("digest.xlsx.stt"),
        _("digest.xlsx.code"),
        _("digest.xlsx.unit"),
        _("digest.xlsx.status"),
        _("digest.xlsx.submitted_at"),
        *(label(item) for item in columns.values()),
    ]
    sheet.append(
        [_("digest.xlsx.title_reports", unit=root.name, period=month_label(digest.current.period))]
    )
    sheet["A1"].font = BOLD
    sheet.append(header)
    _bold_row(sheet, 2)
    expected = {m.code for m in digest.current.missing}
    for i, unit in enumerate(units, 1):
        report = reports.get(unit.id)
        if report is None:
            missing = (
                "digest.xlsx.status_missing" if unit.code in expected else "digest.xlsx.status_none"
            )
            sheet.append([i, unit.code, unit.name, _(missing)])
            continue
        answers = report.answers or {}
        sheet.append(
            [
                i,
                unit.code,
                unit.name,
                _(f"digest.xlsx.status_{report.status}"),
                _local(report.submitted_at, tz),
                *(
                    NOT_ASKED if _not_asked(item, answers) else _cell(item, answers.get(key))
                    for key, item in columns.items()
                ),
            ]
        )
        sheet.cell(sheet.max_row, 5).number_format = TIME_FORMAT
        for n, item in enumerate(columns.values(), 6):
            if item.get("type") == "percentage" and isinstance(
                sheet.cell(sheet.max_row, n).value, int | float
            ):
                cell = sheet.cell(sheet.max_row, n)
                cell.value = cell.value / 100
                cell.number_format = "0.0%"
    figures = {t.key: t for t in digest.totals}
    if figures:
        row: list[str | None] = ["", "", _("digest.xlsx.figures"), "", ""]
        for key in columns:
            total = figures.get(key)
            row.append(
                f"{_(f'digest.xlsx.how_{total.how}')}: {_figure_text(total)}" if total else None
            )
        sheet.append(row)
        _bold_row(sheet, sheet.max_row)
    _widths(sheet, [6, 14, 32, 14, 18, *([20] * len(columns))])


def _figure_text(total: Total) -> str:
    places = total.decimals + (1 if total.how == "mean" else 0)
    text = number_label(total.value, places)
    if total.how == "yes_count":
        return f"{text}/{total.reports}"
    return f"{text}%" if total.kind == "percentage" else text


def _gender(row: Row) -> str:
    return _(f"digest.xlsx.gender_{row.gender}") if row.gender in ("nam", "nu") else ""


async def _nominations_sheets(
    book: Workbook, session: AsyncSession, root: Unit, tz: ZoneInfo
) -> None:
    from storage.nominations import award_label

    rows = (
        (
            await session.execute(
                select(Nomination, Unit.name)
                .join(Unit, Unit.id == Nomination.unit_id)
                .where(Nomination.unit_id.in_(tree_ids(root.id)))
                .order_by(Nomination.award, Nomination.nominee, Nomination.id)
            )
        )
        .tuples()
        .all()
    )
    others = [(n, u) for n, u in rows if n.status not in LISTED]

    sheet = book.create_sheet(_("digest.xlsx.sheet_nominations"))
    sheet.append([_("digest.xlsx.title_nominations", unit=root.name)])
    sheet["A1"].font = BOLD
    sheet.append([])
    sheet.append(
        [
            _("digest.xlsx.stt"),
            _("digest.xlsx.full_name"),
            _("digest.xlsx.birth_year"),
            _("digest.xlsx.gender"),
            _("digest.xlsx.position_unit"),
            _("digest.xlsx.award"),
            _("digest.xlsx.achievement"),
        ]
    )
    for cell in sheet[NOMINATION_HEADER_ROW]:
        cell.font = BOLD
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    listed = [row for _n, row in await passed(session, root)]
    for number, (_label, group) in enumerate(grouped(listed)):
        heading = ROMAN[number] if number < len(ROMAN) else str(number + 1)
        award = award_label(group[0].award_key)
        sheet.append([heading, f"{award} ({len(group)})"])
        _bold_row(sheet, sheet.max_row)
        for i, row in enumerate(group, 1):
            sheet.append(
                [
                    i,
                    row.nominee,
                    row.birth_year,
                    _gender(row),
                    row.position_unit,
                    award,
                    row.achievement,
                ]
            )
            for cell in sheet[sheet.max_row]:
                cell.alignment = WRAP
    _widths(sheet, [6, 28, 10, 9, 36, 28, 60])

    other = book.create_sheet(_("digest.xlsx.sheet_other_nominations"))
    other.append([_("digest.xlsx.title_other_nominations", unit=root.name)])
    other["A1"].font = BOLD
    other.append([])
    other.append(
        [
            _("digest.xlsx.stt"),
            _("digest.xlsx.full_name"),
            _("digest.xlsx.nominee_kind"),
            _("digest.xlsx.position_unit"),
            _("digest.xlsx.award"),
            _("digest.xlsx.movement"),
            _("digest.xlsx.nomination_status"),
            _("digest.xlsx.reason"),
            _("digest.xlsx.sent_at"),
        ]
    )
    _bold_row(other, 3)
    for i, (nomination, unit_name) in enumerate(others, 1):
        position = " – ".join(p for p in (nomination.position.strip(), unit_name) if p)
        other.append(
            [
                i,
                nomination.nominee,
                _(f"digest.xlsx.kind_{nomination.kind}"),
                position,
                award_label(nomination.award),
                nomination.movement,
                status_label(nomination.status),
                nomination.review_reason or "",
                _local(nomination.created_at, tz),
            ]
        )
        other.cell(other.max_row, 9).number_format = TIME_FORMAT
        for cell in other[other.max_row]:
            cell.alignment = WRAP
    _widths(other, [6, 28, 12, 36, 28, 30, 18, 30, 18])
