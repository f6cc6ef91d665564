"""Correcting who a draft's task goes to ("Sửa nơi nhận"): staff pick a task (those nobody
would be reminded of first, marked ⚠) and type part of the name of any unit or role under
theirs, or choose a group, their own staff, or nobody. A task whose one assignee text was not
understood teaches the bot that text for the unit's later directives too."""

from __future__ import annotations

from typing import Any

from handlers.flow import Context, Turn, ask, stay
from handlers.intake_common import back_option, current_draft, gone, task_options
from handlers.intake_summary import TASK_TEXT, show_summary, with_picked_task
from handlers.intake_words import short, task_targets_label
from handlers.types import Option
from handlers.unit_search import Place, by_id, places, search
from locales import _
from storage.directives import Resolver, get_task, remember_mapping, set_picked, tasks_of
from storage.models import Directive, DirectiveTask

# places offered as options (more are reached by typing)
SHOWN = 8
# units under the issuer offered one by one when there are no more than these
UNITS_SHOWN = 6


async def ask_assignee(ctx: Context, directive: Directive) -> Turn:
    """Asks which task to give to someone else (nobody-to-remind tasks first, marked ⚠); a
    draft of one task goes straight to the question of where."""
    assert ctx.unit is not None
    tasks = await tasks_of(ctx.session, directive.id)
    if not tasks:
        return stay(_("directive.bad.no_tasks"))
    resolver = await Resolver.load(ctx.session, ctx.unit)
    if len(tasks) == 1:
        return _ask_place(ctx, directive, tasks[0], resolver)
    unassigned = {t.id for t in tasks if resolver.resolve_task(directive, t).unassigned}
    ordered = sorted(tasks, key=lambda t: t.id not in unassigned)
    options = task_options(ordered, {task_id: "⚠ " for task_id in unassigned})
    return ask("intake:pick_assignee", _("directive.ask_task_assignee"), "choice", options)


async def intake_pick_assignee(ctx: Context) -> Turn:
    """Takes the task to give and asks where it goes."""
    assert ctx.unit is not None
    resolver = await Resolver.load(ctx.session, ctx.unit)

    async def ask_place(directive: Directive, task: DirectiveTask) -> Turn:
        return _ask_place(ctx, directive, task, resolver)

    return await with_picked_task(ctx, ask_place)


def _ask_place(
    ctx: Context,
    directive: Directive,
    task: DirectiveTask,
    resolver: Resolver,
    offered: list[Place] | None = None,
    before: tuple[str, ...] = (),
) -> Turn:
    """Where the task goes: typed, or one of `offered` (by default the groups, the issuer's
    staff, and the units under it when they are few), or nobody."""
    ctx.data["task_id"] = task.id
    now = task_targets_label(resolver.resolve_task(directive, task), resolver)
    question = _("directive.ask_place", ref=task.ref, text=short(task.text, TASK_TEXT), now=now)
    if offered is None:
        every = places(resolver)
        units = [p for p in every if p.id.startswith("u:")]
        offered = [p for p in every if not p.id.startswith("u:")]
        if len(units) <= UNITS_SHOWN:
            offered += units
    options = [Option(p.id, p.label) for p in offered[:SHOWN] if p.id]
    options += [Option("none", _("directive.opt.nobody")), back_option()]
    return ask("intake:map", question, "choice", options, before=before)


async def intake_map(ctx: Context) -> Turn:
    """Gives the task to the place chosen or typed (several matches are offered to choose
    from, none says so), then shows the summary."""
    directive = await current_draft(ctx)
    if directive is None:
        return gone(ctx)
    task_id = ctx.data.get("task_id")
    task = await get_task(ctx.session, directive.id, task_id) if isinstance(task_id, int) else None
    if ctx.msg.choice == "back" or task is None:
        return await show_summary(ctx, directive)
    assert ctx.unit is not None
    resolver = await Resolver.load(ctx.session, ctx.unit)
    choice = ctx.msg.choice
    if choice == "none":
        return await _give(ctx, directive, task, resolver, ())
    if choice is not None:
        place = by_id(resolver, choice)
        if place is None:
            return stay(_("directive.bad.pick"))
        return await _give(ctx, directive, task, resolver, place.picks)
    typed = ctx.msg.text.strip()
    found = search(resolver, typed)
    if not found:
        return stay(_("directive.bad.no_place", typed=short(typed), unit=ctx.unit.name))
    if len(found) == 1:
        return await _give(ctx, directive, task, resolver, found[0].picks)
    key = "directive.many_places" if len(found) <= SHOWN else "directive.too_many_places"
    note = _(key, n=len(found), typed=short(typed))
    return _ask_place(ctx, directive, task, resolver, found, (note,))


async def _give(
    ctx: Context,
    directive: Directive,
    task: DirectiveTask,
    resolver: Resolver,
    picks: tuple[dict[str, Any], ...],
) -> Turn:
    """Gives the task to `picks` (none: nobody). When its one assignee text was not
    understood, the text is remembered as naming that place, for this and later directives;
    otherwise the task alone is given by hand."""
    assert ctx.unit is not None and ctx.member is not None
    own = task.assignees or []
    learn = (
        task.picked is None
        and len(own) == 1
        and not resolver.resolve(own[0]).resolved
        and len(picks) <= 1
    )
    texts: list[str] = []
    if learn:
        unit, role = (picks[0]["unit"], picks[0]["role"]) if picks else (None, None)
        await remember_mapping(ctx.session, ctx.unit, own[0], unit, role, ctx.now, ctx.member.id)
        resolver = await Resolver.load(ctx.session, ctx.unit)
    else:
        await set_picked(ctx.session, task, list(picks), ctx.now, ctx.member.id)
    target = task_targets_label(resolver.resolve_task(directive, task), resolver)
    texts.append(_("directive.task_given", ref=task.ref, target=target))
    if learn:
        texts.append(_("directive.map_saved", text=short(own[0]), target=target))
    ctx.data.pop("task_id", None)
    return await show_summary(ctx, directive, *texts)
