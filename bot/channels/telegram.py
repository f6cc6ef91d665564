"""The Telegram channel (python-telegram-bot v22; the only module that imports `telegram`).

In: every update becomes one `Incoming` (text, `/start CODE` deep links, a pressed button as
`choice`, photos and documents downloaded into ``files_dir/incoming`` as attachments, stickers and
voice as their kind). Out: options become an inline keyboard, long texts are split between lines
at 4,096 characters, a reply's attachment goes as a photo (images) or a document.

Updates are processed concurrently (PTB ``concurrent_updates``); a per-chat lock taken before the
first await keeps one chat's updates in arrival order. Nothing a person sends can stop the queue:
any failure is logged and answered with a short apology.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import weakref
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import Bot as TelegramBot
from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.channels.base import ChatBlocked, SendError
from bot.channels.common import FileProblem, answer, apologize, split_text, units
from bot.settings import Settings
from handlers.engine import Engine
from handlers.flow import Flow
from handlers.types import Attachment, Incoming, MessageKind, Outcome, Reply
from locales import _, current, use_locale

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_LIMIT = 64
# Telegram's Bot API serves files up to 20 MB through getFile.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
ALLOWED_UPDATES = ["message", "callback_query"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_INLINE_SECONDS = 30.0


def callback_data(option_id: str, index: int) -> str:
    """The option id as callback data; an id too long for 64 bytes goes as `#<number>`."""
    if len(option_id.encode()) <= CALLBACK_LIMIT and not option_id.startswith("#"):
        return option_id
    log.warning("option id longer than %d bytes sent by number", CALLBACK_LIMIT)
    return f"#{index + 1}"


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.options:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(option.label, callback_data=callback_data(option.id, i))]
            for i, option in enumerate(reply.options)
        ]
    )


def command_menu(flows: Sequence[Flow]) -> list[BotCommand]:
    """The command menu in the current language: the flows with a menu label, then the basics."""
    lang = current()
    english = lang == "en"
    commands = [
        (flow.shown_command(lang), _(flow.menu)) for flow in flows if flow.menu is not None
    ] + [
        ("start", _("channels.cmd.start")),
        ("lang" if english else "ngonngu", _("channels.cmd.lang")),
        ("help" if english else "trogiup", _("channels.cmd.help")),
        ("cancel" if english else "huy", _("channels.cmd.cancel")),
    ]
    seen: set[str] = set()
    menu = []
    for name, description in commands:
        if COMMAND_NAME.match(name) and name not in seen:
            seen.add(name)
            menu.append(BotCommand(name, description[:256]))
    return menu


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _send_error(error: TelegramError) -> SendError:
    """Our error for what the library raised."""
    if isinstance(error, RetryAfter):
        return SendError(str(error), retry_after=_seconds(error.retry_after))
    if isinstance(error, Forbidden):
        return ChatBlocked(str(error))
    if isinstance(error, BadRequest):
        # Chat not found, message malformed: sending the same again cannot help.
        return SendError(str(error), permanent=True)
    return SendError(str(error) or type(error).__name__)


class TelegramSender:
    """Sends neutral replies to a Telegram chat (implements `bot.channels.base.Sender`)."""

    channel = CHANNEL

    def __init__(self, bot: TelegramBot, settings: Settings) -> None:
        self.bot = bot
        self.rate_per_second = settings.telegram_rate_per_second
        self.rate_per_chat = settings.telegram_rate_per_chat

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        """Sends the reply (split, with its keyboard and file); returns the last message id."""
        try:
            last = await self._send(chat_id, reply)
        except TelegramError as error:
            raise _send_error(error) from error
        except OSError as error:
            raise SendError(f"attachment unreadable: {error}", permanent=True) from error
        return str(last.message_id) if last is not None else None

    async def _send(self, chat_id: str, reply: Reply) -> Message | None:
        markup = keyboard(reply)
        text = reply.text
        attachment = reply.attachment
        last: Message | None = None
        caption: str | None = None
        if attachment is not None and units(text) <= CAPTION_LIMIT:
            caption, text = text or None, ""
        if text or attachment is None:
            chunks = split_text(text, TEXT_LIMIT)
            for n, chunk in enumerate(chunks):
                last_chunk = n == len(chunks) - 1 and attachment is None
                last = await self.bot.send_message(
                    chat_id, chunk or "…", reply_markup=markup if last_chunk else None
                )
        if attachment is not None:
            last = await self._send_file(chat_id, attachment, caption, markup)
        return last

    async def _send_file(
        self,
        chat_id: str,
        attachment: Attachment,
        caption: str | None,
        markup: InlineKeyboardMarkup | None,
    ) -> Message:
        data = await asyncio.to_thread(attachment.path.read_bytes)
        if attachment.kind == "photo" or attachment.mime.startswith("image/"):
            return await self.bot.send_photo(
                chat_id, data, caption=caption, reply_markup=markup, filename=attachment.filename
            )
        return await self.bot.send_document(
            chat_id, data, caption=caption, reply_markup=markup, filename=attachment.filename
        )


class TelegramChannel:
    """The running Telegram bot: polling, or a webhook when TELEGRAM_WEBHOOK_URL is set."""

    name = CHANNEL

    def __init__(self, engine: Engine, settings: Settings, flows: Sequence[Flow]) -> None:
        if settings.telegram_token is None:
            raise ValueError("TELEGRAM_TOKEN is not set")
        self.engine = engine
        self.settings = settings
        self.flows = list(flows)
        builder = (
            Application.builder()
            .token(settings.telegram_token.get_secret_value())
            .concurrent_updates(True)
        )
        if settings.telegram_api_base:
            base = settings.telegram_api_base.rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.sender = TelegramSender(self.application.bot, settings)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._server: tornado.httpserver.HTTPServer | None = None

    # Running ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connects (getMe), sets the command menu, and starts polling or the webhook."""
        settings = self.settings
        await self.application.initialize()
        await self.set_commands()
        await self.application.start()
        updater = self.application.updater
        assert updater is not None
        if settings.telegram_webhook_url:
            if settings.telegram_webhook_secret is None:
                raise ValueError("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL")
            # Our own small server instead of the library's: it compares the secret in
            # constant time and never logs an update's content (names, texts).
            self._serve_webhook()
            await self.application.bot.set_webhook(
                settings.telegram_webhook_url,
                secret_token=settings.telegram_webhook_secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("telegram: webhook on port %d", settings.telegram_webhook_port)
        else:
            await updater.start_polling(
                timeout=settings.telegram_poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                error_callback=self._on_poll_error,
            )
            log.info("telegram: polling")

    def _serve_webhook(self) -> None:
        settings = self.settings
        assert settings.telegram_webhook_url is not None
        path = "/" + urlparse(settings.telegram_webhook_url).path.strip("/")
        application = tornado.web.Application(
            [(rf"{re.escape(path.rstrip('/'))}/?", _WebhookHandler, {"channel": self})]
        )
        sockets = tornado.netutil.bind_sockets(
            settings.telegram_webhook_port, settings.telegram_webhook_listen
        )
        self._server = tornado.httpserver.HTTPServer(application, max_body_size=1024 * 1024)
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        """Stops fetching, lets the updates in hand finish, and disconnects."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def set_commands(self) -> None:
        """The command menu: Vietnamese for everyone, English for English-language apps."""
        bot = self.application.bot
        try:
            with use_locale("vi"):
                await bot.set_my_commands(command_menu(self.flows))
            with use_locale("en"):
                await bot.set_my_commands(command_menu(self.flows), language_code="en")
        except TelegramError:
            log.warning("telegram: the command menu could not be set", exc_info=True)

    @staticmethod
    def _on_poll_error(error: TelegramError) -> None:
        log.warning("telegram: polling failed (%s); retrying", type(error).__name__)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: update failed", exc_info=context.error)

    # In --------------------------------------------------------------------------------------

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None or (update.message is None and update.callback_query is None):
            return
        chat_id = str(chat.id)
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        async with lock:
            try:
                await self._handle(update, chat_id)
            except Exception:
                log.exception("telegram: update %s could not be handled", update.update_id)
                await self._apologize(chat_id, "error.generic")

    async def _handle(self, update: Update, chat_id: str) -> None:
        if update.callback_query is not None:
            await self._settle_button(update.callback_query)
        try:
            incoming = await self.to_incoming(update, chat_id)
        except FileProblem as problem:
            await self._apologize(chat_id, problem.key, **problem.values)
            return
        await answer(self.engine, incoming, self.deliver)

    async def _settle_button(self, query: CallbackQuery) -> None:
        """Stops the button's spinner and removes the pressed keyboard (no double presses)."""
        try:
            await query.answer()
        except TelegramError:
            log.info("telegram: callback answer failed", exc_info=True)
        if query.message is not None:
            try:
                await query.edit_message_reply_markup(reply_markup=None)
            except (TelegramError, TypeError):
                # Already edited (a redelivery) or too old to edit: nothing to do.
                log.debug("telegram: keyboard not removed", exc_info=True)

    async def to_incoming(self, update: Update, chat_id: str) -> Incoming:
        """The neutral message for an update (files are downloaded; raises FileProblem)."""
        user = update.effective_user
        extras: dict[str, Any] = {}
        if user is not None:
            extras["display_name"] = user.full_name
            if user.language_code:
                extras["language_code"] = user.language_code
        base: dict[str, Any] = {
            "channel": CHANNEL,
            "chat_id": chat_id,
            "user_id": str(user.id) if user else None,
            "update_id": str(update.update_id),
            "extras": extras,
        }
        query = update.callback_query
        if query is not None:
            data = query.data or ""
            if data.startswith("#"):
                return Incoming(text=data[1:], **base)
            return Incoming(choice=data, **base)
        message = update.message
        assert message is not None
        if message.text is not None:
            return Incoming(text=_strip_bot_name(message.text), **base)
        if message.caption:
            extras["caption"] = message.caption
        if message.photo:
            size = message.photo[-1]
            name = f"{update.update_id}-{size.file_unique_id}.jpg"
            path = await self._download(size.file_id, size.file_size, name)
            attachment = Attachment("photo", path, f"photo-{message.message_id}.jpg", "image/jpeg")
            return Incoming(attachments=(attachment,), **base)
        if message.document is not None:
            document = message.document
            filename = Path(document.file_name or "tep").name
            mime = document.mime_type or "application/octet-stream"
            suffix = Path(filename).suffix[:10]
            path = await self._download(
                document.file_id,
                document.file_size,
                f"{update.update_id}-{document.file_unique_id}{suffix}",
            )
            kind: Literal["photo", "document"] = (
                "photo" if mime.startswith("image/") else "document"
            )
            return Incoming(attachments=(Attachment(kind, path, filename, mime),), **base)
        kind_of: MessageKind = "unsupported"
        if message.sticker is not None:
            kind_of = "sticker"
        elif message.voice is not None or message.audio is not None or message.video_note:
            kind_of = "voice"
        return Incoming(kind=kind_of, **base)

    async def _download(self, file_id: str, size: int | None, name: str) -> Path:
        limit = min(self.settings.max_file_bytes, DOWNLOAD_LIMIT)
        if size is not None and size > limit:
            raise FileProblem("channels.file_too_big", mb=limit // (1024 * 1024))
        target = self.settings.files_dir / "incoming" / f"telegram-{name}"
        try:
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            file = await self.application.bot.get_file(file_id)
            if file.file_size is not None and file.file_size > limit:
                raise FileProblem("channels.file_too_big", mb=limit // (1024 * 1024))
            await file.download_to_drive(target)
        except (TelegramError, OSError) as error:
            log.warning("telegram: file download failed (%s)", type(error).__name__)
            raise FileProblem("channels.file_failed") from error
        return target

    # Out -------------------------------------------------------------------------------------

    async def deliver(self, chat_id: str, outcome: Outcome) -> None:
        """Sends the engine's replies in order (nothing for an ignored redelivery)."""
        if outcome.ignored:
            return
        for reply in outcome.replies:
            if not await self._say(chat_id, reply):
                return

    async def _apologize(self, chat_id: str, key: str, **values: object) -> None:
        """A short polite answer from the adapter itself, in the member's language."""
        await apologize(self.engine, CHANNEL, chat_id, self._say, key, **values)

    async def _say(self, chat_id: str, reply: Reply) -> bool:
        """Sends one reply, waiting out a short flood limit; False when the chat is unreachable."""
        for _attempt in range(3):
            try:
                await self.sender.send(chat_id, reply)
                return True
            except ChatBlocked:
                log.info("telegram: chat blocked the bot")
                return False
            except SendError as error:
                if error.permanent or error.retry_after is None:
                    log.warning("telegram: reply not sent (%s)", error)
                    return False
                if error.retry_after > RETRY_INLINE_SECONDS:
                    log.warning("telegram: flood limit of %.0fs; reply dropped", error.retry_after)
                    return False
                await asyncio.sleep(error.retry_after)
            except Exception:
                log.exception("telegram: reply not sent")
                return False
        return False


class _WebhookHandler(tornado.web.RequestHandler):
    """Takes Telegram's POSTs: the secret header must match (else 403), the body is an update."""

    def initialize(self, channel: TelegramChannel) -> None:
        self.channel = channel

    def check_xsrf_cookie(self) -> None:
        return None

    async def post(self) -> None:
        secret = self.channel.settings.telegram_webhook_secret
        given = self.request.headers.get(SECRET_HEADER, "")
        if secret is None or not hmac.compare_digest(
            given.encode(), secret.get_secret_value().encode()
        ):
            self.set_status(403)
            self.finish()
            return
        application = self.channel.application
        try:
            update = Update.de_json(json.loads(self.request.body or b"null"), application.bot)
        except Exception:
            log.warning("telegram: unreadable webhook update dropped")
            self.set_status(400)
            self.finish()
            return
        if update is not None:
            await application.update_queue.put(update)
        self.finish()


def _strip_bot_name(text: str) -> str:
    """ "/start@thidua_bot CODE" → "/start CODE" (group chats add the bot's name)."""
    if not text.startswith("/"):
        return text
    head, sep, rest = text.partition(" ")
    return head.split("@", 1)[0] + sep + rest
