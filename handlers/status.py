"""`/trangthai`: my unit's reports this year and my nominations with their status; for staff,
how many nominations wait for review in their subtree."""

from __future__ import annotations

from handlers.flow import Context, Flow, Turn, done
from handlers.report import date_label, month_label, refusal
from handlers.types import Option
from locales import _
from storage.access import subtree_ids
from storage.nominations import award_label, count_pending_in, of_nominator, province_of
from storage.reports import due_date, period_of, reports_of_unit

SHOWN_NOMINATIONS = 15


async def start(ctx: Context) -> Turn:
    """Shows the statuses and offers what to do next."""
    assert ctx.member is not None and ctx.unit is not None
    blocks: list[str] = []
    options: list[Option] = []
    if refusal(ctx) is None:
        period = period_of(ctx.local_now)
        reports = await reports_of_unit(ctx.session, ctx.unit.id, ctx.local_now.year)
        lines = [_("status.reports_title", year=ctx.local_now.year, unit=ctx.unit.name)]
        if not any(r.period == period for r in reports):
            due = date_label(due_date(period, ctx.settings.report_due_day))
            lines.append(_("status.report_missing", month=month_label(period), due=due))
            options.append(Option("cmd:baocao", _("report.menu")))
        for report in reports:
            lines.append(
                _(
                    "status.report_line",
                    month=month_label(report.period),
                    status=_(f"report.status.{report.status}"),
                    version=report.version,
                )
            )
        if len(lines) == 1:
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
