"""CLI of reminders, the outbox and digests:

- `thidua reminders plan --now ISO [--json]`: plans what is due at that time; `--json` prints
  the rows added as an array of {key, kind, channel, chat, unit, not_before} ([] when nothing).
- `thidua outbox send [--now ISO]`: sends what is due through the configured channels (a channel
  without a token prints to stdout).
- `thidua digest --unit CODE --period YYYY-MM [--json] [--xlsx FILE] [--png FILE]`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.channels.base import Sender
from bot.cli_common import fail, group, parse_now, with_app

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

reminders_app = group("Reminders: plan what is due.")
outbox_app = group("Outbox: send what is due.")


@asynccontextmanager
async def configured_senders(application: App) -> AsyncIterator[dict[str, Sender]]:
    """A Sender per channel: the real one when its token is set (its bot initialised, never
    polling), else one that prints to stdout."""
    from bot.channels.console import ConsoleSender

    settings = application.settings
    senders: dict[str, Sender] = {
        name: ConsoleSender(name) for name in ("console", "telegram", "zalo", "zalo_oa")
    }
    async with AsyncExitStack() as stack:
        if settings.telegram_token is not None:
            from bot.channels.telegram import TelegramChannel
            from handlers import FLOWS

            telegram = TelegramChannel(application.engine, settings, FLOWS)
            await telegram.bot.initialize()
            stack.push_async_callback(telegram.bot.shutdown)
            senders["telegram"] = telegram.sender
        if settings.zalo_bot_token is not None:
            from bot.channels.zalo import ZaloChannel

            zalo = ZaloChannel(application.engine, settings, application.clock)
            stack.push_async_callback(zalo.api.client.aclose)
            senders["zalo"] = zalo.sender
        if settings.zalo_oa_enabled:
            from bot.channels.zalo_oa import ZaloOaChannel

            oa = ZaloOaChannel(application.engine, settings, application.clock, application.db)
            await oa.tokens.start()
            stack.push_async_callback(oa.api.close)
            senders["zalo_oa"] = oa.sender
        yield senders


@reminders_app.command("plan")
def reminders_plan(
    now: Annotated[str | None, typer.Option(help="ISO time (no zone = Asia/Ho_Chi_Minh)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the rows added as JSON")] = False,
) -> None:
    """Plans the reminders due at --now (default: the current time)."""
    from bot.scheduler import plan_once

    async def body(application: App) -> list[dict[str, str]]:
        result = await plan_once(application)
        return [row.as_json() for row in result.added]

    rows = with_app(body, clock=parse_now(now))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for row in rows:
        typer.echo(f"{row['not_before']}\t{row['channel']}:{row['chat']}\t{row['key']}")
    typer.echo(f"{len(rows)} planned")


@outbox_app.command("send")
def outbox_send(
    now: Annotated[str | None, typer.Option(help="ISO time (no zone = Asia/Ho_Chi_Minh)")] = None,
) -> None:
    """Sends every due row (quiet hours respected) and prints a summary line."""
    from bot.dispatcher import Dispatcher
    from bot.scheduler import worker_name

    async def body(application: App) -> str:
        async with configured_senders(application) as senders:
            dispatcher = Dispatcher(
                application.sessions,
                application.settings,
                application.clock,
                senders,
                worker_name(),
            )
            stats = await dispatcher.run_until_idle()
        if stats.quiet:
            return "quiet hours: nothing sent"
        return (
            f"sent {stats.sent}, retried {stats.retried}, failed {stats.failed}, "
            f"blocked {stats.blocked}"
        )

    typer.echo(with_app(body, clock=parse_now(now)))


def digest_command(
    unit: Annotated[str, typer.Option(help="unit code")],
    period: Annotated[
        str | None, typer.Option(help="YYYY-MM (default: the newest period open for filing)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
    xlsx: Annotated[Path | None, typer.Option(help="write the .xlsx here")] = None,
    png: Annotated[Path | None, typer.Option(help="write the chart PNG here")] = None,
    now: Annotated[str | None, typer.Option(help="ISO time (no zone = Asia/Ho_Chi_Minh)")] = None,
) -> None:
    """Prints (or writes) the digest of a unit and everything under it."""
    from zoneinfo import ZoneInfo

    from bot.chart import Bar, completeness_png
    from handlers.digest import render_text
    from locales import _
    from locales.formats import month_label
    from storage.access import unit_by_code
    from storage.digest import build_digest, focus_period
    from storage.export import write_xlsx
    from storage.periods import parse_period

    if period is not None and parse_period(period) is None:
        raise fail(f"--period must be YYYY-MM: {period}")

    async def body(application: App) -> str:
        tz = ZoneInfo(application.settings.timezone)
        at = application.clock.now()
        async with application.sessions() as session, session.begin():
            root = await unit_by_code(session, unit)
            if root is None:
                raise fail(f"unknown unit: {unit}")
            shown = period or await focus_period(session, application.settings, at)
            digest = await build_digest(session, application.settings, root, shown, at)
            if xlsx is not None:
                await write_xlsx(session, digest, root, xlsx, tz)
        if png is not None:
            bars = [Bar(r.name, r.on_time, r.late, r.expected) for r in digest.current.rows]
            title = _(
                "digest.chart.title", unit=root.name, month=month_label(digest.current.period)
            )
            completeness_png(
                bars,
                png,
                title,
                _("digest.chart.on_time"),
                _("digest.chart.late"),
                _("digest.chart.axis"),
            )
        if as_json:
            data: dict[str, Any] = digest.as_json()
            return json.dumps(data, ensure_ascii=False, indent=1)
        return render_text(digest, tz)

    typer.echo(with_app(body, clock=parse_now(now)))


def register(app: typer.Typer) -> None:
    app.add_typer(reminders_app, name="reminders")
    app.add_typer(outbox_app, name="outbox")
    app.command("digest")(digest_command)
