"""The monthly report: which period (`handlers.report_period`), one indicator at a time, a
summary, then submit, edit one answer or cancel. The form is a draft kept per member
(`handlers.drafts`), so another command, a restart or another phone does not lose it.

State (``ctx.data``): ``unit_id`` (the unit reported for), ``template_id``, ``period``,
``answers`` (key → value; None when skipped), ``index`` (the indicator being asked) and
``editing`` (return to the summary after one answer).
Values: numbers (int, or float where the indicator allows decimals), True/False for yes/no, the
choice key, text, or a stored file id for a photo.
"""

from __future__ import annotations

from typing import Any

from handlers import core
from handlers.drafts import keeping_drafts
from handlers.flow import Context, Drafts, Flow, Turn, ask, done, stay
from handlers.numbers import parse_number, show_number, whole
from handlers.report_period import (
    later_owed_note,
    nothing_owed_text,
    period_options,
    read_period,
    refusal_text,
)
from handlers.text import clean, fold
from handlers.types import Attachment, Awaiting, Option, Reply
from locales import _
from locales.formats import date_label, month_label
from storage.drafts import drafts_of, get_draft
from storage.files import FileRejected, store_file
from storage.models import HEAD_ROLE, ReportTemplate, StoredFile
from storage.reports import Filing, filing_of, submit_report
from storage.templates import NUMERIC, decimals_of, label, schedule_of

FLOW_NAME = "report"
REPORTING_ROLES = frozenset({*HEAD_ROLE.values(), "reporter"})
# Which unit kind a role reports for; a reporter may report for any unit kind.
ROLE_UNIT_KIND = {role: kind for kind, role in HEAD_ROLE.items()}
YES = {"co", "c", "yes", "y", "co a", "vang", "dung"}
NO = {"khong", "k", "ko", "no", "n", "chua", "khong co"}
OPTION_LABEL_MAX = 60


# Shared bits (nomination and review use them too) ---------------------------------------------


def finish(ctx: Context, *texts: str) -> Turn:
    """Ends the flow with these messages and the member's menu as the next step."""
    from handlers import FLOWS

    return core.menu(ctx, FLOWS, *texts)


def file_refusal(reason: str, ctx: Context) -> str:
    """The localized reason a file was refused."""
    mb = ctx.settings.max_file_bytes // (1024 * 1024)
    return _(f"files.rejected.{reason}", mb=mb)


async def store_attachment(
    ctx: Context, attachment: Attachment, images_only: bool = False
) -> StoredFile:
    """Stores a received attachment in the file store (raises FileRejected)."""
    return await store_file(
        ctx.session,
        ctx.settings.files_dir,
        attachment.path,
        attachment.filename,
        ctx.now,
        ctx.settings.max_file_bytes,
        images_only,
    )


def short(text: str, limit: int = OPTION_LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def typed_first_option(ctx: Context) -> bool:
    """ "1" typed where free text or a file is awaited and the only option is "Bỏ qua"/"Xong":
    the console numbers options, so people type the number."""
    return ctx.msg.choice is None and not ctx.msg.attachments and ctx.msg.text.strip() == "1"


# Validation -----------------------------------------------------------------------------------


def parse_integer(text: str) -> int | None:
    """ "12", " 12 ", "12 hộ", "1.200", "95%" → the whole number; anything else → None."""
    value = parse_number(text).value
    return value if isinstance(value, int) else None


def _number_answer(indicator: dict[str, Any], text: str) -> tuple[bool, Any, str | None]:
    decimals = decimals_of(indicator)
    parsed = parse_number(text, decimals)
    if parsed.value is None:
        return False, None, _(f"report.bad.{parsed.error}", n=decimals)
    low, high = indicator["min"], indicator["max"]
    if not low <= parsed.value <= high:
        return False, None, _("report.bad.range", min=show_number(low), max=show_number(high))
    return True, parsed.value, None


def _yes_no(ctx: Context) -> bool | None:
    if ctx.msg.choice in ("yes", "no"):
        return ctx.msg.choice == "yes"
    typed = fold(ctx.msg.text).strip(".!")
    if typed in YES:
        return True
    if typed in NO:
        return False
    return None


async def _answer(ctx: Context, indicator: dict[str, Any]) -> tuple[bool, Any, str | None]:
    """(accepted, value, error text) for the current message as an answer to `indicator`."""
    kind = indicator["type"]
    if not indicator["required"] and (
        ctx.msg.choice == "skip" or (kind in ("text", "photo") and typed_first_option(ctx))
    ):
        return True, None, None
    if kind == "photo":
        if not ctx.msg.attachments:
            key = "report.bad.need_photo" if indicator["required"] else "report.bad.need_photo_opt"
            return False, None, _(key)
        try:
            stored = await store_attachment(ctx, ctx.msg.attachments[0], images_only=True)
        except FileRejected as refused:
            return False, None, file_refusal(refused.reason, ctx)
        return True, stored.id, None
    if ctx.msg.attachments:
        return False, None, _("report.bad.need_text")
    if kind == "yes_no":
        value = _yes_no(ctx)
        return (True, value, None) if value is not None else (False, None, _("report.bad.yes_no"))
    if kind == "choice":
        keys = [c["key"] for c in indicator["choices"]]
        picked = (ctx.msg.choice or "").removeprefix("c:")
        if ctx.msg.choice and picked in keys:
            return True, picked, None
        return False, None, _("report.bad.choice")
    text = clean(ctx.msg.text)
    if not text:
        return False, None, _("report.bad.empty")
    if kind in NUMERIC:
        return _number_answer(indicator, text)
    if len(text) > indicator["max"]:
        return False, None, _("report.bad.too_long", length=len(text), max=indicator["max"])
    return True, text, None


# Questions and summary ------------------------------------------------------------------------


def _question(template: ReportTemplate, index: int) -> tuple[str, Awaiting, list[Option]]:
    indicator = template.indicators[index]
    kind = indicator["type"]
    lines = [
        _("report.question", n=index + 1, total=len(template.indicators), label=label(indicator))
    ]
    options: list[Option] = []
    awaiting: Awaiting = "text"
    if kind in NUMERIC:
        low, high = show_number(indicator["min"]), show_number(indicator["max"])
        hint = "report.hint.decimal" if decimals_of(indicator) else "report.hint.integer"
        lines.append(_(hint, min=low, max=high))
        awaiting = "number"
    elif kind == "yes_no":
        lines.append(_("report.hint.yes_no"))
        options = [Option("yes", _("report.opt.yes")), Option("no", _("report.opt.no"))]
        awaiting = "choice"
    elif kind == "choice":
        lines.append(_("report.hint.choice"))
        options = [Option(f"c:{c['key']}", label(c)) for c in indicator["choices"]]
        awaiting = "choice"
    elif kind == "text":
        lines.append(_("report.hint.text", max=indicator["max"]))
    else:
        lines.append(_("report.hint.photo"))
        awaiting = "photo"
    if not indicator["required"]:
        lines.append(_("report.hint.optional"))
        options.append(Option("skip", _("report.opt.skip")))
    return "\n".join(lines), awaiting, options


def _ask_indicator(template: ReportTemplate, index: int, before: tuple[str, ...] = ()) -> Turn:
    text, awaiting, options = _question(template, index)
    return ask("report:answer", text, awaiting, options, before=before)


def show_value(indicator: dict[str, Any], value: Any) -> str:
    """An answer as the person reads it."""
    if value is None:
        return _("report.value.skipped")
    kind = indicator["type"]
    if kind == "yes_no":
        return _("report.opt.yes") if value else _("report.opt.no")
    if kind == "choice":
        found = next((c for c in indicator["choices"] if c["key"] == value), None)
        return label(found) if found else str(value)
    if kind == "photo":
        return _("report.value.photo")
    if kind in NUMERIC and isinstance(value, int | float) and not isinstance(value, bool):
        text = show_number(value, decimals_of(indicator))
        return f"{text}%" if kind == "percentage" else text
    return str(value)


def _summary(ctx: Context, template: ReportTemplate, before: tuple[str, ...] = ()) -> Turn:
    assert ctx.unit is not None
    period = str(ctx.data["period"])
    answers = ctx.data["answers"]
    lines = [_("report.summary_title", month=month_label(period), unit=ctx.unit.name)]
    for n, indicator in enumerate(template.indicators, 1):
        value = show_value(indicator, answers.get(indicator["key"]))
        lines.append(_("report.summary_line", n=n, label=label(indicator), value=value))
    schedule = schedule_of(template)
    if schedule.is_late(period, ctx.local_now.date()):
        lines.append(_("report.summary_late", due=date_label(schedule.due(period))))
    lines.append(_("report.summary_ask"))
    options = [
        Option("submit", _("report.opt.submit")),
        Option("edit", _("report.opt.edit")),
        Option("cancel", _("report.opt.cancel")),
    ]
    return ask("report:summary", "\n".join(lines), "confirm", options, before=before)


def _edit_list(template: ReportTemplate) -> Turn:
    options = [
        Option(f"q:{n}", short(label(indicator))) for n, indicator in enumerate(template.indicators)
    ]
    options.append(Option("back", _("report.opt.back")))
    return ask("report:edit", _("report.edit_which"), "choice", options)


def refusal(ctx: Context) -> str | None:
    """Why this member may not report for their unit, or None when they may."""
    assert ctx.member is not None and ctx.unit is not None
    needed = ROLE_UNIT_KIND.get(ctx.member.role)
    if ctx.member.role not in REPORTING_ROLES or (needed and ctx.unit.kind != needed):
        return _("report.wrong_unit", role=core.role_name(ctx.member.role), unit=ctx.unit.name)
    return None


async def _template(ctx: Context) -> ReportTemplate | None:
    """The template of the report in progress, when it still fits this member's unit."""
    assert ctx.unit is not None
    template_id = ctx.data.get("template_id")
    template = await ctx.session.get(ReportTemplate, template_id) if template_id else None
    if template is None or template.unit_kind != ctx.unit.kind:
        return None
    if ctx.data.get("unit_id", ctx.unit.id) != ctx.unit.id:
        return None
    return template


# Steps ----------------------------------------------------------------------------------------


async def _filing(ctx: Context) -> Filing | None:
    assert ctx.unit is not None
    backlog = ctx.settings.report_backlog_periods
    return await filing_of(ctx.session, ctx.unit, ctx.now, ctx.tz, backlog)


async def start(ctx: Context) -> Turn:
    """Opens the period asked for ("bao cao thang 11"), else a draft, else the oldest period
    owed, else the latest one filed if it is still on time; otherwise says when the next
    period opens and offers what can be filed."""
    assert ctx.unit is not None
    refused = refusal(ctx)
    if refused:
        return done(refused)
    filing = await _filing(ctx)
    if filing is None:
        return done(_("report.no_template", unit=ctx.unit.name))
    if ctx.msg.args.strip():
        period = read_period(ctx.msg.args, filing.today)
        if period is None:
            return _offer(ctx, filing, _("report.period.unclear"))
        if filing.why_not(period):
            return _offer(ctx, filing, refusal_text(filing, period, ctx.unit.name))
        return await _open(ctx, filing, period)
    assert ctx.member is not None
    for draft in await drafts_of(ctx.session, ctx.member.id, FLOW_NAME):
        if draft.key in filing.periods and draft.data.get("unit_id") == ctx.unit.id:
            return await _open(ctx, filing, draft.key)
    if filing.owed:
        return await _open(ctx, filing, filing.owed[0])
    latest = filing.periods[-1] if filing.periods else None
    if latest is not None and not filing.schedule.is_late(latest, filing.today):
        return await _open(ctx, filing, latest)
    return _offer(ctx, filing, nothing_owed_text(filing))


def _offer(ctx: Context, filing: Filing, text: str) -> Turn:
    """Says `text` and offers the periods that can be filed now (or the menu when none)."""
    options = period_options(filing)
    if not options:
        return finish(ctx, text)
    options.append(Option("menu", _("report.opt.menu")))
    return ask("report:pick", f"{text}\n{_('report.period.pick')}", "choice", options)


async def pick(ctx: Context) -> Turn:
    """Opens the period picked from the offered ones."""
    if ctx.msg.choice == "menu":
        return finish(ctx)
    filing = await _filing(ctx)
    period = (ctx.msg.choice or "").removeprefix("p:")
    if filing is None or not period or filing.why_not(period):
        return stay(_("report.bad.choice"))
    return await _open(ctx, filing, period)


async def _open(ctx: Context, filing: Filing, period: str) -> Turn:
    """Resumes the draft of `period`, shows its filed report for amending, or asks the first
    question; says which period it is, whether it is late, and what else is owed."""
    assert ctx.unit is not None and ctx.member is not None
    template, unit = filing.template, ctx.unit
    month = month_label(period)
    due = date_label(filing.schedule.due(period))
    also = later_owed_note(filing, period)
    ctx.data = {
        "unit_id": unit.id,
        "template_id": template.id,
        "period": period,
        "answers": {},
        "index": 0,
    }
    draft = await get_draft(ctx.session, ctx.member.id, FLOW_NAME, period)
    if draft is not None and draft.data.get("template_id") == template.id:
        ctx.data = dict(draft.data)
        return await resume(ctx, draft.state)
    filed = filing.filed.get(period)
    if filed is not None and filed.template_id == template.id:
        ctx.data["answers"] = dict(filed.answers)
        ctx.data["editing"] = True
        intro = _("report.intro_again", month=month, unit=unit.name, version=filed.version)
        return _summary(ctx, template, before=(intro, *also))
    count = len(template.indicators)
    key = "report.intro_late" if filing.schedule.is_late(period, filing.today) else "report.intro"
    intro = _(key, month=month, unit=unit.name, count=count, due=due)
    return _ask_indicator(template, 0, before=(intro, *also))


async def answer(ctx: Context) -> Turn:
    """Stores a valid answer and asks the next indicator (or shows the summary)."""
    template = await _template(ctx)
    if template is None or refusal(ctx):
        return finish(ctx, _("report.restart"))
    index = int(ctx.data.get("index", 0))
    indicator = template.indicators[index]
    accepted, value, error = await _answer(ctx, indicator)
    if not accepted:
        return stay(error or _("report.bad.empty"))
    ctx.data["answers"] = dict(ctx.data.get("answers", {})) | {indicator["key"]: value}
    if ctx.data.get("editing") or index + 1 >= len(template.indicators):
        ctx.data["editing"] = True
        return _summary(ctx, template)
    ctx.data["index"] = index + 1
    return _ask_indicator(template, index + 1)


async def summary(ctx: Context) -> Turn:
    """Submits the report, lists the questions to edit one, or cancels."""
    assert ctx.member is not None and ctx.unit is not None
    template = await _template(ctx)
    refused = refusal(ctx)
    if template is None or refused:
        return finish(ctx, refused or _("report.restart"))
    if ctx.msg.choice == "cancel":
        return finish(ctx, _("report.cancelled"))
    if ctx.msg.choice == "edit":
        return _edit_list(template)
    if ctx.msg.choice != "submit":
        return stay(_("report.bad.summary"))
    answers: dict[str, Any] = dict(ctx.data.get("answers", {}))
    missing = [i for i in template.indicators if i["required"] and answers.get(i["key"]) is None]
    if missing:
        index = template.indicators.index(missing[0])
        ctx.data["index"], ctx.data["editing"] = index, False
        return _ask_indicator(template, index, before=(_("report.missing"),))
    period = str(ctx.data["period"])
    schedule = schedule_of(template)
    late = schedule.is_late(period, ctx.local_now.date())
    report = await submit_report(
        ctx.session, ctx.unit, ctx.member, template, period, answers, ctx.now, late
    )
    due = date_label(schedule.due(period))
    saved = _(
        f"report.saved.{report.status}",
        month=month_label(period),
        unit=ctx.unit.name,
        version=report.version,
        due=due,
    )
    return finish(ctx, saved)


async def edit(ctx: Context) -> Turn:
    """Asks again the question picked for editing (or goes back to the summary)."""
    template = await _template(ctx)
    if template is None or refusal(ctx):
        return finish(ctx, _("report.restart"))
    if ctx.msg.choice == "back":
        return _summary(ctx, template)
    picked = whole((ctx.msg.choice or "").removeprefix("q:"))
    if picked is None or not 0 <= picked < len(template.indicators):
        return stay(_("report.bad.choice"))
    ctx.data["index"], ctx.data["editing"] = picked, True
    return _ask_indicator(template, picked)


async def resume(ctx: Context, state: str) -> Turn:
    """Asks again the question the report in `ctx.data` stands at (after another command, a
    language change, or from another chat), saying which report and how far it is."""
    template = await _template(ctx)
    if template is None or refusal(ctx) or "period" not in ctx.data:
        return finish(ctx, _("report.restart"))
    note = _(
        "report.resumed",
        month=month_label(str(ctx.data["period"])),
        count=len(ctx.data.get("answers") or {}),
        total=len(template.indicators),
    )
    if state == "report:edit":
        turn = _edit_list(template)
        turn.replies.insert(0, Reply(note))
        return turn
    if state == "report:summary" or (ctx.data.get("editing") and state != "report:answer"):
        return _summary(ctx, template, before=(note,))
    index = min(int(ctx.data.get("index", 0)), len(template.indicators) - 1)
    return _ask_indicator(template, index, before=(note,))


def _draft_key(data: dict[str, Any]) -> str | None:
    """The period, once a question is answered (an untouched report is not worth keeping)."""
    period = data.get("period")
    return str(period) if period and data.get("template_id") and data.get("answers") else None


async def _draft_label(ctx: Context, data: dict[str, Any]) -> str:
    template_id = data.get("template_id")
    template = await ctx.session.get(ReportTemplate, template_id) if template_id else None
    total = len(template.indicators) if template else 0
    month = month_label(str(data.get("period", "")))
    count = len(data.get("answers") or {})
    return _("report.draft_label", month=month, count=count, total=total)


FLOW = Flow(
    name=FLOW_NAME,
    commands=("baocao", "bao cao", "report"),
    english="report",
    roles=REPORTING_ROLES,
    start=start,
    states={
        "report:pick": pick,
        "report:answer": answer,
        "report:summary": summary,
        "report:edit": edit,
    },
    menu="report.menu",
    drafts=Drafts(_draft_key, _draft_label, resume),
)
FLOW = keeping_drafts(FLOW)
