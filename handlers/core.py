"""What every chat can say: onboarding, start, help, cancel, menu, language, linking apps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.settings import Settings
from handlers.commands import Parsed
from handlers.flow import STAY, Context, Flow, Turn, ask, done, stay
from handlers.types import Incoming, Option, Reply
from locales import _, current, use_locale
from storage.access import AccessError, create_invite, looks_like_code, redeem_invite

LINK_DAYS = 1


def role_name(role: str) -> str:
    return _(f"role.{role}")


def menu_options(ctx: Context, flows: Sequence[Flow]) -> list[Option]:
    """The flows this member may start, as options."""
    assert ctx.member is not None
    role = ctx.member.role
    return [
        Option(f"cmd:{flow.commands[0]}", _(flow.menu))
        for flow in flows
        if flow.menu and (not flow.roles or role in flow.roles)
    ]


def menu(ctx: Context, flows: Sequence[Flow], *before: str) -> Turn:
    """Shows what the member can do next."""
    return done(*before, _("menu.title"), options=menu_options(ctx, flows))


async def unregistered(ctx: Context, command: Parsed | None, flows: Sequence[Flow]) -> Turn:
    """A chat nobody is bound to: takes an invite code, or explains how to get one."""
    code = ""
    if command is not None and command.command == "start":
        code = command.args
    elif command is None and looks_like_code(ctx.msg.text):
        code = ctx.msg.text
    if not code:
        return done(_("onboarding.intro"))
    display = str(ctx.msg.extras.get("display_name", ""))[:100]
    try:
        member, unit = await redeem_invite(
            ctx.session, code, ctx.msg.channel, ctx.msg.chat_id, ctx.now, display
        )
    except AccessError as refusal:
        return done(_(f"onboarding.refused.{refusal.reason}"))
    ctx.member, ctx.unit = member, unit
    return menu(ctx, flows, _("onboarding.welcome", role=role_name(member.role), unit=unit.name))


async def start(ctx: Context, flows: Sequence[Flow]) -> Turn:
    """A registered member says /start: greets them and shows the menu."""
    assert ctx.member is not None and ctx.unit is not None
    hello = _("start.again", role=role_name(ctx.member.role), unit=ctx.unit.name)
    return menu(ctx, flows, hello)


async def show_help(ctx: Context, flows: Sequence[Flow]) -> Turn:
    """Lists the commands this member may use; the conversation stays where it was."""
    assert ctx.member is not None
    lines = [_("help.title")]
    for flow in flows:
        if flow.menu and (not flow.roles or ctx.member.role in flow.roles):
            command = flow.shown_command(current())
            lines.append(_("help.line", command=command, label=_(flow.menu)))
    lines.append(_("help.footer"))
    return stay("\n".join(lines))


async def cancel(ctx: Context, flows: Sequence[Flow]) -> Turn:
    """Drops whatever was in progress (nothing half-done is kept) and shows the menu."""
    ctx.data = {}
    return menu(ctx, flows, _("cancel.done"))


async def show_menu(ctx: Context, flows: Sequence[Flow]) -> Turn:
    """Shows the menu."""
    return menu(ctx, flows)


GlobalCommand = Callable[[Context, Sequence[Flow]], Awaitable[Turn]]
GLOBAL_COMMANDS: dict[str, GlobalCommand] = {
    "start": start,
    "batdau": start,
    "help": show_help,
    "trogiup": show_help,
    "huy": cancel,
    "cancel": cancel,
    "menu": show_menu,
}


def in_group(msg: Incoming, command: Parsed | None) -> Turn:
    """A group chat: the bot acts for nobody there (anyone in the group could press a head's
    button or read an invite code), so a command or a code gets a pointer to a private chat and
    everything else is left to the group's own talk."""
    if command is None and not looks_like_code(msg.text):
        return Turn([], STAY)
    return Turn([Reply(_("group.private_only"))], STAY)


def unsupported() -> Turn:
    return stay(_("error.unsupported"))


def too_long(limit: int) -> Turn:
    return stay(_("error.too_long", limit=limit))


def unknown_command() -> Turn:
    return stay(_("error.unknown_command"))


def not_allowed() -> Turn:
    return stay(_("error.not_allowed"))


def stale_choice() -> Turn:
    return stay(_("error.stale_choice"))


# Language -------------------------------------------------------------------------------------

LANGS = {"vi": ("vi", "tiengviet", "vietnamese"), "en": ("en", "english", "tienganh")}


def pick_lang(text: str) -> str | None:
    from handlers.text import fold

    key = fold(text).replace(" ", "")
    return next((code for code, names in LANGS.items() if key in names), None)


async def lang_start(ctx: Context) -> Turn:
    """Switches at once when the language is given ("/lang en"), else asks which one."""
    chosen = pick_lang(ctx.msg.args) if ctx.msg.args else None
    if chosen:
        return _set_lang(ctx, chosen)
    options = [Option("vi", _("lang.vi")), Option("en", _("lang.en"))]
    return ask("lang:choose", _("lang.ask"), "choice", options)


async def lang_choose(ctx: Context) -> Turn:
    """Stores the chosen language and confirms in it."""
    chosen = ctx.msg.choice or pick_lang(ctx.msg.text)
    if chosen not in LANGS:
        return stay(_("lang.invalid"))
    return _set_lang(ctx, chosen)


def _set_lang(ctx: Context, lang: str) -> Turn:
    assert ctx.member is not None
    ctx.member.locale = lang
    with use_locale(lang):
        return done(_("lang.done"))


LANG = Flow(
    name="lang",
    commands=("ngonngu", "lang", "language"),
    roles=frozenset(),
    start=lang_start,
    states={"lang:choose": lang_choose},
)


# Linking a second app -------------------------------------------------------------------------


async def link_start(ctx: Context) -> Turn:
    """Gives a one-day code that binds another chat (Zalo or Telegram) to this member."""
    assert ctx.member is not None and ctx.unit is not None
    code = await create_invite(
        ctx.session,
        ctx.unit,
        ctx.member.role,
        ctx.now,
        LINK_DAYS,
        created_by=ctx.member.id,
        member_id=ctx.member.id,
    )
    on_oa = oa_invite(ctx.settings, code)
    return done(_("link.code", code=code) + (f"\n{on_oa}" if on_oa else ""))


def oa_invite(settings: Settings, code: str) -> str | None:
    """How to use `code` on the commune's Zalo Official Account (ZALO_OA_ID): open its page,
    follow it, send the code; None when no OA is configured."""
    if not settings.zalo_oa_id:
        return None
    return _("link.oa", url=f"https://zalo.me/{settings.zalo_oa_id.strip()}", code=code)


LINK = Flow(
    name="link",
    commands=("lienket", "link"),
    roles=frozenset(),
    start=link_start,
    states={},
    menu=None,
)
