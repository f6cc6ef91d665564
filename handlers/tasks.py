"""`/nhiemvu`: a unit's open tasks from active directives, nearest deadline first, and marking
one done.

State (``ctx.data``): ``task_id`` and ``due`` (ISO date) of the occurrence being confirmed.
"""

from __future__ import annotations

from datetime import date

from handlers.flow import Context, Flow, Turn, ask, stay
from handlers.intake_common import finish
from handlers.intake_words import day_label, short
from handlers.numbers import whole
from handlers.types import Option
from locales import _
from storage.directives import UNDATED, OpenTask, document_label, mark_done, open_tasks
from storage.models import HEAD_ROLE

TASK_ROLES = frozenset({*HEAD_ROLE.values(), "reporter", "staff"})
SHOWN = 8
TASK_TEXT = 80


def _when(item: OpenTask, today: date) -> str:
    if not item.dated:
        return _("tasks.when.none")
    days = (item.due - today).days
    shown = day_label(item.due)
    if days < 0:
        return _("tasks.when.overdue", date=shown, days=-days)
    if days == 0:
        return _("tasks.when.today", date=shown)
    return _("tasks.when.later", date=shown, days=days)


def _option_id(item: OpenTask) -> str:
    return f"d:{item.task.id}:{item.due.strftime('%Y%m%d')}"


async def _list(ctx: Context, *before: str) -> Turn:
    """The open tasks with a "done" option each, or the menu when there are none."""
    assert ctx.unit is not None
    today = ctx.local_now.date()
    items = await open_tasks(ctx.session, ctx.unit.id, today, ctx.tz)
    if not items:
        return finish(ctx, *before, _("tasks.none", unit=ctx.unit.name))
    lines = [_("tasks.title", unit=ctx.unit.name)]
    options: list[Option] = []
    for n, item in enumerate(items[:SHOWN], 1):
        lines.append(
            _(
                "tasks.line",
                n=n,
                when=_when(item, today),
                text=short(item.task.text, TASK_TEXT),
                source=document_label(item.directive),
            )
        )
        options.append(Option(_option_id(item), _("tasks.opt.done", n=n)))
    if len(items) > SHOWN:
        lines.append(_("tasks.more", n=len(items) - SHOWN))
    lines.append(_("tasks.ask"))
    options.append(Option("close", _("tasks.opt.close")))
    return ask("tasks:pick", "\n".join(lines), "choice", options, before=before)


async def tasks_start(ctx: Context) -> Turn:
    """Shows the unit's open tasks, nearest deadline first."""
    ctx.data = {}
    return await _list(ctx)


async def _picked(ctx: Context) -> OpenTask | None:
    """The open occurrence the option names, when it is still open for this unit."""
    assert ctx.unit is not None
    parts = (ctx.msg.choice or "").split(":")
    if len(parts) != 3 or parts[0] != "d" or whole(parts[1]) is None:
        return None
    items = await open_tasks(ctx.session, ctx.unit.id, ctx.local_now.date(), ctx.tz)
    return next((i for i in items if _option_id(i) == ctx.msg.choice), None)


async def tasks_pick(ctx: Context) -> Turn:
    """Asks to confirm that the chosen task is done."""
    if ctx.msg.choice == "close":
        return finish(ctx)
    item = await _picked(ctx)
    if item is None:
        if (ctx.msg.choice or "").startswith("d:"):
            return await _list(ctx, _("tasks.gone"))
        return stay(_("tasks.bad.pick"))
    ctx.data = {"task_id": item.task.id, "due": item.due.isoformat()}
    when = _("tasks.when.none") if not item.dated else day_label(item.due)
    question = _("tasks.ask_done", text=short(item.task.text, TASK_TEXT), when=when)
    options = [Option("yes", _("tasks.opt.yes")), Option("no", _("tasks.opt.no"))]
    return ask("tasks:confirm", question, "confirm", options)


async def tasks_confirm(ctx: Context) -> Turn:
    """Records the occurrence as done on "yes" and shows what is left."""
    if ctx.msg.choice == "no":
        return await _list(ctx)
    if ctx.msg.choice != "yes":
        return stay(_("tasks.bad.yes_no"))
    assert ctx.unit is not None and ctx.member is not None
    task_id, due = ctx.data.get("task_id"), ctx.data.get("due")
    if not isinstance(task_id, int) or not isinstance(due, str):
        return await _list(ctx)
    items = await open_tasks(ctx.session, ctx.unit.id, ctx.local_now.date(), ctx.tz)
    if not any(i.task.id == task_id and i.due.isoformat() == due for i in items):
        return await _list(ctx, _("tasks.gone"))
    due_on = date.fromisoformat(due)
    await mark_done(ctx.session, task_id, ctx.unit.id, due_on, ctx.member.id, ctx.now)
    ctx.data = {}
    when = _("tasks.when.none") if due_on == UNDATED else day_label(due_on)
    return await _list(ctx, _("tasks.done", when=when))


FLOW = Flow(
    name="tasks",
    commands=("nhiemvu", "nhiem vu", "tasks"),
    english="tasks",
    roles=TASK_ROLES,
    start=tasks_start,
    states={"tasks:pick": tasks_pick, "tasks:confirm": tasks_confirm},
    menu="tasks.menu",
)
