"""Serving the web side with uvicorn inside our own event loop (`thidua run`, `thidua web`, the
demo): the socket is bound first, so a port already taken is an error the caller sees, and the
process's signals stay with the caller (uvicorn does not install its own)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn

from bot.app import App
from bot.web.app import create_app

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    """The page and the API on one bound socket, started in the running loop."""

    def __init__(self, application: App, host: str, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((host, port))
        except OSError:
            self.sock.close()
            raise
        self.port = int(self.sock.getsockname()[1])
        self.asgi = create_app(application)
        config = uvicorn.Config(
            self.asgi,
            lifespan="off",
            log_level="warning",
            access_log=False,
            server_header=False,
            proxy_headers=True,
        )
        self.server = _Server(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started and not self.task.done():  # noqa: ASYNC110 (uvicorn has no event)
            await asyncio.sleep(0.01)
        if self.task.done():
            self.task.result()

    async def stop(self) -> None:
        """Lets requests in hand finish, then closes."""
        self.server.should_exit = True
        if self.task is not None:
            await self.task
        self.sock.close()
        await self.asgi.state.reads.close()


async def start_web(application: App) -> WebServer:
    """Binds WEB_LISTEN:WEB_PORT and serves; raises OSError when the port cannot be had."""
    settings = application.settings
    server = WebServer(application, settings.web_listen, settings.web_port)
    await server.start()
    log.info("web page on %s:%d", settings.web_listen, server.port)
    return server
