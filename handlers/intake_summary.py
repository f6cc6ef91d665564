"""The intake summary: the draft in a few lines with what staff may do with it, and the steps
that come back to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from directives import is_dated
from handlers.flow import Context, Turn, ask, stay
from handlers.intake_common import cancel_option, current_draft, gone, picked_task
from handlers.intake_words import (
    day_label,
    deadlines_label,
    directive_label,
    short,
    task_targets_label,
)
from handlers.types import Option
from locales import _
from storage.directives import Resolver, TaskResolution, past_at, tasks_of
from storage.models import Directive, DirectiveTask, Unit

SUMMARY_TASKS = 15
TASK_TEXT = 60


@dataclass(frozen=True)
class Flags:
    """The draft's tasks that need staff: nobody to remind (`unassigned`), no day a reminder
    can fall on (`undated`), by ref."""

    unassigned: list[str]
    undated: list[str]


def flags_of(
    directive: Directive, tasks: list[DirectiveTask], resolver: Resolver
) -> tuple[Flags, dict[int, TaskResolution]]:
    """The flags, and who each task goes to (by task id)."""
    found = {task.id: resolver.resolve_task(directive, task) for task in tasks}
    unassigned = [t.ref for t in tasks if found[t.id].unassigned]
    undated = [t.ref for t in tasks if not any(is_dated(d) for d in t.deadlines or [])]
    return Flags(unassigned, undated), found


def _flag_lines(flags: Flags) -> list[str]:
    lines = []
    if flags.unassigned:
        refs = ", ".join(flags.unassigned)
        lines.append(_("directive.summary.unassigned", n=len(flags.unassigned), refs=refs))
    if flags.undated:
        refs = ", ".join(flags.undated)
        lines.append(_("directive.summary.undated", n=len(flags.undated), refs=refs))
    return lines


async def summary_lines(
    session: AsyncSession, directive: Directive, issuer: Unit, today: date
) -> list[str]:
    """The directive in a few lines: number, date, issuer, subject, counts, the tasks that
    need staff (⚠: nobody to remind, no deadline), and for each task its deadlines (a date
    already past on `today` flagged) and who it goes to (as resolved under `issuer` now).
    Past SUMMARY_TASKS tasks, only flagged ones are listed."""
    tasks = await tasks_of(session, directive.id)
    dropped = len(await tasks_of(session, directive.id, include_dropped=True)) - len(tasks)
    resolver = await Resolver.load(session, issuer)
    flags, found = flags_of(directive, tasks, resolver)
    issued = day_label(directive.issued_on) if directive.issued_on else _("directive.no_date")
    lines = [
        _("directive.summary.head", label=directive_label(directive), date=issued),
        _("directive.summary.issuer", issuer=directive.issuer or _("directive.unknown")),
    ]
    if directive.subject:
        lines.append(_("directive.summary.subject", subject=short(directive.subject, 160)))
    dated = sum(len(t.deadlines) for t in tasks)
    lines.append(_("directive.summary.counts", tasks=len(tasks), deadlines=dated))
    flagged = set(flags.unassigned) | set(flags.undated)
    hidden = 0
    for n, task in enumerate(tasks):
        if n >= SUMMARY_TASKS and task.ref not in flagged:
            hidden += 1
            continue
        lines.append(
            _(
                "directive.summary.task",
                ref=task.ref,
                text=short(task.text, TASK_TEXT),
                deadlines=deadlines_label(task, today),
                targets=task_targets_label(found[task.id], resolver),
            )
        )
    if hidden:
        lines.append(_("directive.summary.more", n=hidden))
    if dropped:
        lines.append(_("directive.summary.dropped", n=dropped))
    if any(past_at(d, today) for t in tasks for d in t.deadlines):
        lines.append(_("directive.summary.past"))
    lines.extend(_flag_lines(flags))
    return lines


async def show_summary(ctx: Context, directive: Directive, *before: str) -> Turn:
    """The draft in a few lines and what staff may do with it."""
    assert ctx.unit is not None
    lines = await summary_lines(ctx.session, directive, ctx.unit, ctx.local_now.date())
    if ctx.data.get("scan_text"):
        lines.append(_("directive.summary.more_pages", pages=int(ctx.data.get("pages") or 1)))
    lines.append(_("directive.summary.ask"))
    options = [
        Option("act", _("directive.opt.activate")),
        Option("date", _("directive.opt.date")),
        Option("deadline", _("directive.opt.deadline")),
        Option("assignee", _("directive.opt.assignee")),
        Option("drop", _("directive.opt.drop")),
        cancel_option(),
    ]
    return ask("intake:review", "\n".join(lines), "choice", options, before=before)


async def with_picked_task(
    ctx: Context, then: Callable[[Directive, DirectiveTask], Awaitable[Turn]]
) -> Turn:
    """`then` on the draft's task picked; "back" shows the summary, a bad pick stays."""
    directive = await current_draft(ctx)
    if directive is None:
        return gone(ctx)
    if ctx.msg.choice == "back":
        return await show_summary(ctx, directive)
    task = await picked_task(ctx, directive)
    if task is None:
        return stay(_("directive.bad.pick"))
    return await then(directive, task)
