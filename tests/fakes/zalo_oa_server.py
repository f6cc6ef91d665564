"""A fake Zalo Official Account platform on 127.0.0.1 (standard library, in a thread): the OAuth
server, the Open API and the webhook sender, written from the documented shapes (README "Zalo
Official Account" says which are verified: none, here).

OAuth: ``POST /v4/oa/access_token`` (form-encoded, the app secret in a ``secret_key`` header,
``grant_type=refresh_token``) answers a new access token (``expires_in`` "90000", a string) and
a new refresh token; the refresh token it was given dies. A dead or unknown refresh token gets
``{"error": -14014, "error_name": "Invalid refresh token."}`` with HTTP 200.

Open API (``access_token`` header; ``{"error": 0, "message": "Success", "data": ...}``, errors
with HTTP 200): ``POST /v3.0/oa/message/cs`` (text ≤ 2,000; ``template`` attachments with ≤ 5
``buttons`` or a ``media`` element by ``attachment_id``; ``file`` attachments by ``token``),
refused with -230 when the person's last interaction is older than the window (7 days) and
-213 after an unfollow; ``POST /v3.0/oa/message/template`` (a registered ZNS template by
``user_id``: -109 unknown template, -1122 a parameter missing); ``POST /v2.0/oa/upload/image``
(png/jpeg ≤ 1 MB → ``attachment_id``) and ``/v2.0/oa/upload/file`` (PDF, DOC or DOCX only,
≤ 5 MB → ``token``; any other type -201, our guess at the code).
A wrong or expired access token gets -216.

Webhook: events (``user_send_text``, ``user_send_image``, ``user_send_file``, ``follow``,
``unfollow``) as Zalo posts them, signed ``X-ZEvent-Signature: mac=`` + sha256(app id + body +
timestamp + OA secret key), pushed one at a time and again until answered 200. A pressed
``oa.query.show`` button is the person sending its payload as text.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.fakes.base import Call, FakeHandler, FakeServer

APP_ID = "3608465248940903967"
APP_SECRET = "app-secret-TEST-4711"
OA_SECRET = "oa-secret-key-TEST-0815"
OA_ID = "388613280878808645"
REFRESH_TOKEN = "refresh-TEST-0"
ACCESS_LIFE = 90000
WINDOW_SECONDS = 7 * 24 * 3600
# the text of a message that carries a question's further buttons
CONTINUED = ("Hoặc chọn:", "Or choose:")
IMAGE_TYPES = ("image/png", "image/jpeg")
DOCUMENT_TYPES = (
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
BUTTON_TYPES = ("oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.sms", "oa.open.phone")


def sign(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    return (
        "mac="
        + hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()
    )


def _error(code: int, message: str) -> dict[str, Any]:
    return {"error": code, "message": message}


class FakeZaloOa(FakeServer):
    """Start with `with FakeZaloOa() as oa:`; `oa.base_url` is both ZALO_OA_API_BASE and
    ZALO_OA_OAUTH_BASE."""

    name = "fake Zalo OA"
    sends = ("message/cs", "message/template")

    def __init__(self, refresh_token: str = REFRESH_TOKEN) -> None:
        super().__init__("")
        self.app_id, self.app_secret, self.oa_secret = APP_ID, APP_SECRET, OA_SECRET
        self.refresh_tokens = {refresh_token}
        self.access_tokens: dict[str, float] = {}
        self.access_life = ACCESS_LIFE
        self.last_interaction: dict[str, float] = {}
        self.unfollowed: set[str] = set()
        self.templates: dict[str, tuple[str, ...]] = {}
        self.uploads: dict[str, tuple[str, str, bytes]] = {}
        self.cdn: dict[str, bytes] = {}
        self.failures: dict[str, list[tuple[int, str]]] = {}
        self.pushed = 0
        self._serial = itertools.count(1)
        self._closed = threading.Event()
        self._target: str | None = None
        # the time events carry (tests set the bot's clock)
        self.now: Callable[[], float] = time.time

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        super().__exit__(*exc)

    # Scripting -------------------------------------------------------------------------------

    def event(self, name: str, user: str, **message: Any) -> dict[str, Any]:
        """An event as Zalo posts it (ids and the timestamp as strings)."""
        stamp = str(int(self.now() * 1000) + next(self._serial))
        body: dict[str, Any] = {
            "app_id": self.app_id,
            "user_id_by_app": f"app-{user}",
            "event_name": name,
            "timestamp": stamp,
        }
        if name in ("follow", "unfollow"):
            body |= {"oa_id": OA_ID, "follower": {"id": user}, "source": "oa_profile"}
        else:
            body |= {"sender": {"id": user}, "recipient": {"id": OA_ID}}
            body["message"] = {"msg_id": message.pop("msg_id", None) or f"m{stamp}"} | message
        return body

    def deliver(self, event: dict[str, Any]) -> str:
        """Queues the event for the webhook; returns its message id ("" for a follow). Sending
        it counts as the person's interaction (following again too)."""
        user = (event.get("sender") or event.get("follower") or {}).get("id", "")
        with self._cond:
            if event["event_name"] == "unfollow":
                self.unfollowed.add(user)
            else:
                self.unfollowed.discard(user)
                self.last_interaction[user] = time.time()
            self.updates.append(event)
            self._cond.notify_all()
        return str((event.get("message") or {}).get("msg_id", ""))

    def text(self, user: str, text: str, msg_id: str | None = None) -> str:
        return self.deliver(self.event("user_send_text", user, text=text, msg_id=msg_id))

    def press(self, user: str, payload: str) -> str:
        """A tap on an ``oa.query.show`` button: its payload comes as the person's text."""
        return self.text(user, payload)

    def image(self, user: str, data: bytes, caption: str = "") -> str:
        name = f"img{next(self._ids)}.jpg"
        self.cdn[name] = data
        url = f"{self.base_url}/cdn/{name}"
        attachment = {"type": "image", "payload": {"thumbnail": url, "url": url}}
        extra = {"text": caption} if caption else {}
        return self.deliver(self.event("user_send_image", user, attachments=[attachment], **extra))

    def file(self, user: str, data: bytes, name: str) -> str:
        key = f"f{next(self._ids)}"
        self.cdn[key] = data
        payload = {
            "url": f"{self.base_url}/cdn/{key}",
            "size": str(len(data)),
            "name": name,
            "checksum": hashlib.md5(data).hexdigest(),
            "type": name.rpartition(".")[2],
        }
        return self.deliver(
            self.event("user_send_file", user, attachments=[{"type": "file", "payload": payload}])
        )

    def follow(self, user: str) -> None:
        self.deliver(self.event("follow", user))

    def unfollow(self, user: str) -> None:
        self.deliver(self.event("unfollow", user))

    def age(self, user: str, days: float) -> None:
        """The person's last interaction moves `days` into the past."""
        with self._cond:
            self.last_interaction[user] = (
                self.last_interaction.get(user, time.time()) - days * 86400
            )

    def register_template(self, template_id: str, *params: str) -> None:
        self.templates[template_id] = params

    def revoke(self) -> None:
        """The OA admin removed the app: every refresh token and access token dies."""
        with self._cond:
            self.refresh_tokens.clear()
            self.access_tokens.clear()

    def expire_access(self) -> None:
        """Every access token handed out stops working (before its stated expiry)."""
        with self._cond:
            self.access_tokens.clear()

    def fail(self, method: str, code: int, message: str = "", times: int = 1) -> None:
        with self._cond:
            self.failures.setdefault(method, []).extend([(code, message)] * times)

    def push_to(self, url: str) -> None:
        """Posts queued events to the webhook at `url`, one at a time, each again until it is
        answered 200 (the bot may be down: retried)."""
        self._target = url
        threading.Thread(target=self._push_forever, daemon=True).start()

    def post(self, url: str, event: dict[str, Any], signature: str | None = None) -> int:
        """Posts one event now (signed, unless `signature` is given: "" sends none); returns
        the HTTP status."""
        body = json.dumps(event, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        mac = sign(self.app_id, body, str(event.get("timestamp", "")), self.oa_secret)
        mac = mac if signature is None else signature
        if mac:
            headers["X-ZEvent-Signature"] = mac
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    async def apost(self, url: str, event: dict[str, Any], signature: str | None = None) -> int:
        """`post` for tests whose bot runs in the same event loop."""
        return await asyncio.to_thread(self.post, url, event, signature)

    def _push_forever(self) -> None:
        assert self._target is not None
        while not self._closed.is_set():
            with self._cond:
                if not self.updates:
                    self._cond.wait(0.2)
                    continue
                event = self.updates[0]
            try:
                ok = self.post(self._target, event) == 200
            except OSError:
                ok = False
            if ok:
                with self._cond:
                    if self.updates and self.updates[0] is event:
                        self.updates.pop(0)
                    self.pushed += 1
                    self._cond.notify_all()
            else:
                self._closed.wait(0.3)

    # Reading what the bot did ----------------------------------------------------------------

    def sent(self, chat_id: int | str) -> list[Call]:
        with self._cond:
            return [
                c
                for c in self.calls
                if c.method in self.sends and _recipient(c.params) == str(chat_id)
            ]

    def texts(self, chat_id: int | str) -> list[str]:
        return [_text_of(c) for c in self.sent(chat_id)]

    def delivered(self, chat_id: int | str) -> list[str]:
        return [_text_of(c) for c in self.sent(chat_id) if c.delivered]

    def buttons(self, chat_id: int | str) -> list[dict[str, Any]]:
        """The buttons offered last: those of the latest message to the chat that had any,
        with the message before it when that one continued it ("Hoặc chọn:")."""
        found: list[dict[str, Any]] = []
        for call in reversed(self.sent(chat_id)):
            mine = _buttons(call.params)
            if mine:
                found = mine + found
                if _text_of(call) not in CONTINUED:
                    break
            elif found:
                break
        return found

    # Serving ---------------------------------------------------------------------------------

    def _take_failure(self, method: str) -> tuple[int, dict[str, Any]] | None:
        queue = self.failures.get(method) or []
        if not queue:
            return None
        code, message = queue.pop(0)
        if code >= 400:
            return code, _error(code, message or "HTTP error")
        return 200, _error(code, message or "failed")

    def _too_many(self) -> tuple[int, dict[str, Any]]:
        return 200, _error(-32, "Your OA reached limit call api")

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        if call.method == "access_token":
            return self._oauth(call.params)
        token = call.params.pop("_access_token", "")
        if self.access_tokens.get(token, 0) < time.monotonic():
            return 200, _error(-216, "Access token is invalid")
        if call.method == "upload/image":
            return self._upload(call, "image", 1024 * 1024)
        if call.method == "upload/file":
            return self._upload(call, "file", 5 * 1024 * 1024)
        if call.method == "message/cs":
            return self._cs(call.params)
        if call.method == "message/template":
            return self._template(call.params)
        return 404, _error(404, "Not found")

    def _oauth(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if params.get("_secret_key") != self.app_secret or params.get("app_id") != self.app_id:
            return 200, {"error": -14002, "error_name": "Invalid appId", "error_reason": ""}
        if params.get("grant_type") != "refresh_token":
            return 200, {"error": -14001, "error_name": "Invalid grant_type"}
        spent = params.get("refresh_token", "")
        with self._cond:
            if spent not in self.refresh_tokens:
                return 200, {"error": -14014, "error_name": "Invalid refresh token."}
            self.refresh_tokens.discard(spent)
            fresh = f"refresh-{next(self._serial)}-{spent[-6:]}"
            access = f"access-{next(self._serial)}"
            self.refresh_tokens.add(fresh)
            self.access_tokens[access] = time.monotonic() + self.access_life
        return 200, {
            "access_token": access,
            "refresh_token": fresh,
            "expires_in": str(self.access_life),
        }

    def _upload(self, call: Call, kind: str, limit: int) -> tuple[int, dict[str, Any]]:
        if "file" not in call.files:
            return 200, _error(-201, "file is invalid!")
        name, data = call.files["file"]
        mime = call.params.get("_file_mime", "")
        if len(data) > limit:
            return 200, _error(-210, "Parameter exceeds allowable limit")
        if mime not in (IMAGE_TYPES if kind == "image" else DOCUMENT_TYPES):
            return 200, _error(-201, "file is invalid!")
        key = f"{kind}-{next(self._serial)}"
        self.uploads[key] = (kind, name, data)
        return 200, {
            "error": 0,
            "message": "Success",
            "data": {"attachment_id" if kind == "image" else "token": key},
        }

    def _reachable(self, user: str) -> tuple[int, dict[str, Any]] | None:
        if user in self.unfollowed:
            return 200, _error(-213, "User has not followed OA")
        seen = self.last_interaction.get(user)
        if seen is None or time.time() - seen > WINDOW_SECONDS:
            return 200, _error(-230, "User has not interacted with the OA in the past 7 days")
        return None

    def _cs(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        user = _recipient(params)
        message = params.get("message")
        if not user or not isinstance(message, dict):
            return 200, _error(-201, "recipient is invalid!")
        refused = self._reachable(user)
        if refused is not None:
            return refused
        text = message.get("text")
        if text is not None and (not isinstance(text, str) or len(text) > 2000):
            return 200, _error(-210, "Parameter exceeds allowable limit")
        attachment = message.get("attachment")
        if attachment is None and not text:
            return 200, _error(-201, "message is invalid!")
        if attachment is not None:
            problem = self._attachment_problem(attachment)
            if problem:
                return 200, _error(-201, problem)
        return 200, self._sent(user)

    def _attachment_problem(self, attachment: Any) -> str:
        if not isinstance(attachment, dict) or not isinstance(attachment.get("payload"), dict):
            return "attachment is invalid!"
        payload = attachment["payload"]
        if attachment.get("type") == "file":
            found = self.uploads.get(str(payload.get("token")))
            return "" if found and found[0] == "file" else "token is invalid!"
        if attachment.get("type") != "template":
            return "attachment.type is invalid!"
        if payload.get("template_type") == "media":
            elements = payload.get("elements") or []
            for element in elements:
                found = self.uploads.get(str(element.get("attachment_id")))
                if not found or found[0] != "image" or element.get("media_type") != "image":
                    return "attachment_id is invalid!"
            return "" if len(elements) == 1 else "elements is invalid!"
        buttons = payload.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 5:
            return "buttons is invalid!"
        for button in buttons:
            if button.get("type") not in BUTTON_TYPES:
                return "buttons.type is invalid!"
            if not 0 < len(str(button.get("title") or "")) <= 100:
                return "buttons.title is invalid!"
            if (
                button.get("type") == "oa.query.show"
                and not 0 < len(str(button.get("payload") or "")) <= 1000
            ):
                return "buttons.payload is invalid!"
        return ""

    def _template(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        user = str(params.get("user_id") or "")
        needed = self.templates.get(str(params.get("template_id")))
        if needed is None:
            return 200, _error(-109, "Template ID is invalid")
        data = params.get("template_data")
        if not isinstance(data, dict) or any(not str(data.get(p) or "") for p in needed):
            return 200, _error(-1122, "Missing template parameter")
        return 200, self._sent(user)

    def _sent(self, user: str) -> dict[str, Any]:
        message_id = f"oa{next(self._serial):08d}"
        return {
            "error": 0,
            "message": "Success",
            "data": {"message_id": message_id, "user_id": user},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(FakeHandler):
            def do_GET(self) -> None:
                path = unquote(urlparse(self.path).path)
                if path.startswith("/cdn/") and path[5:] in fake.cdn:
                    self._send(200, fake.cdn[path[5:]], "application/octet-stream")
                    return
                self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urlparse(self.path).path
                kind = self.headers.get("Content-Type", "")
                files: dict[str, tuple[str, bytes]] = {}
                params: dict[str, Any]
                if path == "/v4/oa/access_token":
                    form = parse_qs(body.decode())
                    params = {k: v[0] for k, v in form.items()}
                    params["_secret_key"] = self.headers.get("secret_key", "")
                    self._json(*fake._serve(Call("access_token", params)))
                    return
                method = path.split("/oa/", 1)[1] if "/oa/" in path else path
                if kind.startswith("multipart/form-data"):
                    params, files = _multipart(kind, body)
                else:
                    try:
                        loaded = json.loads(body) if body else {}
                    except ValueError:
                        self._json(200, _error(-201, "body must be JSON"))
                        return
                    params = loaded if isinstance(loaded, dict) else {}
                params["_access_token"] = self.headers.get("access_token", "")
                self._json(*fake._serve(Call(method, params, files)))

        return Handler


def _multipart(kind: str, body: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """Fields and files of a multipart/form-data body."""
    boundary = kind.partition("boundary=")[2].strip().strip('"').encode()
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _sep, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        data = data.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _colon, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = dict(
            (k.strip(), v.strip().strip('"'))
            for k, _eq, v in (
                p.partition("=") for p in headers.get("content-disposition", "").split(";")[1:]
            )
        )
        field = disposition.get("name", "")
        if "filename" in disposition:
            files[field] = (disposition["filename"], data)
            params[f"_{field}_mime"] = headers.get("content-type", "")
        else:
            params[field] = data.decode()
    return params, files


def _recipient(params: dict[str, Any]) -> str:
    recipient = params.get("recipient")
    if isinstance(recipient, dict):
        return str(recipient.get("user_id") or "")
    return str(params.get("user_id") or "")


def _buttons(params: dict[str, Any]) -> list[dict[str, Any]]:
    message = params.get("message")
    attachment = message.get("attachment") if isinstance(message, dict) else None
    payload = attachment.get("payload") if isinstance(attachment, dict) else None
    found = payload.get("buttons") if isinstance(payload, dict) else None
    return list(found) if isinstance(found, list) else []


def _text_of(call: Call) -> str:
    if call.method == "message/template":
        return f"[template {call.params.get('template_id')}]"
    message = call.params.get("message")
    if not isinstance(message, dict):
        return ""
    attachment = message.get("attachment")
    if message.get("text"):
        return str(message["text"])
    if isinstance(attachment, dict) and attachment.get("type") == "file":
        return "[file]"
    return "[image]" if attachment else ""
