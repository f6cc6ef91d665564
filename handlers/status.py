"""`/trangthai`: what my unit still owes and its reports of the last twelve months, my
nominations with their status; for staff, how many nominations wait for review in their
subtree."""

from __future__ import annotations

from handlers.flow import Context, Flow, Turn, done
from handlers.report import refusal
from handlers.types import Option
from locales import _
from locales.formats import date_label, month_label
from storage.access import subtree_ids
from storage.nominations import award_label, count_pending_in, of_nominator, province_of
from storage.periods import period_of, shift
from storage.reports import filing_of, reports_of_unit

SHOWN_NOMINATIONS = 15
SHOWN_MONTHS = 12


async def start(ctx: Context) -> Turn:
    """Shows the statuses and offers what to do next."""
    assert ctx.member is not None and ctx.unit is not None
    blocks: list[str] = []
    options: list[Option] = []
    filing = None
    if refusal(ctx) is None:
        backlog = ctx.settings.report_backlog_periods
        filing = await filing_of(ctx.session, ctx.unit, ctx.now, ctx.tz, backlog)
    if filing is not None:
        since = shift(period_of(ctx.local_now.date()), -SHOWN_MONTHS + 1)
        reports = await reports_of_unit(ctx.session, ctx.unit.id, since)
        lines = [_("status.reports_title", unit=ctx.unit.name)]
        for period in filing.owed:
            due = filing.schedule.due(period)
            key = "status.report_late" if due < filing.today else "status.report_missing"
            lines.append(_(key, month=month_label(period), due=date_label(due)))
        if filing.owed:
            options.append(Option("cmd:baocao", _("report.menu")))
        elif filing.upcoming is not None:
            opens = date_label(filing.schedule.opens(filing.upcoming))
            lines.append(_("status.report_next", month=month_label(filing.upcoming), opens=opens))
        for report in reports:
            lines.append(
                _(
                    "status.report_line",
                    month=month_label(report.period),
                    status=_(f"report.status.{report.status}"),
                    version=report.version,
                )
            )
        if not reports and not filing.owed:
            lines.append(_("status.no_reports"))
        blocks.append("\n".join(lines))
    nominations = await of_nominator(ctx.session, ctx.member.id)
    if nominations:
        province = await province_of(ctx.session, ctx.unit.id)
        lines = [_("status.nominations_title", count=len(nominations))]
        for n in nominations[:SHOWN_NOMINATIONS]:
            line = _(
                "status.nomination_line",
                id=n.id,
                nominee=n.nominee,
                award=award_label(n.award, province),
                status=_(f"nominate.status.{n.status}"),
            )
            if n.status in ("returned", "rejected") and n.review_reason:
                line += "\n   " + _("status.reason", reason=n.review_reason)
            lines.append(line)
        blocks.append("\n".join(lines))
        if any(n.status == "returned" and n.unit_id == ctx.member.unit_id for n in nominations):
            options.append(Option("cmd:dexuat", _("nominate.opt.fix")))
    if ctx.member.role in ("staff", "admin"):
        waiting = await count_pending_in(
            ctx.session, await subtree_ids(ctx.session, ctx.member.unit_id)
        )
        blocks.append(_("status.pending_review", count=waiting))
        if waiting:
            options.append(Option("cmd:duyet", _("review.menu")))
    if not blocks:
        blocks.append(_("status.nothing"))
    blocks.append(_("status.next") if options else _("status.next_menu"))
    if not options:
        options.append(Option("cmd:menu", _("status.opt.menu")))
    return done("\n\n".join(blocks), options=options)


FLOW = Flow(
    name="status",
    commands=("trangthai", "trang thai", "status"),
    english="status",
    roles=frozenset(),
    start=start,
    states={},
    menu="status.menu",
)
