"""What every step of directive intake shares: who may use it, the draft being checked, the
standard options, picking one of the draft's tasks, and ending the flow."""

from __future__ import annotations

import functools

from handlers import core
from handlers.flow import Context, Step, Turn
from handlers.intake_words import short
from handlers.numbers import whole
from handlers.types import Option
from locales import _
from storage.directives import get_directive, get_task
from storage.models import Directive, DirectiveTask

STAFF_ROLES = frozenset({"staff", "admin"})


def finish(ctx: Context, *texts: str) -> Turn:
    """Ends the flow with these messages and the member's menu as the next step."""
    from handlers import FLOWS

    return core.menu(ctx, FLOWS, *texts)


def cancel_option() -> Option:
    return Option("cancel", _("directive.opt.cancel"))


def back_option() -> Option:
    return Option("back", _("directive.opt.back"))


async def current_draft(ctx: Context) -> Directive | None:
    """The draft being checked, when it is still a draft of this member's unit."""
    directive_id = ctx.data.get("directive_id")
    if not isinstance(directive_id, int) or ctx.unit is None:
        return None
    directive = await get_directive(ctx.session, directive_id)
    if directive is None or directive.status != "draft" or directive.unit_id != ctx.unit.id:
        return None
    return directive


def gone(ctx: Context) -> Turn:
    """The draft is no longer there to check: the flow ends saying so."""
    return finish(ctx, _("directive.gone"))


def task_options(tasks: list[DirectiveTask], marks: dict[int, str] | None = None) -> list[Option]:
    """One option per task ("Nhiệm vụ 2: Trưởng thôn…", with its mark first when given), and
    "back"."""
    marks = marks or {}
    options = [
        Option(
            f"t:{t.id}",
            short(marks.get(t.id, "") + _("directive.opt.task", ref=t.ref, text=t.text)),
        )
        for t in tasks
    ]
    return [*options, back_option()]


async def picked_task(ctx: Context, directive: Directive) -> DirectiveTask | None:
    """The draft's task the message picked (an option "t:<id>"), or None."""
    choice = ctx.msg.choice or ""
    if not choice.startswith("t:") or whole(choice[2:]) is None:
        return None
    return await get_task(ctx.session, directive.id, int(choice[2:]))


def staff_only(step: Step) -> Step:
    """`step`, refused to a member who is no longer staff (roles are checked at every step)."""

    @functools.wraps(step)
    async def checked(ctx: Context) -> Turn:
        if ctx.member is None or ctx.member.role not in STAFF_ROLES:
            return finish(ctx, _("error.not_allowed"))
        return await step(ctx)

    return checked
