"""The `thidua` command (also `python -m bot`); each area registers its commands at the bottom."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_common import Now, fail, group, opened, parse_now, run, with_app
from storage.kinds import ROLES, UNIT_KINDS

if TYPE_CHECKING:
    from bot.app import App

__all__ = ["Now", "app", "fail", "opened", "parse_now", "run", "with_app"]

app = group("Thi Đua Bot", add_completion=False)
db_app = group("Database: migrations and backups.")
units_app = group("Administrative units.")
app.add_typer(db_app, name="db")
app.add_typer(units_app, name="units")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Applies migrations to DATABASE_URL (default SQLite ./data/thidua.db)."""
    from bot.settings import Settings
    from storage.migrate import upgrade_async

    settings = Settings()
    run(upgrade_async(settings.database_url))
    typer.echo("ok")


@units_app.command("add")
def units_add(
    code: str,
    name: str,
    kind: Annotated[str, typer.Option(help="|".join(UNIT_KINDS))],
    parent: Annotated[str | None, typer.Option(help="parent unit code")] = None,
    now: Now = None,
) -> None:
    """Adds a unit (or updates the one with that code)."""
    from storage.access import add_unit, unit_by_code

    if kind not in UNIT_KINDS:
        raise fail(f"--kind must be one of: {', '.join(UNIT_KINDS)}")

    async def body(application: App) -> None:
        async with application.sessions() as session, session.begin():
            parent_unit = await unit_by_code(session, parent) if parent else None
            if parent and parent_unit is None:
                raise fail(f"unknown parent unit: {parent}")
            unit = await add_unit(session, code, name, kind, parent_unit, application.clock.now())
            typer.echo(f"{unit.code}\t{unit.name}\t{unit.kind}")

    with_app(body, clock=parse_now(now))


@units_app.command("import")
def units_import(
    province: Annotated[str | None, typer.Option(help="only this province (name)")] = None,
    now: Now = None,
) -> None:
    """Loads the real administrative units of 2025 (34 provinces, 3,321 communes)."""
    from bot.units import import_units

    async def body(application: App) -> None:
        async with application.sessions() as session, session.begin():
            done = await import_units(session, application.clock.now(), province)
        if done.provinces == 0:
            raise fail(f"no province matches: {province}")
        typer.echo(done.line())

    with_app(body, clock=parse_now(now))


@app.command("invite")
def invite(
    unit: Annotated[str, typer.Option(help="unit code")],
    role: Annotated[str, typer.Option(help="|".join(ROLES))],
    days: Annotated[int, typer.Option(min=1, max=365)] = 14,
    name: Annotated[str, typer.Option(help="the person's name")] = "",
    now: Now = None,
) -> None:
    """Creates an invite; prints the code as the last line."""
    from bot.settings import Settings
    from handlers.core import oa_invite
    from storage.access import create_invite, role_fits, unit_by_code

    if role not in ROLES:
        raise fail(f"--role must be one of: {', '.join(ROLES)}")

    async def body(application: App) -> str:
        async with application.sessions() as session, session.begin():
            target = await unit_by_code(session, unit)
            if target is None:
                raise fail(f"unknown unit: {unit}")
            if not role_fits(role, target.kind):
                raise fail(f"--role {role} does not fit {unit}, a unit of kind {target.kind}")
            return await create_invite(
                session, target, role, application.clock.now(), days, name=name
            )

    code = with_app(body, clock=parse_now(now))
    typer.echo(f"{role} · {unit} · {days} days")
    # what to forward to a person who will use the commune's OA (ZALO_OA_ID)
    on_oa = oa_invite(Settings(), code)
    if on_oa:
        typer.echo(f"Zalo OA: {on_oa}")
    typer.echo(code)


@app.command("shell")
def shell(
    chat: Annotated[str, typer.Option(help="chat id to speak as")] = "console",
    jsonl: Annotated[bool, typer.Option("--jsonl", help="one JSON line out per line in")] = False,
    now: Now = None,
) -> None:
    """Console channel: one line in, replies out."""
    from bot.channels import console

    async def body(application: App) -> None:
        await console.run(application.engine, chat, jsonl)

    with_app(body, clock=parse_now(now))


@app.command("demo")
def demo(
    fresh: Annotated[bool, typer.Option(help="start from an empty demo database")] = True,
    now: Now = None,
) -> None:
    """Creates ./data/demo.db with a real commune and opens the shell as a village head."""
    from bot import demo as demo_module

    demo_module.main(fresh, parse_now(now))


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app()


from bot import cli_reports  # noqa: E402

cli_reports.register(app)

from bot import cli_db  # noqa: E402

cli_db.register(db_app)

from bot import cli_run  # noqa: E402

cli_run.register(app)

from bot import cli_directives  # noqa: E402

cli_directives.register(app)

from bot import cli_reminders  # noqa: E402

cli_reminders.register(app)

from bot import cli_awards  # noqa: E402

cli_awards.register(app)

from bot import cli_dossier  # noqa: E402

cli_dossier.register(app)

from bot import cli_web  # noqa: E402

cli_web.register(app)
