"""Signing in and out, the session cookie and CSRF.

A staff member opens the one-time link the bot sent (`/web`) or `thidua web-link` printed. The
link's page only shows a button: opening it changes nothing, so the link previews messengers
fetch do not use it up; pressing the button (a POST carrying a value also set as a cookie on
this site, so no other site can sign someone in) uses the link and opens a session. The session
cookie is HttpOnly, Secure, SameSite=Lax, lasts `web_session_hours`; signing out ends it.
Every form of a session carries its `csrf` value and is refused without it.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.web.render import render
from locales import current, normalize
from storage.models import WebSession
from storage.webauth import Signed, end_session, link_member, live_session, redeem_link

COOKIE = "thidua_session"
PRE_COOKIE = "thidua_signin"
LANG_COOKIE = "thidua_lang"
router = APIRouter()


def application(request: Request) -> App:
    found: App = request.app.state.app
    return found


async def db(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for what the request reads (actions write through `writing`)."""
    async with request.app.state.reads.session() as session:
        yield session


Db = Annotated[AsyncSession, Depends(db)]


@asynccontextmanager
async def writing(request: Request) -> AsyncIterator[AsyncSession]:
    """A session of its own for an action, committed once at the end (or rolled back)."""
    async with application(request).sessions() as session, session.begin():
        yield session


class SignedOut(HTTPException):
    def __init__(self) -> None:
        super().__init__(303, headers={"Location": "/signin"})


async def signed_in(request: Request, session: Db) -> Signed:
    """The signed-in member of the request, or a redirect to the sign-in page."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignedOut()
    found = await live_session(session, token, application(request).clock.now())
    if found is None:
        raise SignedOut()
    request.state.signed = found
    return found


Staff = Annotated[Signed, Depends(signed_in)]


def check_csrf(signed: Signed, sent: str) -> None:
    """Refuses a form without the session's CSRF value."""
    if not secrets.compare_digest(sent.encode(), signed.row.csrf.encode()):
        raise HTTPException(403)


def _cookie(response: Response, request: Request, name: str, value: str, seconds: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=seconds,
        httponly=True,
        secure=application(request).settings.web_cookie_secure,
        samesite="lax",
        path="/",
    )


@router.get("/signin", response_class=HTMLResponse)
async def signin_help(request: Request) -> HTMLResponse:
    """How to get a link (where everyone not signed in lands)."""
    return render(request, "signin_help.html", {})


@router.get("/signin/{token}", response_class=HTMLResponse)
async def signin_page(request: Request, token: str, session: Db) -> Response:
    """The link's page: who it signs in, and the button (nothing is used up yet)."""
    member = await link_member(session, token, application(request).clock.now())
    if member is None:
        return render(request, "signin_help.html", {"gone": True}, status=410)
    pre = secrets.token_hex(16)
    response = render(request, "signin.html", {"member": member, "token": token, "pre": pre})
    _cookie(response, request, PRE_COOKIE, pre, 15 * 60)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/signin/{token}")
async def signin(request: Request, token: str, pre: Annotated[str, Form()] = "") -> Response:
    """Uses the link up and opens the session (the form's value must match the cookie's)."""
    cookie = request.cookies.get(PRE_COOKIE, "")
    if not pre or not secrets.compare_digest(pre.encode(), cookie.encode()):
        raise HTTPException(403)
    app = application(request)
    async with writing(request) as session:
        opened = await redeem_link(
            session, token, app.clock.now(), app.settings.web_session_hours, current()
        )
    if opened is None:
        return render(request, "signin_help.html", {"gone": True}, status=410)
    response = RedirectResponse("/completeness", status_code=303)
    _cookie(response, request, COOKIE, opened.token, app.settings.web_session_hours * 3600)
    response.delete_cookie(PRE_COOKIE, path="/")
    if request.cookies.get(LANG_COOKIE) is None:
        _cookie(response, request, LANG_COOKIE, normalize(opened.member.locale), 365 * 86400)
    return response


@router.post("/signout")
async def signout(request: Request, signed: Staff, csrf: Annotated[str, Form()] = "") -> Response:
    """Ends the session and forgets the cookie."""
    check_csrf(signed, csrf)
    async with writing(request) as session:
        row = await session.get_one(WebSession, signed.row.id)
        await end_session(session, row, application(request).clock.now())
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/lang/{code}")
async def switch_language(request: Request, code: str, back: str = "/") -> Response:
    """Switches the page's language (Vietnamese or English) and goes back."""
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    _cookie(response, request, LANG_COOKIE, normalize(code), 365 * 86400)
    return response
