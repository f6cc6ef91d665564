"""A fake Zalo Bot API server on 127.0.0.1 (standard library, in a thread) for channel tests.

The nine methods (getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, sendMessage,
sendPhoto, sendSticker, sendChatAction) at ``/bot<TOKEN>/<method>``, JSON in, and Zalo's shapes
out: ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description"}``.
`getUpdates` gives one update per call and, when none comes within its timeout, error 408.
It also plays Zalo's image CDN (``/photos/<name>``) for `message.image.received`, records every
call, and can make a method fail or answer slowly.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlparse

from tests.fakes.base import Call, FakeHandler, FakeServer, error

TOKEN = "2468:zalo-TEST-token"
LONG_POLL_CAP = 5.0
METHODS = (
    "getMe",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "sendMessage",
    "sendPhoto",
    "sendSticker",
    "sendChatAction",
)


class FakeZalo(FakeServer):
    """Start with `with FakeZalo() as zalo:`; `zalo.base_url` goes into ZALO_API_BASE."""

    name = "fake Zalo"
    sends = ("sendMessage", "sendPhoto", "sendSticker")

    def __init__(self, token: str = TOKEN) -> None:
        self.photos: dict[str, bytes] = {}
        self.failures: dict[str, list[tuple[int, str]]] = {}
        self.webhook: dict[str, Any] = {"url": "", "updated_at": 0}
        self.empty_as_http_408 = True
        self.pushed = 0
        self._closed = threading.Event()
        super().__init__(token)

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        super().__exit__(*exc)

    # Scripting -------------------------------------------------------------------------------

    def message(
        self, chat_id: str, event: str, message_id: str | None = None, **content: Any
    ) -> dict[str, Any]:
        """An update as Zalo sends it (for the webhook or getUpdates)."""
        return {
            "event_name": event,
            "message": {
                "from": {"id": chat_id, "display_name": "Hà Thị Bình", "is_bot": False},
                "chat": {"id": chat_id, "chat_type": "PRIVATE"},
                "message_id": message_id or f"m{next(self._ids):06d}",
                "date": int(time.time() * 1000),
                **content,
            },
        }

    def deliver(self, update: dict[str, Any]) -> str:
        """Queues the update for getUpdates; returns its message id."""
        with self._cond:
            self.updates.append(update)
            self._cond.notify_all()
        return str(update["message"].get("message_id", ""))

    def text(self, chat_id: str, text: str, message_id: str | None = None) -> str:
        return self.deliver(self.message(chat_id, "message.text.received", message_id, text=text))

    def image(self, chat_id: str, data: bytes, caption: str = "") -> str:
        name = f"p{next(self._ids)}.jpg"
        self.photos[name] = data
        url = f"{self.base_url}/photos/{name}"
        update = self.message(chat_id, "message.image.received", photo_url=url, caption=caption)
        return self.deliver(update)

    def sticker(self, chat_id: str) -> str:
        update = self.message(
            chat_id, "message.sticker.received", sticker="bfe458bf64fa8da4d4eb", url="https://x/s"
        )
        return self.deliver(update)

    def unsupported(self, chat_id: str) -> str:
        return self.deliver(self.message(chat_id, "message.unsupported.received"))

    def push_to(self, url: str, secret: str) -> None:
        """Delivers queued updates to a webhook at `url` (a local address) as Zalo does: one
        at a time, again and again until it answers 200 (the bot may be down: retried)."""
        self._push_target = (url, secret)
        self._pusher = threading.Thread(target=self._push_forever, daemon=True)
        self._pusher.start()

    def _push_forever(self) -> None:
        import urllib.error
        import urllib.request

        url, secret = self._push_target
        while not self._closed.is_set():
            with self._cond:
                if not self.updates:
                    self._cond.wait(0.2)
                    continue
                update = self.updates[0]
            request = urllib.request.Request(
                url,
                data=json.dumps(update).encode(),
                headers={"Content-Type": "application/json", "X-Bot-Api-Secret-Token": secret},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    ok = answer.status == 200
            except (urllib.error.URLError, OSError):
                ok = False
            if ok:
                with self._cond:
                    if self.updates and self.updates[0] is update:
                        self.updates.pop(0)
                    self.pushed += 1
                    self._cond.notify_all()
            else:
                self._closed.wait(0.3)

    def fail(
        self, method: str, code: int = 500, description: str = "Internal error", times: int = 1
    ) -> None:
        with self._cond:
            self.failures.setdefault(method, []).extend([(code, description)] * times)

    # Serving ---------------------------------------------------------------------------------

    def _take_failure(self, method: str) -> tuple[int, dict[str, Any]] | None:
        queue = self.failures.get(method) or []
        if not queue:
            return None
        code, description = queue.pop(0)
        return code, error(code, description)

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        method, params = call.method, call.params
        now = int(time.time() * 1000)
        if method == "getMe":
            bot = {"id": "4021", "account_name": "bot.thidua", "account_type": "BASIC"}
            return 200, {"ok": True, "result": bot | {"can_join_groups": False}}
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "setWebhook":
            url, secret = params.get("url"), str(params.get("secret_token") or "")
            if not url or not 8 <= len(secret) <= 256:
                return 400, error(400, "Bad Request: url and secret_token (8-256) are required")
            self.webhook = {"url": url, "updated_at": now, "secret_token": secret}
            return 200, {"ok": True, "result": {"url": url, "updated_at": now}}
        if method == "deleteWebhook":
            self.webhook = {"url": "", "updated_at": now}
            return 200, {"ok": True, "result": {"url": "", "updated_at": now}}
        if method == "getWebhookInfo":
            info = {"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]}
            return 200, {"ok": True, "result": info}
        if not params.get("chat_id"):
            return 400, error(400, "Bad Request: chat_id is required")
        if method == "sendChatAction":
            return 200, {"ok": True, "result": {}}
        needed = {"sendMessage": "text", "sendPhoto": "photo", "sendSticker": "sticker"}[method]
        if not params.get(needed):
            return 400, error(400, f"Bad Request: {needed} is required")
        if method == "sendMessage" and len(str(params["text"])) > 2000:
            return 400, error(400, "Bad Request: text is too long")
        message_id = f"out{next(self._ids):06d}"
        params["_message_id"] = message_id
        return 200, {"ok": True, "result": {"message_id": message_id, "date": now}}

    def _get_updates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        deadline = time.monotonic() + wait
        with self._cond:
            while not self.updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            if self.updates:
                return 200, {"ok": True, "result": self.updates.pop(0)}
        return (408 if self.empty_as_http_408 else 200), error(408, "Request timeout")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(FakeHandler):
            def do_GET(self) -> None:
                path = unquote(urlparse(self.path).path)
                if path.startswith("/photos/") and path[8:] in fake.photos:
                    self._send(200, fake.photos[path[8:]], "image/jpeg")
                    return
                self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                method = self._bot_method(unquote(urlparse(self.path).path), fake.token)
                if method is None:
                    return
                if method not in METHODS:
                    self._json(404, error(404, "Not Found: method not found"))
                    return
                try:
                    params = json.loads(body) if body else {}
                except ValueError:
                    self._json(400, error(400, "Bad Request: body must be JSON"))
                    return
                self._json(*fake._serve(Call(method, params if isinstance(params, dict) else {})))

        return Handler
