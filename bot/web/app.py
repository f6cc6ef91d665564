"""The ASGI application: pages and API mounted together, the locale of each request, errors
as short localized pages (never a traceback)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.app import App
from bot.web import api, pages, session
from bot.web.reads import Reads
from bot.web.render import render
from locales import normalize, use_locale

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
LANG_COOKIE = "thidua_lang"


class LocaleMiddleware:
    """Sets the request's language (the `thidua_lang` cookie, Vietnamese by default) for the
    whole request, so domain words (`award_label`, statuses) come out in it too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lang = "vi"
        if scope["type"] == "http":
            for name, value in scope.get("headers", []):
                if name == b"cookie":
                    for part in value.decode("latin-1").split(";"):
                        key, _, found = part.strip().partition("=")
                        if key == LANG_COOKIE:
                            lang = normalize(found)
        with use_locale(lang):
            await self.app(scope, receive, send)


def create_app(application: App) -> FastAPI:
    """The whole web side for `application` (its sessions, clock and settings)."""
    web = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    web.state.app = application
    web.state.reads = reads = Reads(application)
    web.include_router(session.router)
    web.include_router(pages.router)
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    web.mount("/api/v1", api.create_api(application, reads))

    @web.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code in (303, 307) and error.headers:
            return Response(status_code=error.status_code, headers=error.headers)
        key = {403: "web.error.forbidden", 404: "web.error.not_found"}.get(
            error.status_code, "web.error.bad_request"
        )
        return render(request, "error.html", {"message_key": key}, status=error.status_code)

    @web.exception_handler(Exception)
    async def crashed(request: Request, error: Exception) -> HTMLResponse:
        log.exception("web page failed: %s", request.url.path)
        return render(request, "error.html", {"message_key": "web.error.server"}, status=500)

    @web.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    web.add_middleware(LocaleMiddleware)
    return web
