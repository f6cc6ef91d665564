"""A bare python-telegram-bot echo bot: the baseline `bench/bench_run.py` measures `thidua run`
against, on the same local fake Bot API.

Nothing of ours: PTB's own polling `Application` with its defaults, one handler that answers
every text with the same text. Whatever `thidua run` costs beyond this is ours.

Run: TELEGRAM_TOKEN=… TELEGRAM_API_BASE=http://127.0.0.1:PORT .venv/bin/python bench/echo_bot.py
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def main() -> None:
    base = os.environ["TELEGRAM_API_BASE"].rstrip("/")
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_TOKEN"])
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(poll_interval=0.0, timeout=int(os.environ.get("POLL_TIMEOUT", "1")))


if __name__ == "__main__":
    main()
