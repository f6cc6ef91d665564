"""`thidua web`, `thidua web-link --member ID`, `thidua api-token create | revoke | list`."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_common import Now, fail, group, opened, parse_now, run, with_app

if TYPE_CHECKING:
    from bot.app import App

tokens_app = group("Bearer tokens of the read-only JSON API.")


def web(now: Now = None) -> None:
    """Serves the staff web page and the API alone on WEB_LISTEN:WEB_PORT (no bot channels);
    stops on SIGTERM or Ctrl-C."""
    from bot.settings import Settings
    from bot.signals import stop_on_signals
    from bot.web.server import start_web

    logging.getLogger("bot").setLevel(logging.INFO)
    settings = Settings()

    async def main() -> int:
        stop = asyncio.Event()
        with stop_on_signals(stop):
            return await until_stopped(stop)

    async def until_stopped(stop: asyncio.Event) -> int:
        async with opened(settings, parse_now(now)) as application:
            try:
                server = await start_web(application)
            except OSError as error:
                typer.echo(f"cannot listen on {settings.web_listen}:{settings.web_port}: "
                           f"{error.strerror}", err=True)  # fmt: skip
                return 1
            typer.echo(f"http://{settings.web_listen}:{server.port}/", err=True)
            await stop.wait()
            await server.stop()
        return 0

    raise typer.Exit(run(main()))


def web_link(
    member: Annotated[int, typer.Option(help="the staff member's id")], now: Now = None
) -> None:
    """Prints a one-time sign-in link for a staff member (the link is the last line)."""
    from handlers.weblink import sign_in_url
    from storage.models import Member
    from storage.webauth import WEB_ROLES, create_link

    async def body(application: App) -> str:
        async with application.sessions() as session, session.begin():
            found = await session.get(Member, member)
            if found is None or not found.active or found.role not in WEB_ROLES:
                raise fail(f"no active staff member with id {member}")
            minutes = application.settings.web_link_minutes
            token = await create_link(session, found, application.clock.now(), minutes, None)
            typer.echo(f"{found.name or found.role} · {minutes} min · once")
            return sign_in_url(application.settings, token)

    typer.echo(with_app(body, clock=parse_now(now)))


@tokens_app.command("create")
def token_create(
    unit: Annotated[str, typer.Option(help="unit code: the token sees this unit's subtree")],
    name: Annotated[str, typer.Option(help="who uses it, e.g. 'Sở Nội vụ Thanh Hóa'")],
    now: Now = None,
) -> None:
    """Creates a token; prints its id, then the token itself as the last line (shown once)."""
    from storage.access import unit_by_code
    from storage.webauth import create_token

    if not name.strip():
        raise fail("--name must not be empty")

    async def body(application: App) -> str:
        async with application.sessions() as session, session.begin():
            target = await unit_by_code(session, unit)
            if target is None:
                raise fail(f"unknown unit: {unit}")
            row, token = await create_token(
                session, target, name.strip()[:255], application.clock.now()
            )
            typer.echo(f"token {row.id} · {target.code} {target.name} · {row.name}")
            return token

    typer.echo(with_app(body, clock=parse_now(now)))


@tokens_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="the token's id")]) -> None:
    """Revokes a token at once (every process refuses it from the next request)."""
    from storage.webauth import revoke_token

    async def body(application: App) -> None:
        async with application.sessions() as session, session.begin():
            row = await revoke_token(session, token_id, application.clock.now())
            if row is None:
                raise fail(f"no token with id {token_id}")
        typer.echo(f"token {token_id} revoked")

    with_app(body)


@tokens_app.command("list")
def token_list() -> None:
    """Every token: id, unit, name, created, last used, revoked."""
    from storage.webauth import tokens

    async def body(application: App) -> None:
        async with application.sessions() as session:
            for row, unit in await tokens(session):
                used = row.last_used_at.isoformat() if row.last_used_at else "-"
                revoked = f"revoked {row.revoked_at.isoformat()}" if row.revoked_at else "live"
                typer.echo(f"{row.id}\t{unit.code}\t{row.name}\t{used}\t{revoked}")

    with_app(body)


def register(app: typer.Typer) -> None:
    app.command("web")(web)
    app.command("web-link")(web_link)
    app.add_typer(tokens_app, name="api-token")
