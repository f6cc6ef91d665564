"""Acting on the intake summary: activate, cancel, correct the issue date or a deadline, drop
a task (who a task goes to is corrected in `intake_assign`)."""

from __future__ import annotations

from typing import Any

from directives import is_dated
from directives.deadlines import DateContext
from handlers.flow import Context, Turn, ask, stay
from handlers.intake_assign import ask_assignee
from handlers.intake_common import back_option, current_draft, finish, gone, task_options
from handlers.intake_reading import add_page
from handlers.intake_summary import TASK_TEXT, show_summary, with_picked_task
from handlers.intake_typed import parse_date, parse_deadline
from handlers.intake_words import day_label, deadlines_label, directive_label, short
from handlers.types import Option
from locales import _
from storage.directives import (
    Resolver,
    activate,
    discard_draft,
    drop_task,
    get_task,
    set_deadlines,
    set_issued_on,
    tasks_of,
    unreachable,
)
from storage.models import Directive, DirectiveTask

# units named in a note before "and N more"
UNITS_NAMED = 5


async def intake_review(ctx: Context) -> Turn:
    """Acts on the summary: activate, correct, drop a task, or cancel."""
    directive = await current_draft(ctx)
    if directive is None:
        return gone(ctx)
    choice = ctx.msg.choice
    if ctx.msg.attachments and ctx.data.get("scan_text"):
        return await add_page(ctx)
    if choice == "act":
        return await _activate_or_ask(ctx, directive)
    if choice == "cancel":
        await discard_draft(ctx.session, directive)
        return finish(ctx, _("directive.cancelled"))
    if choice == "date":
        return ask("intake:date", _("directive.ask_date"), "date", [back_option()])
    if choice in ("deadline", "drop"):
        tasks = await tasks_of(ctx.session, directive.id)
        if not tasks:
            return stay(_("directive.bad.no_tasks"))
        if choice == "deadline" and len(tasks) == 1:
            return _ask_deadline(ctx, tasks[0])
        state = "intake:pick_deadline" if choice == "deadline" else "intake:pick_drop"
        key = "directive.ask_task_deadline" if choice == "deadline" else "directive.ask_task_drop"
        return ask(state, _(key), "choice", task_options(tasks))
    if choice == "assignee":
        return await ask_assignee(ctx, directive)
    return stay(_("directive.bad.pick"))


async def _activate_or_ask(ctx: Context, directive: Directive) -> Turn:
    """Activates the draft, or first asks to confirm when some tasks would remind nobody,
    saying which and why."""
    assert ctx.unit is not None
    tasks = await tasks_of(ctx.session, directive.id)
    resolver = await Resolver.load(ctx.session, ctx.unit)
    lines = []
    for task in tasks:
        found = resolver.resolve_task(directive, task)
        if not found.unassigned:
            continue
        if found.unresolved:
            names = ", ".join(f"«{short(t)}»" for t in found.unresolved)
            lines.append(_("directive.confirm.unknown", ref=task.ref, names=names))
        else:
            lines.append(_("directive.confirm.nobody", ref=task.ref))
    if not lines:
        return await _activate(ctx, directive)
    question = _("directive.confirm.ask", n=len(lines), tasks="\n".join(lines))
    options = [
        Option("act", _("directive.opt.activate_anyway")),
        Option("assignee", _("directive.opt.assignee")),
        back_option(),
    ]
    return ask("intake:confirm", question, "confirm", options)


async def _activate(ctx: Context, directive: Directive) -> Turn:
    """Activates the draft and says what Bot will not remind: assignee texts not understood,
    units where nobody uses the bot, tasks without a day to remind on."""
    assert ctx.member is not None and ctx.unit is not None
    missing = await activate(ctx.session, directive, ctx.now, ctx.member.id)
    tasks = await tasks_of(ctx.session, directive.id)
    texts = [_("directive.activated", label=directive_label(directive), tasks=len(tasks))]
    if missing:
        names = ", ".join(f"«{short(m)}»" for m in missing)
        texts.append(_("directive.activated_unresolved", names=names))
    resolver = await Resolver.load(ctx.session, ctx.unit)
    targets = [t for task in tasks for t in resolver.resolve_task(directive, task).targets]
    away = await unreachable(ctx.session, targets)
    if away:
        names = ", ".join(u.name for u in away[:UNITS_NAMED])
        more = len(away) - UNITS_NAMED
        if more > 0:
            names = _("directive.and_more", names=names, n=more)
        texts.append(_("directive.activated_unreachable", units=names))
    undated = [t.ref for t in tasks if not any(is_dated(d) for d in t.deadlines or [])]
    if undated:
        texts.append(_("directive.activated_undated", refs=", ".join(undated)))
    return finish(ctx, *texts)


async def intake_confirm(ctx: Context) -> Turn:
    """Activates all the same, goes to "Sửa nơi nhận", or back to the summary."""
    directive = await current_draft(ctx)
    if directive is None:
        return gone(ctx)
    if ctx.msg.choice == "act":
        return await _activate(ctx, directive)
    if ctx.msg.choice == "assignee":
        return await ask_assignee(ctx, directive)
    if ctx.msg.choice == "back":
        return await show_summary(ctx, directive)
    return stay(_("directive.bad.pick"))


async def intake_date(ctx: Context) -> Turn:
    """Takes the corrected issue date (a real date) and shows the summary again."""
    directive = await current_draft(ctx)
    if directive is None:
        return gone(ctx)
    if ctx.msg.choice == "back":
        return await show_summary(ctx, directive)
    day, error = parse_date(ctx.msg.text)
    if day is None:
        return stay(error or _("directive.bad.date_format"))
    assert ctx.member is not None
    await set_issued_on(ctx.session, directive, day, ctx.now, ctx.member.id)
    return await show_summary(ctx, directive, _("directive.date_saved", date=day_label(day)))


def _ask_deadline(ctx: Context, task: DirectiveTask) -> Turn:
    ctx.data["task_id"] = task.id
    text = _(
        "directive.ask_deadline",
        ref=task.ref,
        text=short(task.text, TASK_TEXT),
        deadlines=deadlines_label(task, ctx.local_now.date()),
    )
    options = [Option("none", _("directive.opt.no_deadline")), back_option()]
    return ask("intake:deadline", text, "text", options)


async def intake_pick_deadline(ctx: Context) -> Turn:
    """Takes the task whose deadline is wrong and asks for the right one."""

    async def ask_deadline(directive: Directive, task: DirectiveTask) -> Turn:
        return _ask_deadline(ctx, task)

    return await with_picked_task(ctx, ask_deadline)


async def intake_deadline(ctx: Context) -> Turn:
    """Replaces the task's deadlines with the one typed (or none) and shows the summary."""
    directive = await current_draft(ctx)
    if directive is None:
        return gone(ctx)
    task_id = ctx.data.get("task_id")
    task = await get_task(ctx.session, directive.id, task_id) if isinstance(task_id, int) else None
    if ctx.msg.choice == "back" or task is None:
        return await show_summary(ctx, directive)
    if ctx.msg.choice == "none":
        deadlines: list[dict[str, Any]] = []
    else:
        parsed, error = parse_deadline(ctx.msg.text, _dates_of(ctx, directive))
        if parsed is None:
            return stay(error or _("directive.bad.deadline_format"))
        deadlines = parsed
    assert ctx.member is not None
    await set_deadlines(ctx.session, task, deadlines, ctx.now, ctx.member.id)
    ctx.data.pop("task_id", None)
    saved = _(
        "directive.deadline_saved",
        ref=task.ref,
        deadlines=deadlines_label(task, ctx.local_now.date()),
    )
    return await show_summary(ctx, directive, saved)


def _dates_of(ctx: Context, directive: Directive) -> DateContext:
    """What a typed deadline is read against: the issue date (its year for a date without
    one) and the day the draft was made, the commune's day of receipt."""
    received = directive.created_at.astimezone(ctx.tz).date()
    year = (directive.issued_on or received).year
    return DateContext(issued=directive.issued_on, year=year, received=received)


async def intake_pick_drop(ctx: Context) -> Turn:
    """Drops the chosen task and shows the summary."""

    async def drop(directive: Directive, task: DirectiveTask) -> Turn:
        assert ctx.member is not None
        await drop_task(ctx.session, task, ctx.now, ctx.member.id)
        return await show_summary(ctx, directive, _("directive.dropped", ref=task.ref))

    return await with_picked_task(ctx, drop)
