"""`thidua run`: the configured channels and the scheduler, until SIGTERM or SIGINT.

Telegram runs when TELEGRAM_TOKEN is set, Zalo when ZALO_BOT_TOKEN is set (each polls unless its
webhook URL is set), the Zalo Official Account when its four ZALO_OA_* secrets are set (webhook
only). The staff web page and the API (`bot.web`) listen on WEB_LISTEN:WEB_PORT unless
WEB_ENABLED is false. The scheduler gets every running channel's Sender. Stopping closes the
channels first (the messages in hand finish), then the scheduler, then the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Protocol

from bot.app import App, build
from bot.channels.base import Sender
from bot.settings import Settings
from bot.signals import stop_on_signals
from handlers import FLOWS
from handlers.clock import Clock
from storage.migrate import upgrade_async

log = logging.getLogger(__name__)

JOBS_GRACE_SECONDS = 15.0

NO_CHANNEL = (
    "Nothing to run: set TELEGRAM_TOKEN (a bot from @BotFather), ZALO_BOT_TOKEN (a bot from "
    "Zalo Bot Creator) and/or ZALO_OA_APP_ID, ZALO_OA_SECRET_KEY, ZALO_OA_APP_SECRET and "
    "ZALO_OA_REFRESH_TOKEN (the commune's Official Account), in the environment or in .env."
)


class Channel(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def has_channel(settings: Settings) -> bool:
    return (
        settings.telegram_token is not None
        or settings.zalo_bot_token is not None
        or settings.zalo_oa_enabled
    )


def make_channels(app: App) -> list[tuple[Channel, Sender]]:
    """The channels the settings ask for, with their senders (nothing is started yet)."""
    made: list[tuple[Channel, Sender]] = []
    if app.settings.telegram_token is not None:
        from bot.channels.telegram import TelegramChannel

        telegram = TelegramChannel(app.engine, app.settings, FLOWS)
        made.append((telegram, telegram.sender))
    if app.settings.zalo_bot_token is not None:
        from bot.channels.zalo import ZaloChannel

        zalo = ZaloChannel(app.engine, app.settings, app.clock)
        made.append((zalo, zalo.sender))
    if app.settings.zalo_oa_enabled:
        from bot.channels.zalo_oa import ZaloOaChannel

        oa = ZaloOaChannel(app.engine, app.settings, app.clock, app.db)
        made.append((oa, oa.sender))
    return made


def start_scheduler(app: App, senders: dict[str, Sender]) -> tuple[Any, Any]:
    """The reminders and outbox scheduler, started, and its leadership (one planner among
    several processes)."""
    from bot.scheduler import build_scheduler
    from storage.leader import leader_for

    leader = leader_for(app.db)
    scheduler = build_scheduler(app, senders, leader=leader.check)
    scheduler.start()
    return scheduler, leader


def _reason(error: Exception, settings: Settings) -> str:
    """A short reason without secrets (error texts may quote the token or a URL holding it)."""
    text = str(error).split("\n")[0]
    secrets = (
        settings.telegram_token,
        settings.zalo_bot_token,
        settings.zalo_oa_secret_key,
        settings.zalo_oa_app_secret,
        settings.zalo_oa_refresh_token,
    )
    for secret in secrets:
        if secret is not None and secret.get_secret_value():
            text = text.replace(secret.get_secret_value(), "***")
    return f"{type(error).__name__}: {text}"[:300]


async def _finish_running_jobs(seconds: float) -> None:
    """Lets the scheduler jobs already running (a dispatch, a plan) end instead of cutting
    them mid-transaction; the channels are stopped by now, so they are the tasks left."""
    current = asyncio.current_task()
    running = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    if running:
        await asyncio.wait(running, timeout=seconds)


async def serve(
    settings: Settings, stop: asyncio.Event | None = None, clock: Clock | None = None
) -> int:
    """Migrates, runs until `stop` is set (or SIGTERM/SIGINT), stops cleanly; returns 0, or 1
    when a channel cannot start (bad token, server unreachable, webhook port taken)."""
    stop = stop or asyncio.Event()
    with stop_on_signals(stop):
        return await _serve(settings, stop, clock)


async def _serve(settings: Settings, stop: asyncio.Event, clock: Clock | None) -> int:
    await upgrade_async(settings.database_url)
    app = build(settings, clock)
    started: list[Channel] = []
    scheduler: Any = None
    leader: Any = None
    web: Any = None
    try:
        made = make_channels(app)
        for channel, _sender in made:
            try:
                await channel.start()
            except Exception as error:
                log.error("%s could not start: %s", channel.name, _reason(error, settings))
                with contextlib.suppress(Exception):
                    await channel.stop()
                return 1
            started.append(channel)
        if settings.web_enabled:
            from bot.web.server import start_web

            try:
                web = await start_web(app)
            except OSError as error:
                log.error("the web page could not start: %s", _reason(error, settings))
                return 1
        scheduler, leader = start_scheduler(app, {s.channel: s for _c, s in made})
        log.info("running: %s", ", ".join(channel.name for channel in started))
        await stop.wait()
        log.info("stopping")
    finally:
        if web is not None:
            await web.stop()
        for channel in reversed(started):
            try:
                await channel.stop()
            except Exception:
                log.exception("%s did not stop cleanly", channel.name)
        if scheduler is not None:
            # Shutting down cancels running jobs: pause first and let them end.
            scheduler.pause()
            await _finish_running_jobs(JOBS_GRACE_SECONDS)
            scheduler.shutdown(wait=False)
        if leader is not None:
            await leader.close()
        await app.close()
    return 0
