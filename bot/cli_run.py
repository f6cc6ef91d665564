"""`thidua run`: the bot on Telegram and/or Zalo with its scheduler (see `bot.runner`)."""

from __future__ import annotations

import typer

from bot.cli_common import Now, parse_now


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(now: Now = None) -> None:
        """Runs Telegram (TELEGRAM_TOKEN) and/or Zalo (ZALO_BOT_TOKEN) and the scheduler;
        stops cleanly on SIGTERM or Ctrl-C. --now: the time it starts at (it goes on from
        there)."""
        import asyncio
        import logging

        from bot import runner
        from bot.settings import Settings

        settings = Settings()
        if not runner.has_channel(settings):
            typer.echo(runner.NO_CHANNEL, err=True)
            raise typer.Exit(2)
        logging.getLogger("bot").setLevel(logging.INFO)
        # httpx logs every request URL at INFO, and the URL holds the bot token.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        raise typer.Exit(asyncio.run(runner.serve(settings, clock=parse_now(now, running=True))))
