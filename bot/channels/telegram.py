"""The Telegram channel (python-telegram-bot v22; the only module that imports `telegram`).

In: every update becomes one `Incoming` (text, `/start CODE` deep links, a pressed button as
`choice`, photos and documents downloaded into ``files_dir/incoming`` as attachments, stickers and
voice as their kind). Out: options become an inline keyboard, long texts are split between lines
at 4,096 characters, a reply's attachment goes as a photo (images) or a document.

Updates are stored before they are acknowledged and handled from the database, one chat in
order, other chats side by side (`bot/channels/conveyor.py`); a turn's replies are recorded with
it and sent, retried, before the chat's next update. Nothing a person sends can stop the queue:
any failure is logged and answered with a short apology.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import httpx
from telegram import Bot as TelegramBot
from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.channels.base import ChatBlocked, SendError
from bot.channels.common import FileProblem, split_text, units
from bot.channels.conveyor import Conveyor, Stored
from bot.pace import SharedPace
from bot.settings import Settings
from handlers.engine import Engine
from handlers.flow import Flow
from handlers.types import Attachment, Incoming, MessageKind, Reply
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


# what the library raised from, when the request surely did not reach Telegram
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout)


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
    if isinstance(error, TimedOut):
        # waiting for the answer: the request reached Telegram and the message likely the
        # chat; connecting or writing: it did not
        cause = error.__cause__
        in_doubt = not isinstance(cause, NOT_SENT)
        return SendError(str(error) or "timed out", in_doubt=in_doubt)
    return SendError(str(error) or type(error).__name__)


class TelegramSender:
    """Sends neutral replies to a Telegram chat (implements `bot.channels.base.Sender`)."""

    channel = CHANNEL

    def __init__(self, bot: TelegramBot, settings: Settings) -> None:
        self.bot = bot
        self.rate_per_second = settings.telegram_rate_per_second
        self.rate_per_chat = settings.telegram_rate_per_chat
        # the token's pace shared with other processes (set by the channel)
        self.pace: SharedPace | None = None

    async def send(self, chat_id: str, reply: Reply, as_reply: bool = False) -> str | None:
        """Sends the reply (split, with its keyboard and file); returns the last message id.
        Every message waits its turn in the token's shared pace (`as_reply`: the answer to a
        person's message, which may come as a short burst)."""
        try:
            last = await self._send(chat_id, reply, as_reply)
        except TelegramError as error:
            raise _send_error(error) from error
        except OSError as error:
            raise SendError(f"attachment unreadable: {error}", permanent=True) from error
        return str(last.message_id) if last is not None else None

    async def _turn(self, chat_id: str, as_reply: bool) -> None:
        if self.pace is not None:
            await self.pace.wait(chat_id, as_reply)

    async def _send(self, chat_id: str, reply: Reply, as_reply: bool) -> Message | None:
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
                await self._turn(chat_id, as_reply)
                last = await self.bot.send_message(
                    chat_id, chunk or "…", reply_markup=markup if last_chunk else None
                )
        if attachment is not None:
            await self._turn(chat_id, as_reply)
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
    """The running Telegram bot: polling, or a webhook when TELEGRAM_WEBHOOK_URL is set.

    Both ways go through the conveyor (`bot/channels/conveyor.py`): an update is stored before
    it is acknowledged (the polling offset moves past it, or the webhook answers 200, only once
    it is in the database), then handled from there, one chat in order.
    """

    name = CHANNEL

    def __init__(self, engine: Engine, settings: Settings, flows: Sequence[Flow]) -> None:
        if settings.telegram_token is None:
            raise ValueError("TELEGRAM_TOKEN is not set")
        self.engine = engine
        self.settings = settings
        self.flows = list(flows)
        timeout = settings.send_timeout_seconds
        # the bot alone, without python-telegram-bot's Application (its update queue, handlers
        # and job queue): the conveyor does that work, and start-up loads less
        base = (settings.telegram_api_base or "https://api.telegram.org").rstrip("/")
        self.bot = TelegramBot(
            settings.telegram_token.get_secret_value(),
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=HTTPXRequest(
                connection_pool_size=256,
                connect_timeout=min(timeout, 10.0),
                read_timeout=timeout,
                write_timeout=timeout,
            ),
            get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=10.0),
        )
        self.sender = TelegramSender(self.bot, settings)
        self.sender.pace = SharedPace(
            engine.sessions,
            engine.clock,
            CHANNEL,
            settings.telegram_token.get_secret_value(),
            settings.telegram_rate_per_second,
            settings.telegram_rate_per_chat,
        )
        self.conveyor = Conveyor.of(CHANNEL, engine, self.decode, self._send, settings)
        self._server: Any = None  # the webhook's tornado HTTPServer
        self._poller: asyncio.Task[None] | None = None
        self._menu: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    # Running ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connects (getMe), resumes what a previous run left, starts polling or the webhook,
        and sets the command menu meanwhile."""
        settings = self.settings
        await self.bot.initialize()
        self._menu = asyncio.create_task(self.set_commands())
        await self.conveyor.start()
        if settings.telegram_webhook_url:
            if settings.telegram_webhook_secret is None:
                raise ValueError("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL")
            # Our own small server instead of the library's: it compares the secret in
            # constant time, never logs an update's content (names, texts), and answers only
            # once the update is stored.
            self._serve_webhook()
            await self.bot.set_webhook(
                settings.telegram_webhook_url,
                secret_token=settings.telegram_webhook_secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("telegram: webhook on port %d", settings.telegram_webhook_port)
        else:
            await self.bot.delete_webhook()
            self._poller = asyncio.create_task(self._poll())
            log.info("telegram: polling")

    def _serve_webhook(self) -> None:
        import tornado.httpserver
        import tornado.netutil
        import tornado.web

        settings = self.settings
        assert settings.telegram_webhook_url is not None
        path = "/" + urlparse(settings.telegram_webhook_url).path.strip("/")
        application = tornado.web.Application(
            [(rf"{re.escape(path.rstrip('/'))}/?", _webhook_handler(), {"channel": self})]
        )
        sockets = tornado.netutil.bind_sockets(
            settings.telegram_webhook_port, settings.telegram_webhook_listen
        )
        self._server = tornado.httpserver.HTTPServer(application, max_body_size=1024 * 1024)
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        """Stops fetching, lets the chats in hand finish, and disconnects."""
        self._stopping.set()
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        await self.conveyor.stop()
        if self._menu is not None:
            await asyncio.gather(self._menu, return_exceptions=True)
        await self.bot.shutdown()

    async def _poll(self) -> None:
        """Long polling: an update's offset is confirmed (the next getUpdates starts past it)
        only after the update is stored."""
        offset: int | None = None
        backoff = 1.0
        while not self._stopping.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset,
                    timeout=self.settings.telegram_poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                )
                await self.conveyor.receive([s for s in map(stored, updates) if s is not None])
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error.retry_after))
                continue
            except Exception as error:
                # the network, the platform or the database: the same updates come again
                log.warning("telegram: polling failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            if updates:
                offset = updates[-1].update_id + 1

    async def set_commands(self) -> None:
        """The command menu: Vietnamese for everyone, English for English-language apps."""
        try:
            with use_locale("vi"):
                await self.bot.set_my_commands(command_menu(self.flows))
            with use_locale("en"):
                await self.bot.set_my_commands(command_menu(self.flows), language_code="en")
        except TelegramError:
            log.warning("telegram: the command menu could not be set", exc_info=True)

    # In --------------------------------------------------------------------------------------

    async def decode(self, payload: Mapping[str, Any]) -> Incoming:
        """The neutral message for a stored update (the pressed button's spinner is settled
        and files are downloaded here; raises FileProblem)."""
        update = Update.de_json(dict(payload), self.bot)
        assert update is not None and update.effective_chat is not None
        if update.callback_query is not None:
            await self._settle_button(update.callback_query)
        return await self.to_incoming(update, str(update.effective_chat.id))

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
        chat = update.effective_chat
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
            "group": chat is not None and chat.type != "private",
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
            file = await self.bot.get_file(file_id)
            if file.file_size is not None and file.file_size > limit:
                raise FileProblem("channels.file_too_big", mb=limit // (1024 * 1024))
            await file.download_to_drive(target)
        except (TelegramError, OSError) as error:
            log.warning("telegram: file download failed (%s)", type(error).__name__)
            raise FileProblem("channels.file_failed") from error
        return target

    # Out -------------------------------------------------------------------------------------

    async def _send(self, chat_id: str, reply: Reply, payload: Mapping[str, Any]) -> str | None:
        return await self.sender.send(chat_id, reply, as_reply=True)


def stored(update: Update) -> Stored | None:
    """An update as the conveyor stores it (None: nothing a person said, e.g. no chat)."""
    chat = update.effective_chat
    if chat is None or (update.message is None and update.callback_query is None):
        return None
    return Stored(str(update.update_id), str(chat.id), update.to_dict())


def _webhook_handler() -> type:
    """The tornado handler of Telegram's POSTs (tornado is loaded in webhook mode only)."""
    import tornado.web

    class WebhookHandler(tornado.web.RequestHandler):
        """Takes Telegram's POSTs: the secret header must match (else 403), the body is an update,
        answered 200 once it is stored (500 when it could not be: Telegram sends it again)."""

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
            try:
                update = Update.de_json(json.loads(self.request.body or b"null"), self.channel.bot)
            except Exception:
                log.warning("telegram: unreadable webhook update dropped")
                self.set_status(400)
                self.finish()
                return
            item = stored(update) if update is not None else None
            if item is not None:
                try:
                    await self.channel.conveyor.receive([item])
                except Exception:
                    log.warning("telegram: webhook update not stored; Telegram will send it again")
                    self.set_status(500)
            self.finish()

    return WebhookHandler


def _strip_bot_name(text: str) -> str:
    """ "/start@thidua_bot CODE" → "/start CODE" (group chats add the bot's name)."""
    if not text.startswith("/"):
        return text
    head, sep, rest = text.partition(" ")
    return head.split("@", 1)[0] + sep + rest
