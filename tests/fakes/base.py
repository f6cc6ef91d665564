"""What the fake Bot API servers share: a threaded HTTP server on 127.0.0.1, the call log with
scripted failures and delays, and the waiting helpers. Each fake adds its own methods and shapes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    # answered with success: for a send, the message reached the chat
    delivered: bool = False
    # when the call arrived (time.monotonic())
    at: float = field(default_factory=time.monotonic)
    # delivered, but the answer was held until the bot had given up on it
    unconfirmed: bool = False


@dataclass
class Chaos:
    """Faults injected into a share (`rate`) of the calls of `methods`, each kind equally often:
    "429" (retry after 1 s), "5xx" (500 or 502: not delivered), "timeout" (the message is
    delivered, the answer comes after `timeout_seconds`, longer than the bot waits), "slow"
    (answered after `slow_seconds`). `counts` says how many of each were injected."""

    rate: float
    methods: tuple[str, ...]
    timeout_seconds: float = 2.5
    slow_seconds: tuple[float, float] = (0.2, 0.8)
    seed: int = 13
    kinds: tuple[str, ...] = ("429", "5xx", "timeout", "slow")
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    def pick(self, method: str) -> str | None:
        if method not in self.methods or self.random.random() >= self.rate:
            return None
        kind = self.random.choice(self.kinds)
        self.counts[kind] += 1
        return kind


class FakeServer:
    """Start with `with Fake() as fake:`; `fake.base_url` is the API base for the bot."""

    name = "fake server"  # in timeout messages
    sends: tuple[str, ...] = ()  # the methods that put a message in a chat

    def __init__(self, token: str, first_id: int = 1) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.delays: dict[str, float] = {}
        self.chaos: Chaos | None = None
        self._ids = itertools.count(first_id)
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # Life ------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # Scripting -------------------------------------------------------------------------------

    def slow(self, method: str, seconds: float) -> None:
        """Every call of `method` answers after `seconds`."""
        self.delays[method] = seconds

    # Reading what the bot did ----------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int | str) -> list[Call]:
        """Messages (and attachments) sent to the chat, in order."""
        with self._cond:
            return [
                c
                for c in self.calls
                if c.method in self.sends and str(c.params.get("chat_id")) == str(chat_id)
            ]

    def texts(self, chat_id: int | str) -> list[str]:
        return [
            str(c.params.get("text") or c.params.get("caption") or "") for c in self.sent(chat_id)
        ]

    def delivered(self, chat_id: int | str) -> list[str]:
        """The texts that reached the chat (sends answered with success), in order."""
        with self._cond:
            calls = [c for c in self.sent(chat_id) if c.delivered]
        return [str(c.params.get("text") or c.params.get("caption") or "") for c in calls]

    def wait_for(self, check: Any, timeout: float = 10.0) -> Any:
        """Waits until `check()` is truthy (re-checked on every call the server gets)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = check()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.name}: condition not met in {timeout}s")
                self._cond.wait(min(left, 0.1))

    async def until(self, check: Any, seconds: float = 10.0) -> Any:
        """`wait_for` for tests whose bot runs in the same event loop."""
        return await until(check, seconds, self.name)

    # Serving ---------------------------------------------------------------------------------

    def _take_failure(self, method: str) -> tuple[int, dict[str, Any]] | None:
        """The scripted failure for this call of `method` (status, body), if any; under the lock."""
        raise NotImplementedError

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def _too_many(self) -> tuple[int, dict[str, Any]]:
        """A 429 as this platform words it."""
        body = error(429, "Too Many Requests: retry after 1")
        body["parameters"] = {"retry_after": 1}
        return 429, body

    def _serve(self, call: Call) -> tuple[int, dict[str, Any]]:
        """Records the call, then fails it as scripted or answers it (after any delay); with
        `chaos` set, injects its faults."""
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
            failure = self._take_failure(call.method)
            fault = self.chaos.pick(call.method) if self.chaos and failure is None else None
        delay = self.delays.get(call.method)
        if delay:
            time.sleep(delay)
        if failure is not None:
            return failure
        if fault == "429":
            return self._too_many()
        if fault == "5xx":
            code = 500 if len(self.calls) % 2 else 502
            return code, error(code, "Internal Server Error" if code == 500 else "Bad Gateway")
        if fault in ("timeout", "slow"):
            assert self.chaos is not None
            low, high = self.chaos.slow_seconds
            with self._cond:
                pause = (
                    self.chaos.timeout_seconds
                    if fault == "timeout"
                    else self.chaos.random.uniform(low, high)
                )
            if fault == "timeout":
                # delivered at once; the answer comes too late for the bot to hear it
                status, answer = self._answer(call)
                with self._cond:
                    call.delivered = status == 200
                    call.unconfirmed = True
                    self._cond.notify_all()
                time.sleep(pause)
                return status, answer
            time.sleep(pause)
        status, answer = self._answer(call)
        with self._cond:
            call.delivered = status == 200
            self._cond.notify_all()
        return status, answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError


class FakeHandler(BaseHTTPRequestHandler):
    """Quiet HTTP/1.1 handler with the two ways the fakes answer."""

    protocol_version = "HTTP/1.1"
    # headers and body leave in two writes: without TCP_NODELAY the body waits for the client's
    # delayed ACK of the headers (~40 ms a call)
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _bot_method(self, path: str, token: str) -> str | None:
        """The method of a `/bot<token>/<method>` path; else answers 404 or 401 and gives None."""
        prefix = "/bot"
        if not path.startswith(prefix) or "/" not in path[len(prefix) :]:
            self._json(404, error(404, "Not Found"))
            return None
        given, method = path[len(prefix) :].split("/", 1)
        if given != token:
            self._json(401, error(401, "Unauthorized"))
            return None
        return method

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, data: bytes, mime: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a long poll cut short by stopping)


async def until(check: Any, seconds: float, what: str) -> Any:
    """Polls `check()` every 20 ms until it is truthy; TimeoutError after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: condition not met in {seconds}s")
        await asyncio.sleep(0.02)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a webhook server to listen on)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}
