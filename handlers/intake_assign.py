"""Correcting who a draft's tasks go to ("Sửa nơi nhận"): an assignee text is mapped to a
unit, a group or nobody, and the mapping is remembered for the issuing unit's later
directives."""

from __future__ import annotations

from handlers.flow import Context, Turn, ask, stay
from handlers.intake_common import back_option, current_draft, gone
from handlers.intake_summary import show_summary
from handlers.intake_words import short, targets_label
from handlers.numbers import whole
from handlers.text import fold
from handlers.types import Option
from locales import _
from storage.directives import (
    Resolver,
    effective_assignees,
    remember_mapping,
    role_for,
    tasks_of,
)
from storage.models import Directive, Unit

UNIT_OPTIONS = 8


async def ask_assignee(ctx: Context, directive: Directive) -> Turn:
    """Offers the draft's assignee texts to correct (unresolved ones first, marked ⚠)."""
    assert ctx.unit is not None
    resolver = await Resolver.load(ctx.session, ctx.unit)
    texts: list[str] = []
    for task in await tasks_of(ctx.session, directive.id):
        texts.extend(t for t in effective_assignees(directive, task) if t not in texts)
    if not texts:
        return stay(_("directive.bad.no_assignees"))
    texts.sort(key=lambda t: resolver.resolve(t).resolved)
    ctx.data["assignees"] = texts
    options = []
    for n, text in enumerate(texts):
        mark = "" if resolver.resolve(text).resolved else "⚠ "
        options.append(Option(f"a:{n}", short(mark + text)))
    options.append(back_option())
    return ask("intake:pick_assignee", _("directive.ask_assignee"), "choice", options)


def _map_options(resolver: Resolver) -> list[Option]:
    options: list[Option] = []
    for role, key in (
        ("village_head", "directive.opt.all_villages"),
        ("principal", "directive.opt.all_schools"),
        ("staff", "directive.opt.all_communes"),
    ):
        kind = {"village_head": "village", "principal": "school", "staff": "commune"}[role]
        n = len(resolver.of_kind(kind))
        if n:
            options.append(Option(f"g:{role}", _(key, n=n)))
    options.append(Option("self", short(_("directive.opt.self", unit=resolver.issuer.name))))
    children = [u for u in resolver.units if u.parent_id == resolver.issuer.id]
    for unit in sorted(children, key=lambda u: (u.kind, fold(u.name)))[:UNIT_OPTIONS]:
        options.append(Option(f"u:{unit.id}", short(unit.name)))
    options.append(Option("none", _("directive.opt.ignore")))
    options.append(back_option())
    return options


async def intake_pick_assignee(ctx: Context) -> Turn:
    """Takes the assignee text to map and offers where it goes."""
    directive = await current_draft(ctx)
    if directive is None:
        return gone(ctx)
    if ctx.msg.choice == "back":
        return await show_summary(ctx, directive)
    texts = ctx.data.get("assignees") or []
    choice = ctx.msg.choice or ""
    picked = whole(choice[2:]) if choice.startswith("a:") else None
    index = -1 if picked is None else picked
    if not 0 <= index < len(texts):
        return stay(_("directive.bad.pick"))
    assert ctx.unit is not None
    resolver = await Resolver.load(ctx.session, ctx.unit)
    text = str(texts[index])
    ctx.data["assignee"] = text
    now = targets_label(resolver.resolve(text), resolver)
    question = _("directive.ask_map", text=short(text, 120), now=now)
    return ask("intake:map", question, "choice", _map_options(resolver))


def _typed_unit(resolver: Resolver, typed: str) -> list[Unit]:
    key = fold(typed)
    if len(key) < 3:
        return []
    exact = [u for u in resolver.units if fold(u.name) == key]
    return exact or [u for u in resolver.units if key in fold(u.name)]


async def intake_map(ctx: Context) -> Turn:
    """Remembers where the assignee text goes (for this and later directives)."""
    directive = await current_draft(ctx)
    if directive is None:
        return gone(ctx)
    text = ctx.data.get("assignee")
    if ctx.msg.choice == "back" or not isinstance(text, str):
        return await show_summary(ctx, directive)
    assert ctx.unit is not None and ctx.member is not None
    resolver = await Resolver.load(ctx.session, ctx.unit)
    choice = ctx.msg.choice or ""
    target: tuple[int | None, str | None] | None = None
    if choice.startswith("g:") and choice[2:] in ("village_head", "principal", "staff"):
        target = (None, choice[2:])
    elif choice == "self":
        target = (ctx.unit.id, "staff")
    elif choice == "none":
        target = (None, None)
    elif choice.startswith("u:") and whole(choice[2:]) is not None:
        unit = resolver.unit(int(choice[2:]))
        if unit is not None and unit.id != ctx.unit.id:
            target = (unit.id, role_for(unit))
    elif not choice:
        found = _typed_unit(resolver, ctx.msg.text)
        if len(found) > 1:
            names = ", ".join(u.name for u in found[:5])
            return stay(_("directive.bad.many_units", names=names))
        if found:
            target = (found[0].id, role_for(found[0]))
        else:
            return stay(_("directive.bad.no_unit"))
    if target is None:
        return stay(_("directive.bad.pick"))
    await remember_mapping(ctx.session, ctx.unit, text, *target, ctx.now, ctx.member.id)
    ctx.data.pop("assignee", None)
    resolver = await Resolver.load(ctx.session, ctx.unit)
    saved = _(
        "directive.map_saved",
        text=short(text),
        target=targets_label(resolver.resolve(text), resolver),
    )
    return await show_summary(ctx, directive, saved)
