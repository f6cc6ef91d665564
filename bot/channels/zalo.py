"""The Zalo channel (Zalo Bot API over httpx; the only module that speaks to Zalo).

In: polling (`getUpdates` answers one update per call; an empty poll may come back as error 408)
or a webhook (ZALO_WEBHOOK_URL; the `X-Bot-Api-Secret-Token` header must equal
ZALO_WEBHOOK_SECRET, else 403; the update may come bare or wrapped in ``{ok, result}``). Zalo has
no update id: the message id is the redelivery key. Images are downloaded into
``files_dir/incoming``; stickers and other kinds go to the engine as their kind.

Out: Zalo has no buttons, so options become lines — numbered with "Trả lời 1, 2 hoặc 3" when the
engine accepts a number, otherwise labels to type. Texts are split between lines at 2,000
characters. Files go as links to this bot's own small HTTP server (the one serving the webhook),
signed with HMAC and expiring; images are sent with sendPhoto pointing at such a link.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import mimetypes
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlparse

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.channels.base import ChatBlocked, SendError
from bot.channels.common import numbered, split_text, units
from bot.channels.conveyor import Conveyor, Stored
from bot.channels.download import fetch
from bot.channels.file_links import FILES_ROUTE, FileHandler, FileLinks, link_secret
from bot.pace import SharedPace
from bot.settings import Settings
from handlers.clock import Clock
from handlers.engine import Engine
from handlers.types import Attachment, Incoming, MessageKind, Reply
from locales import _, use_locale

log = logging.getLogger(__name__)

CHANNEL = "zalo"
TEXT_LIMIT = 2000
SECRET_HEADER = "X-Bot-Api-Secret-Token"
EMPTY_POLL = 408
BACKOFF_MAX = 30.0


# network errors after which the request surely did not reach Zalo (any other may have)
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout)


class ZaloError(Exception):
    """An answer with ``ok: false`` (or an HTTP error): `code` is Zalo's error_code."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description


class ZaloApi:
    """The Bot API methods as `await api.call("sendMessage", {...})` → the `result`."""

    def __init__(
        self,
        base: str,
        token: str,
        client: httpx.AsyncClient | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.url = f"{base.rstrip('/')}/bot{token}/"
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0))
        )

    async def call(self, method: str, payload: dict[str, Any], wait: float | None = None) -> Any:
        """Calls a method; raises ZaloError on an error answer, httpx errors on the network."""
        timeout = httpx.Timeout(wait + 15.0, connect=10.0) if wait is not None else None
        kwargs: dict[str, Any] = {"json": payload}
        if timeout is not None:
            kwargs["timeout"] = timeout
        response = await self.client.post(self.url + method, **kwargs)
        try:
            body = response.json()
        except ValueError:
            raise ZaloError(response.status_code, response.text[:200]) from None
        if not isinstance(body, dict):
            raise ZaloError(response.status_code, "unexpected answer")
        if not body.get("ok"):
            code = body.get("error_code") or response.status_code
            raise ZaloError(int(code), str(body.get("description") or ""))
        return body.get("result")

    async def close(self) -> None:
        await self.client.aclose()


def public_base(settings: Settings) -> str | None:
    """Where people reach this bot's HTTP server: PUBLIC_BASE_URL, else the webhook's origin."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    if settings.zalo_webhook_url:
        parsed = urlparse(settings.zalo_webhook_url)
        return f"{parsed.scheme}://{parsed.netloc}"
    return None


# Sending --------------------------------------------------------------------------------------


class Pace:
    """At most `rate` calls per second, spread evenly."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = 0.0
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self.lock:
            loop = asyncio.get_running_loop()
            delay = self.next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self.next_at = max(loop.time(), self.next_at) + self.interval


def _send_error(error: ZaloError | httpx.HTTPError) -> SendError:
    if isinstance(error, NOT_SENT):
        return SendError(f"network: {type(error).__name__}")
    if isinstance(error, httpx.HTTPError):
        # the request went out and no answer came back: Zalo may have delivered it
        return SendError(f"network: {type(error).__name__}", in_doubt=True)
    if error.code == 429:
        return SendError(str(error), retry_after=5.0)
    if error.code == 403:
        return ChatBlocked(str(error))
    if error.code in (400, 404):
        return SendError(str(error), permanent=True)
    return SendError(str(error))


class ZaloSender:
    """Sends neutral replies to a Zalo chat (implements `bot.channels.base.Sender`)."""

    channel = CHANNEL

    def __init__(self, api: ZaloApi, settings: Settings, links: FileLinks | None) -> None:
        self.api = api
        self.links = links
        self.rate_per_second = settings.zalo_rate_per_second
        self.rate_per_chat = settings.zalo_rate_per_chat
        self.pace_here = Pace(settings.zalo_rate_per_second)
        # the token's pace shared with other processes (set by the channel)
        self.pace: SharedPace | None = None

    async def send(
        self, chat_id: str, reply: Reply, by_number: bool = False, as_reply: bool = False
    ) -> str | None:
        """Sends the reply (options as lines, split at 2,000); returns the last message id.

        `by_number`: the options are numbered (the engine maps a typed number to them).
        `as_reply`: the answer to a person's message (paced as a short burst may go).
        """
        text = numbered(reply.text, reply.options, by_number)
        last: str | None = None
        try:
            if reply.attachment is not None:
                text, last = await self._attachment(chat_id, text, reply.attachment, as_reply)
            for chunk in split_text(text, TEXT_LIMIT) if text else []:
                sent = await self._call(chat_id, "sendMessage", {"text": chunk}, as_reply)
                last = sent or last
        except (ZaloError, httpx.HTTPError) as error:
            raise _send_error(error) from error
        return last

    async def _attachment(
        self, chat_id: str, text: str, attachment: Attachment, as_reply: bool
    ) -> tuple[str, str | None]:
        """Sends an image (with the text as caption when it fits); returns the text left over."""
        if self.links is None:
            unavailable = _("channels.file_unavailable", name=attachment.filename)
            return f"{text}\n\n{unavailable}" if text else unavailable, None
        url = self.links.url(attachment)
        if attachment.kind == "photo" or attachment.mime.startswith("image/"):
            caption = text if units(text) <= TEXT_LIMIT else ""
            payload = {"photo": url} | ({"caption": caption} if caption else {})
            sent = await self._call(chat_id, "sendPhoto", payload, as_reply)
            return ("" if caption else text), sent
        link = _("channels.file_link", name=attachment.filename, url=url, hours=self.links.hours)
        return (f"{text}\n\n{link}" if text else link), None

    async def _call(
        self, chat_id: str, method: str, payload: dict[str, Any], as_reply: bool
    ) -> str | None:
        if self.pace is not None:
            await self.pace.wait(chat_id, as_reply)
        else:
            await self.pace_here.wait()
        result = await self.api.call(method, {"chat_id": chat_id} | payload)
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return str(message_id) if message_id is not None else None


# Receiving ------------------------------------------------------------------------------------


def unwrap(body: Any) -> dict[str, Any] | None:
    """The update from a webhook body or a getUpdates result (bare or in ``{ok, result}``)."""
    if isinstance(body, dict) and "result" in body and "event_name" not in body:
        body = body["result"]
    if isinstance(body, list):
        body = body[0] if body else None
    return body if isinstance(body, dict) and isinstance(body.get("message"), dict) else None


def chat_of(update: dict[str, Any]) -> str:
    """The update's chat id (raises ValueError when it has none)."""
    message: dict[str, Any] = update["message"]
    sender = message.get("from") or {}
    chat = message.get("chat") or {}
    chat_id = str(chat.get("id") or sender.get("id") or "")
    if not chat_id:
        raise ValueError("update without a chat")
    return chat_id[:64]


def update_key(update: dict[str, Any]) -> str:
    """What makes a redelivery recognisable: the message id, or (an update without one) a
    digest of the whole update, which a redelivery repeats exactly."""
    message_id = update["message"].get("message_id")
    if message_id is not None and str(message_id):
        return str(message_id)[:64]
    canonical = json.dumps(update, sort_keys=True, ensure_ascii=False, default=str)
    return "h:" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def describe(update: dict[str, Any]) -> tuple[Incoming, str | None]:
    """The neutral message for an update, and the photo URL to fetch for an image."""
    message: dict[str, Any] = update["message"]
    event = str(update.get("event_name") or "")
    sender = message.get("from") or {}
    chat = message.get("chat") or {}
    chat_id = chat_of(update)
    extras: dict[str, Any] = {}
    if sender.get("display_name"):
        extras["display_name"] = str(sender["display_name"])
    chat_type = str(chat.get("chat_type") or "PRIVATE").upper()
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "chat_id": chat_id,
        "user_id": str(sender["id"]) if sender.get("id") is not None else None,
        "update_id": update_key(update),
        "extras": extras,
        "group": chat_type != "PRIVATE",
    }
    if event == "message.text.received" or (not event and "text" in message):
        return Incoming(text=str(message.get("text") or ""), **base), None
    if event == "message.image.received":
        if message.get("caption"):
            extras["caption"] = str(message["caption"])
        url = message.get("photo_url") or message.get("photo") or message.get("url")
        return Incoming(**base), str(url) if url else ""
    kind: MessageKind = "sticker" if event == "message.sticker.received" else "unsupported"
    return Incoming(kind=kind, **base), None


class ZaloChannel:
    """The running Zalo bot: polling, or a webhook when ZALO_WEBHOOK_URL is set.

    The HTTP server (webhook and file links) runs when a webhook or PUBLIC_BASE_URL is set.
    """

    name = CHANNEL

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        clock: Clock,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if settings.zalo_bot_token is None:
            raise ValueError("ZALO_BOT_TOKEN is not set")
        self.engine = engine
        self.settings = settings
        self.api = ZaloApi(
            settings.zalo_api_base,
            settings.zalo_bot_token.get_secret_value(),
            client,
            settings.send_timeout_seconds,
        )
        base = public_base(settings)
        self.links = (
            FileLinks(
                base,
                link_secret(settings, settings.zalo_bot_token.get_secret_value()),
                clock,
                settings.file_link_hours,
            )
            if base
            else None
        )
        self.sender = ZaloSender(self.api, settings, self.links)
        self.sender.pace = SharedPace(
            engine.sessions,
            engine.clock,
            CHANNEL,
            settings.zalo_bot_token.get_secret_value(),
            settings.zalo_rate_per_second,
            settings.zalo_rate_per_chat,
        )
        self.conveyor = Conveyor.of(CHANNEL, engine, self.decode, self._send, settings)
        self.server: tornado.httpserver.HTTPServer | None = None
        self.port: int | None = None
        self._poller: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    # Running ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Checks the token (getMe), starts the HTTP server if needed, then polls or hooks."""
        settings = self.settings
        await self.api.call("getMe", {})
        if settings.zalo_webhook_url and settings.zalo_webhook_secret is None:
            raise ValueError("ZALO_WEBHOOK_SECRET is required with ZALO_WEBHOOK_URL")
        await self.conveyor.start()
        if settings.zalo_webhook_url or self.links is not None:
            self._serve()
        if settings.zalo_webhook_url:
            assert settings.zalo_webhook_secret is not None
            await self.api.call(
                "setWebhook",
                {
                    "url": settings.zalo_webhook_url,
                    "secret_token": settings.zalo_webhook_secret.get_secret_value(),
                },
            )
            log.info("zalo: webhook on port %s", self.port)
        else:
            try:
                await self.api.call("deleteWebhook", {})
            except (ZaloError, httpx.HTTPError) as error:
                log.warning("zalo: deleteWebhook failed (%s)", error)
            self._poller = asyncio.create_task(self._poll())
            log.info("zalo: polling")

    async def stop(self) -> None:
        """Stops polling and the server, lets the chats in hand finish, and disconnects."""
        self._stopping.set()
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        if self.server is not None:
            self.server.stop()
        await self.conveyor.stop()
        await self.api.close()

    def _serve(self) -> None:
        routes: list[Any] = [(FILES_ROUTE, FileHandler, {"links": self.links})]
        if self.settings.zalo_webhook_url:
            path = urlparse(self.settings.zalo_webhook_url).path or "/"
            routes.append((path, _WebhookHandler, {"channel": self}))
        application = tornado.web.Application(routes)
        sockets = tornado.netutil.bind_sockets(
            self.settings.zalo_webhook_port, self.settings.zalo_webhook_listen
        )
        self.port = sockets[0].getsockname()[1]
        self.server = tornado.httpserver.HTTPServer(
            application, max_body_size=1024 * 1024, xheaders=True
        )
        self.server.add_sockets(sockets)

    async def _poll(self) -> None:
        wait = self.settings.zalo_poll_timeout
        backoff = 1.0
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            began = loop.time()
            try:
                result = await self.api.call("getUpdates", {"timeout": str(wait)}, wait=wait)
            except ZaloError as error:
                if error.code == EMPTY_POLL:
                    # A server that answers "empty" at once must not make this loop spin.
                    if loop.time() - began < 0.5:
                        await asyncio.sleep(1.0)
                    continue
                log.warning("zalo: getUpdates failed (%s)", error.code)
            except httpx.HTTPError as error:
                log.warning("zalo: getUpdates failed (%s)", type(error).__name__)
            else:
                # Zalo drops an update once getUpdates returned it: it is stored at once
                try:
                    await self.receive(result)
                except Exception as error:
                    log.error("zalo: an update could not be stored (%s)", type(error).__name__)
                backoff = 1.0
                continue
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)

    # In --------------------------------------------------------------------------------------

    async def receive(self, body: Any) -> bool:
        """Stores an update for its chat (raises when it could not be stored); False when the
        body holds no message update."""
        update = unwrap(body)
        if update is None:
            return False
        try:
            item = Stored(update_key(update), chat_of(update), update)
        except (ValueError, KeyError, TypeError):
            log.warning("zalo: unreadable update dropped")
            return False
        await self.conveyor.receive([item])
        return True

    async def decode(self, payload: Mapping[str, Any]) -> Incoming:
        """The neutral message for a stored update (an image is downloaded; raises
        FileProblem)."""
        incoming, photo_url = describe(dict(payload))
        if photo_url is not None:
            incoming = await self._with_photo(incoming, photo_url)
        return incoming

    async def _with_photo(self, incoming: Incoming, url: str) -> Incoming:
        from dataclasses import replace

        name = f"zalo-{incoming.update_id or 'photo'}".replace("/", "_")[:80]
        target = self.settings.files_dir / "incoming" / name
        mime = await fetch(self.api.client, url, target, self.settings.max_file_bytes)
        mime = mime or "image/jpeg"
        extension = mimetypes.guess_extension(mime) or ".jpg"
        filename = f"photo-{incoming.update_id or 'zalo'}{extension}"
        kind: Literal["photo", "document"] = "photo"
        return replace(incoming, attachments=(Attachment(kind, target, filename, mime),))

    # Out -------------------------------------------------------------------------------------

    async def _send(self, chat_id: str, reply: Reply, payload: Mapping[str, Any]) -> str | None:
        """Sends one recorded reply; the words this adapter adds (the "Trả lời 1, 2 hoặc 3"
        hint, file links) are in the language of the reply."""
        with use_locale(payload.get("locale")):
            return await self.sender.send(
                chat_id, reply, bool(payload.get("by_number")), as_reply=True
            )


# The HTTP server ------------------------------------------------------------------------------


class _WebhookHandler(tornado.web.RequestHandler):
    def initialize(self, channel: ZaloChannel) -> None:
        self.channel = channel

    def check_xsrf_cookie(self) -> None:
        return None

    async def post(self) -> None:
        secret = self.channel.settings.zalo_webhook_secret
        given = self.request.headers.get(SECRET_HEADER, "")
        if secret is None or not hmac.compare_digest(
            given.encode(), secret.get_secret_value().encode()
        ):
            self.set_status(403)
            self.finish({"ok": False, "description": "forbidden"})
            return
        try:
            body = json.loads(self.request.body or b"null")
        except ValueError:
            self.set_status(400)
            self.finish({"ok": False, "description": "bad json"})
            return
        try:
            await self.channel.receive(body)
        except Exception:
            log.warning("zalo: webhook update not stored; Zalo will send it again")
            self.set_status(500)
            self.finish({"ok": False, "description": "try again"})
            return
        self.finish({"ok": True})
