"""Talking to the staff web page and the API in tests: a real httpx client on the ASGI app (no
socket), signing a member in the way a browser does (open the link, press the button)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.app import App
from bot.web import create_app
from storage.models import Member
from storage.webauth import create_link

# https, so that the client sends the Secure cookies back
BASE = "https://staff.test"
PRE = re.compile(r'name="pre" value="([0-9a-f]+)"')
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@asynccontextmanager
async def web_client(app: App) -> AsyncIterator[httpx.AsyncClient]:
    asgi = create_app(app)
    transport = httpx.ASGITransport(app=asgi)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            yield client
    finally:
        await asgi.state.reads.close()


async def new_link(app: App, member: Member) -> str:
    async with app.sessions() as session, session.begin():
        found = await session.get_one(Member, member.id)
        return await create_link(session, found, app.clock.now(), 10, None)


async def open_link(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """Opens the link's page and presses "sign in"; returns the answer to the press."""
    page = await client.get(f"/signin/{token}")
    found = PRE.search(page.text)
    pre = found.group(1) if found else ""
    return await client.post(f"/signin/{token}", data={"pre": pre})


async def sign_in(app: App, client: httpx.AsyncClient, member: Member) -> str:
    """Signs `member` in on `client`; returns the session's CSRF value."""
    answer = await open_link(client, await new_link(app, member))
    assert answer.status_code == 303, answer.text
    page = await client.get("/completeness")
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found is not None
    return found.group(1)
