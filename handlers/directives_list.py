"""`/chithi`: the unit's directives followed and drafts waiting; opens a draft, archives an
active directive, or starts intake."""

from __future__ import annotations

from handlers.flow import Context, Turn, ask, stay
from handlers.intake_common import finish, gone
from handlers.intake_reading import AUTO_MIN_CHARS, intake_receive, intake_start
from handlers.intake_summary import TASK_TEXT, show_summary
from handlers.intake_words import day_label, directive_label, short
from handlers.numbers import whole
from handlers.text import fold
from handlers.types import Option
from locales import _
from storage.access import is_within
from storage.directives import archive, count_tasks, directives_of, get_directive
from storage.models import Directive

LIST_MAX = 10


async def list_start(ctx: Context) -> Turn:
    """Lists the unit's active directives (and drafts waiting); "/chithi moi" starts intake."""
    if fold(ctx.msg.args) in ("moi", "new", "nap", "them"):
        return await intake_start(ctx)
    assert ctx.unit is not None
    ctx.data = {}
    found = await directives_of(ctx.session, ctx.unit.id, ("draft", "active"))
    new = Option("new", _("directive.menu.intake"))
    if not found:
        return ask("directives:pick", _("directive.list.empty"), "choice", [new])
    lines = [_("directive.list.title", unit=ctx.unit.name)]
    options: list[Option] = []
    for n, directive in enumerate(found[:LIST_MAX], 1):
        issued = day_label(directive.issued_on) if directive.issued_on else _("directive.no_date")
        tasks = await count_tasks(ctx.session, directive.id)
        key = "directive.list.draft" if directive.status == "draft" else "directive.list.active"
        subject = short(directive.subject or "", TASK_TEXT)
        label = directive_label(directive)
        lines.append(_(key, n=n, label=label, date=issued, subject=subject, tasks=tasks))
        if directive.status == "draft":
            options.append(Option(f"op:{directive.id}", short(_("directive.opt.open", n=n))))
        else:
            options.append(Option(f"ar:{directive.id}", short(_("directive.opt.archive", n=n))))
    if len(found) > LIST_MAX:
        lines.append(_("directive.summary.more", n=len(found) - LIST_MAX))
    lines.append(_("directive.list.ask"))
    options.append(new)
    return ask("directives:pick", "\n".join(lines), "choice", options)


async def _own(ctx: Context, choice: str, prefix: str, status: str) -> Directive | None:
    if not choice.startswith(prefix) or whole(choice[len(prefix) :]) is None:
        return None
    assert ctx.unit is not None
    directive = await get_directive(ctx.session, int(choice[len(prefix) :]))
    if directive is None or directive.status != status:
        return None
    if not await is_within(ctx.session, directive.unit_id, ctx.unit.id):
        return None
    return directive


async def list_pick(ctx: Context) -> Turn:
    """Opens a draft, asks to confirm archiving an active directive, or starts intake (also
    when a directive is sent right away)."""
    choice = ctx.msg.choice or ""
    if choice == "new":
        return await intake_start(ctx)
    if not choice and (ctx.msg.attachments or len(ctx.msg.text) >= AUTO_MIN_CHARS):
        return await intake_receive(ctx)
    draft = await _own(ctx, choice, "op:", "draft")
    if draft is not None and ctx.unit is not None and draft.unit_id == ctx.unit.id:
        ctx.data = {"directive_id": draft.id}
        return await show_summary(ctx, draft)
    active = await _own(ctx, choice, "ar:", "active")
    if active is None:
        return stay(_("directive.bad.pick"))
    ctx.data = {"directive_id": active.id}
    options = [Option("yes", _("directive.opt.yes")), Option("no", _("directive.opt.no"))]
    question = _("directive.ask_archive", label=directive_label(active))
    return ask("directives:archive", question, "confirm", options)


async def list_archive(ctx: Context) -> Turn:
    """Archives the directive on "yes" (its tasks are no longer reminded)."""
    if ctx.msg.choice == "no":
        return await list_start(ctx)
    if ctx.msg.choice != "yes":
        return stay(_("directive.bad.yes_no"))
    directive_id = ctx.data.get("directive_id")
    directive = await _own(ctx, f"ar:{directive_id}", "ar:", "active")
    if directive is None:
        return gone(ctx)
    assert ctx.member is not None
    await archive(ctx.session, directive, ctx.now, ctx.member.id)
    return finish(ctx, _("directive.archived", label=directive_label(directive)))
