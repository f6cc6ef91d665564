"""`/web`: a staff member asks for a one-time link that signs them in to the staff web page
(valid `web_link_minutes`, used once; `storage.webauth`)."""

from __future__ import annotations

from bot.settings import Settings
from handlers.flow import Context, Flow, Turn, done
from locales import _
from storage.webauth import WEB_ROLES, create_link


def page_url(settings: Settings) -> str:
    """Where staff reach the page: WEB_BASE_URL, else this machine's port."""
    configured = (settings.web_base_url or "").rstrip("/")
    return configured or f"http://localhost:{settings.web_port}"


def sign_in_url(settings: Settings, token: str) -> str:
    return f"{page_url(settings)}/signin/{token}"


async def start(ctx: Context) -> Turn:
    """Sends a fresh sign-in link and says how long it works."""
    assert ctx.member is not None
    minutes = ctx.settings.web_link_minutes
    token = await create_link(ctx.session, ctx.member, ctx.now, minutes, ctx.member.id)
    return done(_("web.link", link=sign_in_url(ctx.settings, token), minutes=minutes))


FLOW = Flow(
    name="web",
    commands=("web", "trangweb", "trang web"),
    english="web",
    roles=frozenset(WEB_ROLES),
    start=start,
    states={},
    menu="web.menu",
)
