"""Drafts are never lost: a half-filled report or nomination survives any other command.

A flow with `Flow.drafts` keeps its form in the `drafts` table after every step
(`keeping_drafts`), by member, so it survives a restart and a change of phone; sending or
cancelling it from its summary forgets it. A command typed in the middle of such a flow
(`intercept`, called by the engine before running the command) does not throw the form away:

- `/tieptuc`, or the flow's own command again, asks the current question again;
- `/ngonngu` switches the language and asks the current question again in it;
- `/trogiup` shows the help and the question stands (as anywhere);
- any other command (another flow, `/huy`, the menu, a menu button) asks first: "Anh/Chị đang
  làm dở báo cáo tháng 11/2026 (4/7 câu): Làm tiếp / Để sau / Bỏ bản nháp", then runs it.

`/tieptuc` outside a flow resumes the member's draft (asks which when there are several); with
none, it turns paused reminders back on (what it did before drafts existed).

State (``ctx.data``): ``back`` ({flow, state, data}: the interrupted form) and ``then``
([command, args]: what was typed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from handlers import core
from handlers.commands import Parsed
from handlers.flow import STAY, Context, Flow, Step, Turn, ask, stay
from handlers.numbers import whole
from handlers.text import fold
from handlers.types import Option, Reply
from locales import _, use_locale
from storage.drafts import drafts_of, drop_draft, save_draft
from storage.models import Draft

CONTINUE = ("tieptuc", "continue")
LANGUAGE = ("ngonngu", "lang", "language")
HELP = ("help", "trogiup")
STOPS = ("huy", "cancel", "menu")
SHOWN = 8


def keeping_drafts(flow: Flow) -> Flow:
    """`flow` with every step keeping its draft: stored after each step that stays in the flow,
    forgotten when the flow ends (sent, cancelled from its summary, or no longer valid)."""
    assert flow.drafts is not None

    def wrap(step: Step) -> Step:
        async def kept(ctx: Context) -> Turn:
            before = _key(flow, ctx.data)
            turn = await step(ctx)
            await _keep(ctx, flow, before, turn)
            return turn

        kept.__doc__ = step.__doc__
        return kept

    states = {name: wrap(step) for name, step in flow.states.items()}
    return replace(flow, start=wrap(flow.start), states=states)


def _key(flow: Flow, data: dict[str, Any]) -> str | None:
    return flow.drafts.key(data) if flow.drafts is not None and data else None


async def _keep(ctx: Context, flow: Flow, before: str | None, turn: Turn) -> None:
    if ctx.member is None or turn.state == STAY:
        return
    if turn.state is not None and turn.state.startswith(f"{flow.name}:"):
        key = _key(flow, ctx.data)
        if key is not None:
            await save_draft(
                ctx.session, ctx.member.id, flow.name, key, turn.state, ctx.data, ctx.now
            )
    elif before is not None:
        await drop_draft(ctx.session, ctx.member.id, flow.name, before)


def _flows() -> Sequence[Flow]:
    from handlers import FLOWS

    return FLOWS


def _named(name: str) -> Flow | None:
    return next((f for f in _flows() if f.name == name and f.drafts is not None), None)


def _keys(flow: Flow) -> set[str]:
    return {fold(c).replace(" ", "") for c in flow.commands}


async def intercept(ctx: Context, state: str | None, command: Parsed) -> Turn | None:
    """What `command`, typed while the chat stands at `state`, does to a form in progress; None
    when the command should simply run (no form in progress, or the help)."""
    flow = _named((state or "").split(":", 1)[0])
    if flow is None or flow.drafts is None or state is None or command.command in HELP:
        return None
    name = command.command
    if name in CONTINUE or (name in _keys(flow) and not command.args):
        return await flow.drafts.resume(ctx, state)
    if name in LANGUAGE:
        chosen = core.pick_lang(command.args) if command.args else None
        if chosen is not None:
            return await _resume_in(ctx, flow, state, chosen)
        ctx.data = {"back": {"flow": flow.name, "state": state, "data": ctx.data}}
        options = [Option("vi", _("lang.vi")), Option("en", _("lang.en"))]
        return ask("draft:lang", _("lang.ask"), "choice", options)
    if _key(flow, ctx.data) is None:
        return None
    what = await flow.drafts.label(ctx, ctx.data)
    ctx.data = {
        "back": {"flow": flow.name, "state": state, "data": ctx.data},
        "then": [name, command.args],
    }
    options = [
        Option("continue", _("draft.opt.continue")),
        Option("later", _("draft.opt.later")),
        Option("discard", _("draft.opt.discard")),
    ]
    return ask("draft:ask", _("draft.ask", what=what), "choice", options)


async def _resume_in(ctx: Context, flow: Flow, state: str, lang: str) -> Turn:
    assert ctx.member is not None and flow.drafts is not None
    ctx.member.locale = lang
    with use_locale(lang):
        turn = await flow.drafts.resume(ctx, state)
        turn.replies.insert(0, Reply(_("lang.done")))
    return turn


def _back(ctx: Context) -> tuple[Flow, str, dict[str, Any]] | None:
    back = ctx.data.get("back")
    if not isinstance(back, dict):
        return None
    flow = _named(str(back.get("flow")))
    state, data = back.get("state"), back.get("data")
    if flow is None or not isinstance(state, str) or not isinstance(data, dict):
        return None
    return flow, state, data


async def decide(ctx: Context) -> Turn:
    """Goes back to the form, or keeps it (or throws it away) and runs the command typed."""
    found = _back(ctx)
    then = ctx.data.get("then")
    if found is None or not isinstance(then, list) or len(then) != 2:
        return core.menu(ctx, _flows())
    flow, state, data = found
    assert flow.drafts is not None and ctx.member is not None
    if ctx.msg.choice == "continue":
        ctx.data = data
        return await flow.drafts.resume(ctx, state)
    if ctx.msg.choice not in ("later", "discard"):
        return stay(_("draft.bad"))
    what = await flow.drafts.label(ctx, data)
    key = flow.drafts.key(data)
    if key is not None and ctx.msg.choice == "later":
        await save_draft(ctx.session, ctx.member.id, flow.name, key, state, data, ctx.now)
        note = _("draft.kept", what=what)
    else:
        if key is not None:
            await drop_draft(ctx.session, ctx.member.id, flow.name, key)
        note = _("draft.dropped", what=what)
    command = Parsed(str(then[0]), str(then[1]))
    ctx.data = {}
    if command.command in STOPS or ctx.run_command is None:
        return core.menu(ctx, _flows(), note)
    turn = await ctx.run_command(ctx, command)
    turn.replies.insert(0, Reply(note))
    return turn


async def language(ctx: Context) -> Turn:
    """Switches to the language chosen and asks the form's question again in it."""
    found = _back(ctx)
    chosen = ctx.msg.choice or core.pick_lang(ctx.msg.text)
    if found is None:
        return core.menu(ctx, _flows())
    if chosen not in core.LANGS:
        return stay(_("lang.invalid"))
    flow, state, data = found
    ctx.data = data
    return await _resume_in(ctx, flow, state, chosen)


async def _usable(ctx: Context) -> list[tuple[Draft, Flow]]:
    assert ctx.member is not None
    found = []
    for draft in await drafts_of(ctx.session, ctx.member.id):
        flow = _named(draft.flow)
        if flow is not None and (not flow.roles or ctx.member.role in flow.roles):
            found.append((draft, flow))
    return found


async def _resume_draft(ctx: Context, draft: Draft, flow: Flow) -> Turn:
    assert flow.drafts is not None
    ctx.data = dict(draft.data)
    return await flow.drafts.resume(ctx, draft.state)


async def resume_start(ctx: Context) -> Turn:
    """Resumes the member's draft (asks which when there are several); with none, turns paused
    reminders back on or says there is nothing to continue."""
    from handlers.pause import resume_reminders

    assert ctx.member is not None
    usable = await _usable(ctx)
    if len(usable) == 1:
        return await _resume_draft(ctx, *usable[0])
    if usable:
        options = [
            Option(f"d:{draft.id}", await flow.drafts.label(ctx, draft.data))  # type: ignore[union-attr]
            for draft, flow in usable[:SHOWN]
        ]
        return ask("draft:pick", _("draft.pick"), "choice", options)
    if ctx.member.paused_until is not None and ctx.member.paused_until > ctx.now:
        return resume_reminders(ctx)
    return core.menu(ctx, _flows(), _("draft.none"))


async def pick(ctx: Context) -> Turn:
    """Resumes the draft picked."""
    picked = whole((ctx.msg.choice or "").removeprefix("d:"))
    for draft, flow in await _usable(ctx):
        if draft.id == picked:
            return await _resume_draft(ctx, draft, flow)
    return stay(_("draft.bad"))


DRAFTS = Flow(
    name="draft",
    commands=("tieptuc", "tiep tuc", "continue"),
    english="continue",
    roles=frozenset(),
    start=resume_start,
    states={"draft:ask": decide, "draft:lang": language, "draft:pick": pick},
)
