"""The Zalo Official Account channel (the OA Open API over httpx; the only module that speaks to
a commune's OA).

In: a webhook only (the OA has no polling), at the path of ZALO_OA_WEBHOOK_URL. Each request's
``X-ZEvent-Signature`` must be ``mac=`` + sha256(app id + raw body + the body's timestamp + the
OA secret key), compared in constant time, and its timestamp within a day of our clock
(a replay after the inbox forgot its id is refused); anything else is refused with 403 and
never processed. An event is stored (the conveyor's inbox) before the webhook answers 200, within
Zalo's 2 seconds; a redelivery (same ``msg_id``) adds nothing. Handled events: a person's text
(a pressed ``oa.query.show`` button comes back as the text of its payload), image and file
(downloaded into ``files_dir/incoming``), sticker and others (answered politely), follow (as
``/start``: a stranger is asked for the invite code, a member sees the menu) and unfollow
(recorded, not answered). Every event from a person records their last interaction.

Out: text split at 2,000 characters; options as ``oa.query.show`` buttons (at most five to a
message, spread evenly over the question's and one more "Hoặc chọn:"; each button's payload
is the option's label, which the engine maps back), numbered text for longer lists or when
the platform refuses buttons; images (made to fit as JPEG when needed) and PDF or Word files
are uploaded, then sent by attachment id or file token; other files (the digest's workbook,
anything over 5 MB) go as a signed link served under the webhook's path. Replies go as
consultation messages. A push (reminder, digest) is only sent that way within the messaging
window after the person's last interaction (ZALO_OA_WINDOW_HOURS, Zalo's 7 days); outside it,
a reminder goes as its ZNS template when one is configured for its topic, and otherwise the
push is `Unreachable`: the dispatcher sends it by the member's other chats and the staff digest
shows it as not sent over Zalo OA. Tokens: `bot/channels/zalo_oa_tokens.py`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import logging
import mimetypes
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web
from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.channels.base import SendError, Unreachable
from bot.channels.common import numbered, split_text, units
from bot.channels.conveyor import Conveyor, Stored
from bot.channels.download import fetch
from bot.channels.file_links import FILES_ROUTE, FileHandler, FileLinks, link_secret
from bot.channels.zalo_oa_api import NOT_SENT, TOKEN_REFUSED, OaApi, OaError
from bot.channels.zalo_oa_tokens import OaTokens, TokenBroken, TokenUnavailable
from bot.pace import SharedPace
from bot.settings import Settings
from handlers.clock import Clock
from handlers.engine import Engine
from handlers.types import Attachment, Incoming, MessageKind, Option, Reply
from locales import gettext, use_locale
from storage import contacts
from storage.access import unit_by_code
from storage.models import ChatBinding, Member
from storage.outbox import enqueue

log = logging.getLogger(__name__)

CHANNEL = "zalo_oa"
TEXT_LIMIT = 2000
BUTTONS_MAX = 5
# more choices than fit in this many messages of buttons go as numbered lines
BUTTON_MESSAGES_MAX = 2
BUTTON_TITLE_LIMIT = 100
BUTTON_PAYLOAD_LIMIT = 1000
# what the OA's uploads take: png/jpeg images up to 1 MB; PDF and Word files up to 5 MB
IMAGE_LIMIT = 1024 * 1024
FILE_LIMIT = 5 * 1024 * 1024
OA_IMAGES = frozenset({"image/png", "image/jpeg"})
OA_DOCUMENTS = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)
# the longest side of an image made to fit the OA's upload, before it is shrunk further
IMAGE_SIDE_MAX = 2048
SIGNATURE_HEADER = "X-ZEvent-Signature"
# a signed event is taken only this close to its own timestamp: Zalo redelivers an event it
# got no 200 for during about 12 hours; the inbox remembers message ids for 7 days
EVENT_AGE_MAX = timedelta(hours=24)
CLOCK_SKEW_MAX = timedelta(minutes=10)
KEEP_FRESH_SECONDS = 600.0
# waits after errors that say "later": the app's call limit, a token that is being fixed
RATE_LIMITED_WAIT = 10.0
NO_TOKEN_WAIT = 600.0
TOKEN_RETRY_WAIT = 30.0

# the person is out of the OA's reach for consultation messages (window passed, unfollowed,
# inactive on Zalo, restricted this message type)
OUT_OF_REACH = frozenset({-230, -232, -213, -227, -244, -217})
# a template send that cannot go now or ever (not allowed, no balance, over the daily limit,
# refused by the person): the push goes by other chats instead
TEMPLATE_UNAVAILABLE = frozenset(
    {-115, -135, -1351, -139, -140, -141, -144, -145, -146, -147, -1471, -1472}
)
# a template that may not go between 22:00 and 6:00: it waits for the morning
NOT_AT_NIGHT = -234
MORNING_HOUR = 6
# a message with buttons refused as malformed: sent again as numbered lines
BUTTONS_REFUSED = frozenset({-201, -210, -233})
# the request is wrong as it is: sending it again cannot help
REFUSED = frozenset({-201, -210, -233, -248, -109, -1121, -1122, -131, -117, -114, -119})
USER_EVENTS = frozenset(
    {
        "user_send_text",
        "user_send_image",
        "user_send_file",
        "user_send_sticker",
        "user_send_gif",
        "user_send_audio",
        "user_send_video",
        "user_send_link",
        "user_send_location",
        "user_send_business_card",
    }
)


def signature(app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    """The ``X-ZEvent-Signature`` Zalo sends with `body`."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret_key.encode())
    return "mac=" + digest.hexdigest()


def signed(app_id: str, body: bytes, given: str, secret_key: str) -> dict[str, Any] | None:
    """The event when `given` is its signature (compared in constant time); else None."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    expected = signature(app_id, body, str(event.get("timestamp", "")), secret_key)
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        return None
    return event


def event_time(event: Mapping[str, Any]) -> datetime | None:
    """When the event happened: its ``timestamp`` (milliseconds, signed with the body)."""
    try:
        return datetime.fromtimestamp(int(str(event.get("timestamp"))) / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def fresh(event: Mapping[str, Any], now: datetime) -> bool:
    """Whether Zalo could still be delivering the event now: not older than Zalo goes on
    redelivering (well within the time the inbox remembers message ids, so a captured request
    replayed later is refused rather than taken again), not from the future."""
    at = event_time(event)
    return at is not None and now - EVENT_AGE_MAX <= at <= now + CLOCK_SKEW_MAX


def person_of(event: Mapping[str, Any]) -> str:
    """The person an event is from (raises ValueError when it names none)."""
    who = event.get("follower") if event.get("event_name") in ("follow", "unfollow") else None
    who = who or event.get("sender") or {}
    person = str(who.get("id") or "") if isinstance(who, Mapping) else ""
    if not person:
        raise ValueError("event without a person")
    return person[:64]


def event_key(event: Mapping[str, Any]) -> str:
    """What makes a redelivery recognisable: the message id, or (a follow, which has none) a
    digest of the whole event, which a redelivery repeats exactly."""
    message = event.get("message")
    if isinstance(message, Mapping) and message.get("msg_id"):
        return str(message["msg_id"])[:64]
    canonical = json.dumps(event, sort_keys=True, ensure_ascii=False, default=str)
    return "h:" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def _first_attachment(event: Mapping[str, Any]) -> Mapping[str, Any]:
    message = event.get("message")
    found = message.get("attachments") if isinstance(message, Mapping) else None
    if isinstance(found, list) and found and isinstance(found[0], Mapping):
        payload = found[0].get("payload")
        return payload if isinstance(payload, Mapping) else {}
    return {}


def describe(event: Mapping[str, Any]) -> tuple[Incoming, Mapping[str, Any] | None]:
    """The neutral message for a stored event, and the attachment to fetch (image or file)."""
    name = str(event.get("event_name") or "")
    person = person_of(event)
    message = event.get("message") if isinstance(event.get("message"), Mapping) else {}
    assert isinstance(message, Mapping)
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "chat_id": person,
        "user_id": person,
        "update_id": event_key(event),
    }
    if name == "follow":
        return Incoming(text="/start", **base), None
    if name == "user_send_text":
        return Incoming(text=str(message.get("text") or ""), **base), None
    if name in ("user_send_image", "user_send_file"):
        extras = {"caption": str(message["text"])} if message.get("text") else {}
        return Incoming(extras=extras, **base), _first_attachment(event)
    kind: MessageKind = "unsupported"
    if name in ("user_send_sticker", "user_send_gif"):
        kind = "sticker"
    elif name == "user_send_audio":
        kind = "voice"
    return Incoming(kind=kind, **base), None


def button_groups(options: tuple[Option, ...]) -> list[tuple[Option, ...]]:
    """The options in as few messages of at most five buttons as they need, evenly (six as
    three and three: no second message with a lone button)."""
    if not options:
        return []
    count = -(-len(options) // BUTTONS_MAX)
    size = -(-len(options) // count)
    return [options[i : i + size] for i in range(0, len(options), size)]


def button_payload(option: Option) -> str:
    """What a button sends back as the person's message: the option's label (shown in the chat
    as their answer), which the engine maps to the option."""
    return option.label[:BUTTON_PAYLOAD_LIMIT]


def buttons(options: tuple[Option, ...]) -> list[dict[str, str]]:
    """The options as ``oa.query.show`` buttons."""
    out = []
    for option in options:
        title = option.label
        if len(title) > BUTTON_TITLE_LIMIT:
            title = title[: BUTTON_TITLE_LIMIT - 1].rstrip() + "…"
        out.append({"title": title, "type": "oa.query.show", "payload": button_payload(option)})
    return out


def as_jpeg(data: bytes, limit: int) -> bytes | None:
    """The image as a JPEG of at most `limit` bytes (upright, shrunk as needed); None when
    the data is not an image Pillow can read."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    image.thumbnail((IMAGE_SIDE_MAX, IMAGE_SIDE_MAX))
    while True:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, optimize=True)
        if out.tell() <= limit or min(image.size) <= 64:
            return out.getvalue() if out.tell() <= limit else None
        image = image.resize((image.width * 3 // 4, image.height * 3 // 4))


def until_morning(now: datetime, zone: ZoneInfo) -> float:
    """Seconds from `now` to the next 6:00 local time."""
    local = now.astimezone(zone)
    morning = local.replace(hour=MORNING_HOUR, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    return (morning - local).total_seconds()


def document_mime(attachment: Attachment) -> str:
    """The document's type, by its name when what it was given is vague."""
    if attachment.mime in OA_DOCUMENTS:
        return attachment.mime
    return mimetypes.guess_type(attachment.filename or "")[0] or attachment.mime


def template_data(settings: Settings, topic: str, values: Mapping[str, Any]) -> dict[str, str]:
    """A ZNS template's parameters from a reminder's values: by our names, or as mapped by
    ZALO_ZNS_PARAMS_<TOPIC> (template parameter → our value); each cut to the parameter
    length templates allow."""
    mapping = getattr(settings, f"zalo_zns_params_{topic}", None) or {name: name for name in values}
    limit = max(2, settings.zalo_zns_param_max)
    data = {}
    for param, ours in mapping.items():
        text = " ".join(str(values.get(ours, "")).split())
        data[param] = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return data


def _send_error(error: OaError | httpx.HTTPError) -> SendError:
    if isinstance(error, NOT_SENT):
        return SendError(f"network: {type(error).__name__}")
    if isinstance(error, httpx.HTTPError):
        # the request went out and no answer came back: Zalo may have delivered it
        return SendError(f"network: {type(error).__name__}", in_doubt=True)
    if error.http is not None:
        if error.http == 429:
            return SendError(str(error), retry_after=5.0)
        return SendError(str(error), permanent=400 <= error.http < 500)
    if error.code == -32:
        return SendError(str(error), retry_after=RATE_LIMITED_WAIT)
    if error.code in REFUSED or error.code in OUT_OF_REACH:
        return SendError(str(error), permanent=True)
    return SendError(str(error))


class OaSender:
    """Sends neutral replies to a person following the OA (implements `Sender`)."""

    channel = CHANNEL

    def __init__(
        self,
        api: OaApi,
        tokens: OaTokens,
        settings: Settings,
        engine: Engine,
        links: FileLinks | None = None,
    ) -> None:
        self.api = api
        self.tokens = tokens
        self.settings = settings
        self.links = links
        self.sessions = engine.sessions
        self.clock = engine.clock
        self.rate_per_second = settings.zalo_oa_rate_per_second
        self.rate_per_chat = settings.zalo_oa_rate_per_chat
        self.window = timedelta(hours=settings.zalo_oa_window_hours)
        # the app's pace shared with other processes (set by the channel)
        self.pace: SharedPace | None = None

    async def send(
        self, chat_id: str, reply: Reply, by_number: bool = False, as_reply: bool = False
    ) -> str | None:
        """Sends the reply; returns the last message id. `as_reply`: the answer to the person's
        message (always within the window); a push outside the window goes as its template or
        raises Unreachable."""
        try:
            if not as_reply and not await self.in_window(chat_id):
                return await self._outside(chat_id, reply, "outside the messaging window")
            try:
                return await self._deliver(chat_id, reply, by_number, as_reply)
            except OaError as error:
                if as_reply or error.code not in OUT_OF_REACH:
                    raise
                return await self._outside(chat_id, reply, f"refused: {error.code}")
        except TokenBroken as error:
            raise SendError(f"no access token: {error}", retry_after=NO_TOKEN_WAIT) from error
        except TokenUnavailable as error:
            # nothing was sent: the message waits for the OAuth server to answer again
            raise SendError(f"token refresh: {error}", retry_after=TOKEN_RETRY_WAIT) from error
        except (OaError, httpx.HTTPError) as error:
            raise _send_error(error) from error
        except OSError as error:
            raise SendError(f"attachment unreadable: {error}", permanent=True) from error

    async def in_window(self, chat_id: str) -> bool:
        """Whether the person interacted (and still follows) recently enough for the OA to
        message them freely."""
        async with self.sessions() as session:
            seen = await contacts.contact(session, CHANNEL, chat_id)
        if seen is None or not seen.following:
            return False
        return self.clock.now() - seen.last_interaction_at < self.window

    async def _outside(self, chat_id: str, reply: Reply, why: str) -> str | None:
        """A push the OA may not send as a message: its ZNS template, or Unreachable."""
        notice = reply.notice or {}
        topic = str(notice.get("topic") or "")
        template = getattr(self.settings, f"zalo_zns_template_{topic}", None) if topic else None
        if not template:
            raise Unreachable(why)
        values = notice.get("values") if isinstance(notice.get("values"), Mapping) else {}
        assert isinstance(values, Mapping)
        body = {
            "user_id": chat_id,
            "template_id": template,
            "template_data": template_data(self.settings, topic, values),
        }
        try:
            data = await self._call(chat_id, "/v3.0/oa/message/template", body, as_reply=False)
        except OaError as error:
            if error.code == NOT_AT_NIGHT:
                wait = until_morning(self.clock.now(), ZoneInfo(self.settings.timezone))
                raise SendError(str(error), retry_after=wait) from error
            if error.code in REFUSED | OUT_OF_REACH | TEMPLATE_UNAVAILABLE:
                raise Unreachable(f"{why}; template refused: {error.code}") from error
            raise
        return _message_id(data)

    async def _deliver(
        self, chat_id: str, reply: Reply, by_number: bool, as_reply: bool
    ) -> str | None:
        options = reply.options
        groups = button_groups(options)
        with_buttons = 0 < len(groups) <= BUTTON_MESSAGES_MAX
        text = reply.text
        if options and not with_buttons:
            text = numbered(text, options, by_number)
        last: str | None = None
        if reply.attachment is not None:
            fits = bool(text) and not with_buttons and units(text) <= TEXT_LIMIT
            caption = text if fits else ""
            last = await self._attachment(chat_id, reply.attachment, caption, as_reply)
            text = "" if fits else text
        chunks = split_text(text, TEXT_LIMIT) if text else ([""] if with_buttons else [])
        for n, chunk in enumerate(chunks):
            if with_buttons and n == len(chunks) - 1:
                break
            last = _message_id(await self._message(chat_id, {"text": chunk}, as_reply)) or last
        if not with_buttons:
            return last
        # the question with its first buttons, then the others under "Hoặc chọn:"
        texts = [chunks[-1] or "…"] + [gettext("channels.more_choices")] * (len(groups) - 1)
        for n, (words, group) in enumerate(zip(texts, groups, strict=True)):
            message = {
                "text": words,
                "attachment": {"type": "template", "payload": {"buttons": buttons(group)}},
            }
            try:
                sent = await self._message(chat_id, message, as_reply)
            except OaError as error:
                if error.code not in BUTTONS_REFUSED:
                    raise
                # the platform will not take these buttons: the choices as lines to answer
                left = tuple(option for group in groups[n:] for option in group)
                words = words if n == 0 else ""
                lines = numbered(words, left, by_number and n == 0)
                sent = await self._message(chat_id, {"text": lines}, as_reply)
                return _message_id(sent) or last
            last = _message_id(sent) or last
        return last

    async def _attachment(
        self, chat_id: str, attachment: Attachment, caption: str, as_reply: bool
    ) -> str | None:
        """Uploads the file and sends it (an image by attachment id with the caption as its
        text; a PDF or Word file by file token, the caption then going as its own message).
        An image the OA will not take as it is goes as a JPEG made to fit; anything else it
        cannot carry (a workbook, a file over 5 MB) goes as a link to download it."""
        data = await asyncio.to_thread(attachment.path.read_bytes)
        if attachment.kind == "photo" or attachment.mime.startswith("image/"):
            if attachment.mime not in OA_IMAGES or len(data) > IMAGE_LIMIT:
                fitted = await asyncio.to_thread(as_jpeg, data, IMAGE_LIMIT)
                if fitted is not None:
                    data = fitted
                    name = Path(attachment.filename or attachment.path.name).stem + ".jpg"
                    attachment = replace(attachment, filename=name, mime="image/jpeg")
            if attachment.mime in OA_IMAGES and len(data) <= IMAGE_LIMIT:
                uploaded = await self._upload("image", attachment, data)
                element = {
                    "media_type": "image",
                    "attachment_id": uploaded.get("attachment_id", ""),
                }
                message: dict[str, Any] = {
                    "attachment": {
                        "type": "template",
                        "payload": {"template_type": "media", "elements": [element]},
                    }
                }
                if caption:
                    message["text"] = caption
                return _message_id(await self._message(chat_id, message, as_reply))
        elif document_mime(attachment) in OA_DOCUMENTS and len(data) <= FILE_LIMIT:
            attachment = replace(attachment, mime=document_mime(attachment))
            if caption:
                await self._message(chat_id, {"text": caption}, as_reply)
            uploaded = await self._upload("file", attachment, data)
            file = {"type": "file", "payload": {"token": uploaded.get("token", "")}}
            return _message_id(await self._message(chat_id, {"attachment": file}, as_reply))
        return await self._link(chat_id, attachment, caption, as_reply)

    async def _link(
        self, chat_id: str, attachment: Attachment, caption: str, as_reply: bool
    ) -> str | None:
        """A file the OA cannot carry: a link to download it from our server (or, with no
        public address, a word that it could not be sent here)."""
        if self.links is None:
            note = gettext("channels.file_unavailable", name=attachment.filename)
        else:
            url = self.links.url(attachment)
            hours = self.links.hours
            note = gettext("channels.file_link", name=attachment.filename, url=url, hours=hours)
        last = None
        for chunk in split_text(f"{caption}\n\n{note}" if caption else note, TEXT_LIMIT):
            last = _message_id(await self._message(chat_id, {"text": chunk}, as_reply)) or last
        return last

    async def _upload(self, kind: str, attachment: Attachment, data: bytes) -> dict[str, Any]:
        files = {"file": (attachment.filename or attachment.path.name, data, attachment.mime)}
        return await self._with_token(
            lambda token: self.api.call("POST", f"/v2.0/oa/upload/{kind}", token, files=files)
        )

    async def _message(
        self, chat_id: str, message: dict[str, Any], as_reply: bool
    ) -> dict[str, Any]:
        body = {"recipient": {"user_id": chat_id}, "message": message}
        return await self._call(chat_id, "/v3.0/oa/message/cs", body, as_reply)

    async def _call(
        self, chat_id: str, path: str, body: dict[str, Any], as_reply: bool
    ) -> dict[str, Any]:
        """One message: waits its turn in the app's shared pace, then calls."""
        if self.pace is not None:
            await self.pace.wait(chat_id, as_reply)
        return await self._with_token(lambda token: self.api.call("POST", path, token, json=body))

    async def _with_token(self, call: Any) -> dict[str, Any]:
        """Calls with the access token; a token refused before its time is refreshed once."""
        token = await self.tokens.access()
        try:
            result: dict[str, Any] = await call(token)
        except OaError as error:
            if error.code not in TOKEN_REFUSED:
                raise
            token = await self.tokens.access(refused=token)
            result = await call(token)
        return result


def _message_id(data: Mapping[str, Any]) -> str | None:
    found = data.get("message_id") or data.get("msg_id")
    return str(found) if found else None


class ZaloOaChannel:
    """The running OA channel: its webhook server, the conveyor, the token kept fresh."""

    name = CHANNEL

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        clock: Clock,
        db: AsyncEngine,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not settings.zalo_oa_enabled:
            raise ValueError(
                "ZALO_OA_APP_ID, ZALO_OA_SECRET_KEY, ZALO_OA_APP_SECRET and "
                "ZALO_OA_REFRESH_TOKEN are all needed"
            )
        assert settings.zalo_oa_app_id and settings.zalo_oa_app_secret is not None
        assert settings.zalo_oa_refresh_token is not None
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.api = OaApi(
            settings.zalo_oa_api_base,
            settings.zalo_oa_oauth_base,
            settings.zalo_oa_app_id,
            settings.zalo_oa_app_secret.get_secret_value(),
            client,
            settings.send_timeout_seconds,
        )
        self.tokens = OaTokens(
            db,
            engine.sessions,
            engine.clock,
            self.api,
            settings.zalo_oa_refresh_token.get_secret_value(),
            timedelta(minutes=settings.zalo_oa_refresh_margin_minutes),
            on_broken=self.report_broken,
        )
        # files the OA cannot carry are linked under the webhook's own address
        self.links = (
            FileLinks(
                settings.zalo_oa_webhook_url.rstrip("/"),
                link_secret(settings, settings.zalo_oa_app_secret.get_secret_value()),
                clock,
                settings.file_link_hours,
            )
            if settings.zalo_oa_webhook_url
            else None
        )
        self.sender = OaSender(self.api, self.tokens, settings, engine, self.links)
        self.sender.pace = SharedPace(
            engine.sessions,
            engine.clock,
            CHANNEL,
            settings.zalo_oa_app_id,
            settings.zalo_oa_rate_per_second,
            settings.zalo_oa_rate_per_chat,
        )
        self.conveyor = Conveyor.of(CHANNEL, engine, self.decode, self._send)
        self.server: tornado.httpserver.HTTPServer | None = None
        self.port: int | None = None
        self._fresh: asyncio.Task[None] | None = None

    # Running ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Stores the configured refresh token (unless it rotated since), resumes what a
        previous run left, serves the webhook and keeps the access token fresh."""
        if not self.settings.zalo_oa_webhook_url:
            raise ValueError("ZALO_OA_WEBHOOK_URL is required: the OA has no polling")
        await self.tokens.start()
        await self.conveyor.start()
        self._serve()
        self._fresh = asyncio.create_task(self._keep_fresh())
        log.info("zalo_oa: webhook on port %s", self.port)

    async def stop(self) -> None:
        """Stops the server and the refresher, lets the chats in hand finish, disconnects."""
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self._fresh is not None:
            self._fresh.cancel()
            await asyncio.gather(self._fresh, return_exceptions=True)
        await self.conveyor.stop()
        await self.api.close()

    def _serve(self) -> None:
        assert self.settings.zalo_oa_webhook_url is not None
        path = urlparse(self.settings.zalo_oa_webhook_url).path.rstrip("/") or ""
        application = tornado.web.Application(
            [
                (rf"{re.escape(path)}/?", _WebhookHandler, {"channel": self}),
                (re.escape(path) + FILES_ROUTE, FileHandler, {"links": self.links}),
            ]
        )
        sockets = tornado.netutil.bind_sockets(
            self.settings.zalo_oa_webhook_port, self.settings.zalo_oa_webhook_listen
        )
        self.port = sockets[0].getsockname()[1]
        self.server = tornado.httpserver.HTTPServer(application, max_body_size=1024 * 1024)
        self.server.add_sockets(sockets)

    async def _keep_fresh(self) -> None:
        """Refreshes the access token before it expires even when nothing is sent (a refresh
        token unused for three months dies)."""
        while True:
            try:
                await self.tokens.access()
            except (TokenBroken, TokenUnavailable):
                pass  # logged where it happened; sends wait meanwhile
            except Exception:
                log.warning("zalo_oa: the token check failed", exc_info=True)
            await asyncio.sleep(KEEP_FRESH_SECONDS)

    # In --------------------------------------------------------------------------------------

    async def receive(self, event: Mapping[str, Any]) -> bool:
        """Records the person's interaction and stores the event for handling (raises when it
        could not be stored); False for events that need no answer."""
        name = str(event.get("event_name") or "")
        if name not in USER_EVENTS and name not in ("follow", "unfollow"):
            return False
        try:
            person = person_of(event)
        except ValueError:
            log.warning("zalo_oa: an event without a person was dropped")
            return False
        following = True if name == "follow" else False if name == "unfollow" else None
        # the interaction counts from when it happened (a redelivery arrives later)
        now = self.clock.now()
        at = min(event_time(event) or now, now)
        async with self.engine.sessions() as session, session.begin():
            await contacts.touch(session, CHANNEL, person, at, following)
        if name == "unfollow":
            return False
        await self.conveyor.receive([Stored(event_key(event), person, dict(event))])
        return True

    async def decode(self, payload: Mapping[str, Any]) -> Incoming:
        """The neutral message for a stored event (an image or file is downloaded; raises
        FileProblem)."""
        incoming, file = describe(payload)
        if file is None:
            return incoming
        return await self._with_file(incoming, file, str(payload.get("event_name")))

    async def _with_file(self, incoming: Incoming, file: Mapping[str, Any], event: str) -> Incoming:
        url = str(file.get("url") or file.get("thumbnail") or "")
        declared = str(file.get("name") or "")
        name = f"zalo_oa-{incoming.update_id or 'file'}".replace("/", "_")[:80]
        target = self.settings.files_dir / "incoming" / name
        mime = await fetch(self.api.client, url, target, self.settings.max_file_bytes)
        kind: Literal["photo", "document"] = "photo"
        if event == "user_send_file":
            mime = mimetypes.guess_type(declared)[0] or mime or "application/octet-stream"
            kind = "photo" if mime.startswith("image/") else "document"
            filename = Path(declared).name or f"tep-{incoming.update_id}"
        else:
            mime = mime if mime.startswith("image/") else "image/jpeg"
            filename = f"photo-{incoming.update_id}{mimetypes.guess_extension(mime) or '.jpg'}"
        return replace(incoming, attachments=(Attachment(kind, target, filename, mime),))

    # Out -------------------------------------------------------------------------------------

    async def _send(self, chat_id: str, reply: Reply, payload: Mapping[str, Any]) -> str | None:
        """Sends one recorded reply; words this adapter adds are in the reply's language."""
        with use_locale(payload.get("locale")):
            return await self.sender.send(
                chat_id, reply, bool(payload.get("by_number")), as_reply=True
            )

    async def report_broken(self, reason: str, token_id: str) -> None:
        """Tells staff once (per refused refresh token `token_id`), on their other chats, that
        the OA lost its grant."""
        async with self.engine.sessions() as session, session.begin():
            staff = await _staff(session, self.settings)
            now = self.clock.now()
            key = f"zalo_oa:token:{token_id}"
            for member, binding in staff:
                text = gettext("channels.oa_token_broken", lang=member.locale)
                await enqueue(
                    session,
                    f"{key}:b{binding.id}",
                    binding.id,
                    "notice",
                    {"text": text, "options": []},
                    now,
                    now,
                )


async def _staff(session: AsyncSession, settings: Settings) -> list[tuple[Member, ChatBinding]]:
    """Staff and admins to tell about the OA (of ZALO_OA_UNIT when set), with their chats on
    other channels."""
    query = (
        select(Member, ChatBinding)
        .join(ChatBinding, ChatBinding.member_id == Member.id)
        .where(
            Member.active.is_(True),
            Member.role.in_(("staff", "admin")),
            ChatBinding.blocked_at.is_(None),
            ChatBinding.channel != CHANNEL,
        )
        .order_by(ChatBinding.id)
    )
    if settings.zalo_oa_unit:
        unit = await unit_by_code(session, settings.zalo_oa_unit)
        if unit is not None:
            query = query.where(Member.unit_id == unit.id)
    return [(member, binding) for member, binding in (await session.execute(query)).tuples()]


class _WebhookHandler(tornado.web.RequestHandler):
    """Takes Zalo's POSTs: a wrong or missing signature gets 403 and nothing else; a signed
    event is answered 200 once stored (500 when it could not be: Zalo sends it again)."""

    def initialize(self, channel: ZaloOaChannel) -> None:
        self.channel = channel

    def check_xsrf_cookie(self) -> None:
        return None

    def get(self) -> None:
        self.finish("ok")

    async def post(self) -> None:
        settings = self.channel.settings
        secret = settings.zalo_oa_secret_key
        assert secret is not None and settings.zalo_oa_app_id
        event = signed(
            settings.zalo_oa_app_id,
            self.request.body,
            self.request.headers.get(SIGNATURE_HEADER, ""),
            secret.get_secret_value(),
        )
        if event is None:
            log.warning("zalo_oa: a webhook request without a valid signature was refused")
        elif not fresh(event, self.channel.clock.now()):
            log.warning("zalo_oa: a signed event too old or from the future was refused")
            event = None
        if event is None:
            self.set_status(403)
            self.finish({"error": 403, "message": "forbidden"})
            return
        try:
            await self.channel.receive(event)
        except Exception:
            log.warning("zalo_oa: an event was not stored; Zalo will send it again")
            self.set_status(500)
            self.finish({"error": 500, "message": "try again"})
            return
        self.finish({"error": 0, "message": "Success"})
