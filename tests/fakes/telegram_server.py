"""A fake Telegram Bot API server on 127.0.0.1 (standard library, in a thread) for channel tests.

It answers the methods the bot uses the way the Bot API does (``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code", "description", "parameters"}``), accepts form-encoded, JSON and
multipart bodies, and records every call. Tests inject updates (getUpdates honours `offset` and
long-polls up to `timeout` seconds), register files for getFile and download, and make a method
fail (429 with retry_after, 500) or answer slowly.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import itertools
import json
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlparse

from tests.fakes.base import Call, FakeHandler, FakeServer, error

TOKEN = "123456:TEST-token"
JSON_FIELDS = ("reply_markup", "commands", "allowed_updates", "scope")
LONG_POLL_CAP = 5.0


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None
    times: int


class FakeTelegram(FakeServer):
    """Start with `with FakeTelegram() as tg:`; `tg.base_url` goes into TELEGRAM_API_BASE."""

    name = "fake Telegram"
    sends = ("sendMessage", "sendPhoto", "sendDocument")

    def __init__(self, token: str = TOKEN, username: str = "thidua_test_bot") -> None:
        self.username = username
        self.files: dict[str, tuple[str, bytes]] = {}
        self.failures: dict[str, list[_Failure]] = {}
        self.webhook_url = ""
        self._update_ids = itertools.count(1)
        super().__init__(token, first_id=1000)

    # Scripting -------------------------------------------------------------------------------

    def inject(self, update: dict[str, Any]) -> int:
        """Queues an update (an `update_id` is given when missing); returns its id."""
        with self._cond:
            update.setdefault("update_id", next(self._update_ids))
            self.updates.append(update)
            self._cond.notify_all()
            return int(update["update_id"])

    def user(self, chat_id: int, language: str = "vi") -> dict[str, Any]:
        return {
            "id": chat_id,
            "is_bot": False,
            "first_name": "Lò Văn",
            "last_name": f"An {chat_id}",
            "language_code": language,
        }

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Lò Văn"},
            "from": self.user(chat_id),
            **content,
        }

    def text(self, chat_id: int, text: str) -> int:
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.inject({"message": self._message(chat_id, text=text, entities=entities)})

    def press(self, chat_id: int, data: str, message_id: int | None = None) -> int:
        """A button press on the bot's message (`message_id`, else its last one to the chat)."""
        if message_id is None:
            message_id = self.last_message_id(chat_id)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": 1, "is_bot": True, "first_name": "Bot", "username": self.username},
            "text": "…",
        }
        query = {
            "id": str(next(self._ids)),
            "from": self.user(chat_id),
            "chat_instance": f"ci{chat_id}",
            "message": message,
            "data": data,
        }
        return self.inject({"callback_query": query})

    def photo(self, chat_id: int, data: bytes, caption: str = "") -> int:
        file_id = f"photo{next(self._ids)}"
        self.files[file_id] = (f"photos/{file_id}.jpg", data)
        size = {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 90, "height": 90}
        sizes = [size | {"file_size": len(data)}]
        extra = {"caption": caption} if caption else {}
        return self.inject({"message": self._message(chat_id, photo=sizes, **extra)})

    def document(self, chat_id: int, data: bytes, name: str, mime: str) -> int:
        file_id = f"doc{next(self._ids)}"
        self.files[file_id] = (f"documents/{file_id}", data)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "mime_type": mime,
            "file_size": len(data),
        }
        return self.inject({"message": self._message(chat_id, document=document)})

    def sticker(self, chat_id: int) -> int:
        sticker = {
            "file_id": "st1",
            "file_unique_id": "ust1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.inject({"message": self._message(chat_id, sticker=sticker)})

    def fail(
        self,
        method: str,
        status: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail with this status (429: with retry_after)."""
        with self._cond:
            failure = _Failure(status, description, retry_after, times)
            self.failures.setdefault(method, []).append(failure)

    # Reading what the bot did ----------------------------------------------------------------

    def last_message_id(self, chat_id: int) -> int:
        sent = self.sent(chat_id)
        assert sent, f"nothing sent to {chat_id}"
        return int(sent[-1].params["_message_id"])

    def buttons(self, call: Call) -> list[tuple[str, str]]:
        """(text, callback_data) of a sent message's inline keyboard."""
        markup = call.params.get("reply_markup") or {}
        return [
            (b["text"], b["callback_data"])
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]

    def wait_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> list[str]:
        """Waits until at least `count` messages went to the chat; returns their texts."""
        self.wait_for(lambda: len(self.sent(chat_id)) >= count, timeout)
        return self.texts(chat_id)

    async def replies(self, chat_id: int, count: int, seconds: float = 10.0) -> list[str]:
        """Waits (without blocking the loop) for `count` messages to the chat; their texts."""
        await self.until(lambda: len(self.sent(chat_id)) >= count, seconds)
        return self.texts(chat_id)

    # Serving ---------------------------------------------------------------------------------

    def _take_failure(self, method: str) -> tuple[int, dict[str, Any]] | None:
        queue = self.failures.get(method) or []
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        body = error(failure.status, failure.description)
        if failure.retry_after is not None:
            body["parameters"] = {"retry_after": failure.retry_after}
        return failure.status, body

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        method, params = call.method, call.params
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        results: dict[str, Any] = {
            "getMe": {
                "id": 1,
                "is_bot": True,
                "first_name": "Thi Đua Bot",
                "username": self.username,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            },
            "deleteWebhook": True,
            "setMyCommands": True,
            "answerCallbackQuery": True,
            "sendChatAction": True,
            "getWebhookInfo": {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": 0,
            },
        }
        if method == "setWebhook":
            self.webhook_url = str(params.get("url", ""))
            return 200, {"ok": True, "result": True}
        if method in results:
            return 200, {"ok": True, "result": results[method]}
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            if not params.get("chat_id"):
                return 400, error(400, "Bad Request: chat_id is empty")
            message = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
            }
            params["_message_id"] = message["message_id"]
            if method == "sendMessage":
                if not params.get("text"):
                    return 400, error(400, "Bad Request: message text is empty")
                message["text"] = params["text"]
            elif method == "sendPhoto":
                message["photo"] = [
                    {"file_id": "sent", "file_unique_id": "s", "width": 1, "height": 1}
                ]
            else:
                message["document"] = {"file_id": "sentdoc", "file_unique_id": "sd"}
            return 200, {"ok": True, "result": message}
        if method in ("editMessageText", "editMessageReplyMarkup"):
            message = {
                "message_id": int(params.get("message_id") or 0),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id") or 0), "type": "private"},
                "text": str(params.get("text") or "…"),
            }
            return 200, {"ok": True, "result": message}
        if method == "getFile":
            file_id = str(params.get("file_id"))
            if file_id not in self.files:
                return 400, error(400, "Bad Request: invalid file_id")
            path, data = self.files[file_id]
            result = {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(data),
                "file_path": path,
            }
            return 200, {"ok": True, "result": result}
        return 404, error(404, "Not Found: method not found")

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + wait
        with self._cond:
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
                if offset:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
            return list(self.updates[:limit])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(FakeHandler):
            def do_GET(self) -> None:
                path = unquote(urlparse(self.path).path)
                prefix = f"/file/bot{fake.token}/"
                if path.startswith(prefix):
                    wanted = path[len(prefix) :]
                    for stored, data in fake.files.values():
                        if stored == wanted:
                            self._send(200, data, "application/octet-stream")
                            return
                    self._send(404, b"not found", "text/plain")
                    return
                self._method(path, dict(parse_qsl(urlparse(self.path).query)), {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                params, files = _parse_body(self.headers.get("Content-Type", ""), body)
                query = dict(parse_qsl(urlparse(self.path).query))
                self._method(unquote(urlparse(self.path).path), query | params, files)

            def _method(self, path: str, params: dict[str, Any], files: dict[str, Any]) -> None:
                method = self._bot_method(path, fake.token)
                if method is None:
                    return
                for key in JSON_FIELDS:
                    if isinstance(params.get(key), str):
                        with contextlib.suppress(ValueError):
                            params[key] = json.loads(params[key])
                self._json(*fake._serve(Call(method, params, files)))

        return Handler


def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Form-encoded, JSON or multipart → (params, files as name → (filename, bytes))."""
    if not body:
        return {}, {}
    if content_type.startswith("application/json"):
        loaded = json.loads(body)
        return (loaded if isinstance(loaded, dict) else {}), {}
    if content_type.startswith("multipart/form-data"):
        parser = email.parser.BytesParser(policy=email.policy.HTTP)
        message = parser.parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            raw = part.get_payload(decode=True)
            payload = raw if isinstance(raw, bytes) else b""
            if filename is not None:
                files[str(name)] = (filename, payload)
            else:
                params[str(name)] = payload.decode()
        return params, files
    return dict(parse_qsl(body.decode(), keep_blank_values=True)), {}
