"""The monthly report: which period (`handlers.report_period`), one indicator at a time, a
summary, then submit, edit one answer or cancel. The form is a draft kept per member
(`handlers.drafts`), so another command, a restart or another phone does not lose it.

Only the indicators that apply are asked and counted: one with `when` after its condition was
answered so, a `tasks` one when the unit has open tasks (`storage.templates`). Changing an
answer drops the answers of the questions that no longer apply and asks those that now do.

State (``ctx.data``): ``unit_id`` (the unit reported for), ``template_id``, ``period``,
``answers`` (key → value; None when skipped; absent when not asked), ``index`` (the indicator
being asked), ``editing`` (return to the summary after one answer), ``tasks`` (the unit's open
tasks when the report was opened: ``[{id, due, dated, text, source}]``; none for an
older period filed late), and while a `tasks`
indicator is asked ``task_index``, ``task_items`` (the answers so far) and ``task_status`` (a
status waiting for its note).
Values: numbers (int, or float where the indicator allows decimals), True/False for yes/no, the
choice key, text, a stored file id for a photo, or for tasks ``[{task, due, text, status,
note}]`` (status done, doing or todo); on submit each task answered done is marked done.
"""

from __future__ import annotations

from datetime import date
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
from storage.directives import document_label, is_target, mark_done, open_tasks
from storage.drafts import drafts_of, get_draft
from storage.files import FileRejected, store_file
from storage.models import HEAD_ROLE, ReportTemplate, StoredFile
from storage.reports import Filing, filing_of, submit_report
from storage.templates import NUMERIC, TASK_STATUSES, applicable, decimals_of, label, schedule_of

FLOW_NAME = "report"
REPORTING_ROLES = frozenset({*HEAD_ROLE.values(), "reporter"})
# Which unit kind a role reports for; a reporter may report for any unit kind.
ROLE_UNIT_KIND = {role: kind for kind, role in HEAD_ROLE.items()}
YES = {"co", "c", "yes", "y", "co a", "vang", "dung"}
NO = {"khong", "k", "ko", "no", "n", "chua", "khong co"}
OPTION_LABEL_MAX = 60
TASK_TEXT = 160
TASK_SHOWN = 60
NOTE_MAX = 300
# what people type for a task's status, before an optional note ("xong, đã họp dân 20/11")
TASK_WORDS = (
    ("chua xong", "doing"),
    ("dang lam", "doing"),
    ("dang", "doing"),
    ("doing", "doing"),
    ("in progress", "doing"),
    ("da hoan thanh", "done"),
    ("hoan thanh", "done"),
    ("da xong", "done"),
    ("xong", "done"),
    ("done", "done"),
    ("chua lam", "todo"),
    ("chua", "todo"),
    ("not started", "todo"),
    ("not yet", "todo"),
)


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


# Which questions apply ------------------------------------------------------------------------


def shown(template: ReportTemplate, data: dict[str, Any]) -> list[int]:
    """The indices of the indicators asked given the answers so far: a `when` indicator once its
    condition holds, a `tasks` one when the unit had open tasks (or an earlier answer listed
    some)."""
    answers = data.get("answers") or {}
    found = []
    for i, indicator in enumerate(template.indicators):
        if (
            indicator["type"] == "tasks"
            and not data.get("tasks")
            and not answers.get(indicator["key"])
        ):
            continue
        if applicable(indicator, answers):
            found.append(i)
    return found


def _prune(template: ReportTemplate, data: dict[str, Any]) -> None:
    """Drops the answers of questions that no longer apply (a "Có" changed to "Không")."""
    answers = dict(data.get("answers") or {})
    while True:
        gone = [
            i["key"]
            for i in template.indicators
            if i["key"] in answers and not applicable(i, answers)
        ]
        if not gone:
            break
        for key in gone:
            answers.pop(key)
    data["answers"] = answers


def _first_unanswered(template: ReportTemplate, data: dict[str, Any]) -> int | None:
    """The first question that applies and has no answer yet (a skipped one has None)."""
    answers = data.get("answers") or {}
    return next(
        (i for i in shown(template, data) if template.indicators[i]["key"] not in answers), None
    )


# Questions and summary ------------------------------------------------------------------------


def _number(template: ReportTemplate, index: int, data: dict[str, Any]) -> tuple[int, int]:
    """(n, total) of the question among those that apply."""
    asked = shown(template, data)
    return (asked.index(index) + 1 if index in asked else len(asked)), len(asked)


def _question(
    template: ReportTemplate, index: int, data: dict[str, Any]
) -> tuple[str, Awaiting, list[Option]]:
    indicator = template.indicators[index]
    kind = indicator["type"]
    n, total = _number(template, index, data)
    lines = [_("report.question", n=n, total=total, label=label(indicator))]
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


def _ask_indicator(
    template: ReportTemplate, index: int, data: dict[str, Any], before: tuple[str, ...] = ()
) -> Turn:
    data["index"] = index
    if template.indicators[index]["type"] == "tasks":
        data["task_index"], data["task_items"] = 0, []
        data.pop("task_status", None)
        return _ask_task(template, data, before)
    text, awaiting, options = _question(template, index, data)
    return ask("report:answer", text, awaiting, options, before=before)


def _task_of(data: dict[str, Any]) -> dict[str, Any]:
    tasks = data.get("tasks") or []
    return dict(tasks[min(int(data.get("task_index", 0)), len(tasks) - 1)])


def _ask_task(template: ReportTemplate, data: dict[str, Any], before: tuple[str, ...] = ()) -> Turn:
    """Asks how the current open task stands."""
    index = int(data["index"])
    n, total = _number(template, index, data)
    task = _task_of(data)
    when = (
        _("tasks.when.none")
        if not task.get("dated")
        else date_label(date.fromisoformat(task["due"]))
    )
    lines = [
        _("report.question", n=n, total=total, label=label(template.indicators[index])),
        _(
            "report.task.line",
            k=int(data.get("task_index", 0)) + 1,
            count=len(data.get("tasks") or []),
            text=task["text"],
            when=when,
            source=task.get("source", ""),
        ),
        _("report.task.hint"),
    ]
    options = [Option(status, _(f"report.task.status.{status}")) for status in TASK_STATUSES]
    return ask("report:task", "\n".join(lines), "choice", options, before=before)


def _typed_status(text: str) -> tuple[str, str | None] | None:
    """A status typed before an optional note: "xong, đã họp dân" → ("done", "đã họp dân")."""
    words = clean(text).split()
    for phrase, status in TASK_WORDS:
        n = len(phrase.split())
        if fold(" ".join(words[:n])).strip(",.:;-–!") == phrase:
            note = " ".join(words[n:]).lstrip(",.:;-–! ")
            return status, note or None
    return None


def _task_value(item: dict[str, Any]) -> str:
    status = _(f"report.task.status.{item.get('status', 'todo')}")
    text = short(str(item.get("text", "")), TASK_SHOWN)
    if item.get("note"):
        return _("report.task.item_note", task=text, status=status, note=item["note"])
    return _("report.task.item", task=text, status=status)


def show_value(indicator: dict[str, Any], value: Any) -> str:
    """An answer as the person reads it."""
    if value is None:
        return _("report.value.skipped")
    kind = indicator["type"]
    if kind == "tasks":
        items = [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []
        if not items:
            return _("report.value.no_tasks")
        return "".join("\n" + _task_value(item) for item in items)
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
    for n, index in enumerate(shown(template, ctx.data), 1):
        indicator = template.indicators[index]
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


def _editable(template: ReportTemplate, data: dict[str, Any]) -> list[int]:
    """The questions that may be asked again (tasks only while some are open)."""
    return [
        i
        for i in shown(template, data)
        if template.indicators[i]["type"] != "tasks" or data.get("tasks")
    ]


def _edit_list(template: ReportTemplate, data: dict[str, Any]) -> Turn:
    options = [
        Option(f"q:{i}", short(label(template.indicators[i]))) for i in _editable(template, data)
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
        # today's open tasks belong to the newest period, not to an older one filed late
        "tasks": await _open_tasks(ctx, template) if period == filing.periods[-1] else [],
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
    asked = shown(template, ctx.data)
    key = "report.intro_late" if filing.schedule.is_late(period, filing.today) else "report.intro"
    intro = _(key, month=month, unit=unit.name, count=len(asked), due=due)
    if not asked:
        ctx.data["editing"] = True
        return _summary(ctx, template, before=(intro, *also))
    return _ask_indicator(template, asked[0], ctx.data, before=(intro, *also))


async def _open_tasks(ctx: Context, template: ReportTemplate) -> list[dict[str, Any]]:
    """The unit's open tasks, when the template asks about them."""
    assert ctx.unit is not None
    if not any(i["type"] == "tasks" for i in template.indicators):
        return []
    found = await open_tasks(ctx.session, ctx.unit.id, ctx.local_now.date(), ctx.tz)
    return [
        {
            "id": item.task.id,
            "due": item.due.isoformat(),
            "dated": item.dated,
            "text": short(" ".join(item.task.text.split()), TASK_TEXT),
            "source": document_label(item.directive, brief=True),
        }
        for item in found
    ]


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
    return _answered(ctx, template, indicator["key"], value)


def _answered(ctx: Context, template: ReportTemplate, key: str, value: Any) -> Turn:
    """Keeps the answer, drops those that no longer apply, and asks the next question that
    applies (when editing: the first that now applies and has no answer) or shows the summary."""
    index = int(ctx.data.get("index", 0))
    ctx.data["answers"] = dict(ctx.data.get("answers", {})) | {key: value}
    _prune(template, ctx.data)
    for name in ("task_index", "task_items", "task_status"):
        ctx.data.pop(name, None)
    if ctx.data.get("editing"):
        missing = _first_unanswered(template, ctx.data)
        if missing is not None:
            return _ask_indicator(template, missing, ctx.data)
        return _summary(ctx, template)
    following = [i for i in shown(template, ctx.data) if i > index]
    if not following:
        ctx.data["editing"] = True
        return _summary(ctx, template)
    return _ask_indicator(template, following[0], ctx.data)


async def task_status(ctx: Context) -> Turn:
    """Takes how the current task stands (a button, or typed with a note) and asks for the note,
    or goes on to the next task."""
    template = await _template(ctx)
    if template is None or refusal(ctx) or not ctx.data.get("tasks"):
        return finish(ctx, _("report.restart"))
    if ctx.msg.attachments:
        return stay(_("report.task.bad"))
    if ctx.msg.choice in TASK_STATUSES:
        if ctx.msg.choice == "todo":
            return _task_done(ctx, template, "todo", None)
        ctx.data["task_status"] = ctx.msg.choice
        skip = [Option("skip", _("report.opt.skip"))]
        return ask(
            "report:task_note",
            _("report.task.ask_note", task=short(str(_task_of(ctx.data)["text"]), TASK_SHOWN)),
            "text",
            skip,
        )
    typed = _typed_status(ctx.msg.text)
    if typed is None:
        return stay(_("report.task.bad"))
    status, note = typed
    if note is not None and len(note) > NOTE_MAX:
        return stay(_("report.bad.too_long", length=len(note), max=NOTE_MAX))
    return _task_done(ctx, template, status, note)


async def task_note(ctx: Context) -> Turn:
    """Takes the note for the task's status (or none) and goes on to the next task."""
    template = await _template(ctx)
    status = ctx.data.get("task_status")
    if template is None or refusal(ctx) or status not in TASK_STATUSES:
        return finish(ctx, _("report.restart"))
    if ctx.msg.choice == "skip" or typed_first_option(ctx):
        return _task_done(ctx, template, str(status), None)
    note = clean(ctx.msg.text)
    if ctx.msg.attachments or not note:
        return stay(_("report.bad.need_text"))
    if len(note) > NOTE_MAX:
        return stay(_("report.bad.too_long", length=len(note), max=NOTE_MAX))
    return _task_done(ctx, template, str(status), note)


def _task_done(ctx: Context, template: ReportTemplate, status: str, note: str | None) -> Turn:
    """Records the current task's answer; asks the next task or answers the indicator."""
    task = _task_of(ctx.data)
    items = list(ctx.data.get("task_items") or [])
    items.append(
        {
            "task": task["id"],
            "due": task["due"],
            "text": task["text"],
            "status": status,
            "note": note,
        }
    )
    ctx.data["task_items"] = items
    ctx.data.pop("task_status", None)
    if len(items) < len(ctx.data.get("tasks") or []):
        ctx.data["task_index"] = len(items)
        return _ask_task(template, ctx.data)
    key = template.indicators[int(ctx.data.get("index", 0))]["key"]
    return _answered(ctx, template, key, items)


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
        return _edit_list(template, ctx.data)
    if ctx.msg.choice != "submit":
        return stay(_("report.bad.summary"))
    _prune(template, ctx.data)
    answers: dict[str, Any] = dict(ctx.data.get("answers", {}))
    missing = [
        i
        for i in shown(template, ctx.data)
        if template.indicators[i]["required"] and answers.get(template.indicators[i]["key"]) is None
    ]
    if missing:
        ctx.data["editing"] = False
        return _ask_indicator(template, missing[0], ctx.data, before=(_("report.missing"),))
    period = str(ctx.data["period"])
    schedule = schedule_of(template)
    late = schedule.is_late(period, ctx.local_now.date())
    await _mark_tasks_done(ctx, template, answers)
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


async def _mark_tasks_done(ctx: Context, template: ReportTemplate, answers: dict[str, Any]) -> None:
    """Marks done each task the report says is done (only tasks of the unit that were open when
    the report was opened), so its reminders stop and /nhiemvu no longer lists it."""
    assert ctx.unit is not None and ctx.member is not None
    offered = {(t["id"], t["due"]) for t in ctx.data.get("tasks") or []}
    for indicator in template.indicators:
        if indicator["type"] != "tasks" or not isinstance(answers.get(indicator["key"]), list):
            continue
        for item in answers[indicator["key"]]:
            pair = (item.get("task"), item.get("due"))
            if item.get("status") != "done" or pair not in offered:
                continue
            task_id, due = int(pair[0]), date.fromisoformat(str(pair[1]))
            if await is_target(ctx.session, task_id, ctx.unit.id):
                await mark_done(ctx.session, task_id, ctx.unit.id, due, ctx.member.id, ctx.now)


async def edit(ctx: Context) -> Turn:
    """Asks again the question picked for editing (or goes back to the summary)."""
    template = await _template(ctx)
    if template is None or refusal(ctx):
        return finish(ctx, _("report.restart"))
    if ctx.msg.choice == "back":
        return _summary(ctx, template)
    picked = whole((ctx.msg.choice or "").removeprefix("q:"))
    if picked is None or picked not in _editable(template, ctx.data):
        return stay(_("report.bad.choice"))
    ctx.data["editing"] = True
    return _ask_indicator(template, picked, ctx.data)


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
        total=len(shown(template, ctx.data)),
    )
    if state == "report:edit":
        turn = _edit_list(template, ctx.data)
        turn.replies.insert(0, Reply(note))
        return turn
    asking = ("report:answer", "report:task", "report:task_note")
    if state == "report:summary" or (ctx.data.get("editing") and state not in asking):
        return _summary(ctx, template, before=(note,))
    if state == "report:task_note" and ctx.data.get("task_status") in TASK_STATUSES:
        skip = [Option("skip", _("report.opt.skip"))]
        return ask(
            "report:task_note",
            _("report.task.ask_note", task=short(str(_task_of(ctx.data)["text"]), TASK_SHOWN)),
            "text",
            skip,
            before=(note,),
        )
    if state == "report:task" and ctx.data.get("tasks"):
        return _ask_task(template, ctx.data, before=(note,))
    index = min(int(ctx.data.get("index", 0)), len(template.indicators) - 1)
    return _ask_indicator(template, index, ctx.data, before=(note,))


def _draft_key(data: dict[str, Any]) -> str | None:
    """The period, once a question (or a task's progress) is answered: an untouched report is
    not worth keeping."""
    period = data.get("period")
    touched = data.get("answers") or data.get("task_items") or data.get("task_status")
    return str(period) if period and data.get("template_id") and touched else None


async def _draft_label(ctx: Context, data: dict[str, Any]) -> str:
    template_id = data.get("template_id")
    template = await ctx.session.get(ReportTemplate, template_id) if template_id else None
    total = len(shown(template, data)) if template else 0
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
        "report:task": task_status,
        "report:task_note": task_note,
        "report:summary": summary,
        "report:edit": edit,
    },
    menu="report.menu",
    drafts=Drafts(_draft_key, _draft_label, resume),
)
FLOW = keeping_drafts(FLOW)
