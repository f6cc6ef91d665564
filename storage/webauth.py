"""Who is on the web page and the API: one-time sign-in links, browser sessions, API tokens and
the shared request counter that rate-limits the API.

Every secret is random (256 bits), shown once (in the link, the cookie, the printed token) and
stored only as its SHA-256. A sign-in link works once, for `web_link_minutes`, for an active
staff member; it opens a session of `web_session_hours`; signing out ends it at once. An API
token is bound to one unit's subtree until revoked. Counting requests uses one row per key and
minute, updated atomically by the database, so every process shares the same limit.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import audit
from storage.models import ApiToken, Member, RateWindow, Unit, WebLink, WebSession

WEB_ROLES = ("staff", "admin")
API_PREFIX = "tdb_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


# Sign-in links ---------------------------------------------------------------------------------


async def create_link(
    session: AsyncSession, member: Member, now: datetime, minutes: int, actor: int | None
) -> str:
    """Stores a one-time link for `member` and returns its token (shown once); audited."""
    token = new_secret()
    session.add(
        WebLink(
            token_hash=digest(token),
            member_id=member.id,
            expires_at=now + timedelta(minutes=minutes),
            created_at=now,
        )
    )
    await session.flush()
    await audit(session, now, actor, "web.link_created", "member", member.id)
    return token


async def link_member(session: AsyncSession, token: str, now: datetime) -> Member | None:
    """The active staff member a link that can still be used belongs to (nothing changes)."""
    link = await session.scalar(select(WebLink).where(WebLink.token_hash == digest(token)))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return await _web_member(session, link.member_id)


async def _web_member(session: AsyncSession, member_id: int) -> Member | None:
    member = await session.get(Member, member_id)
    if member is None or not member.active or member.role not in WEB_ROLES:
        return None
    return member


@dataclass(frozen=True)
class Opened:
    """A session just opened: the cookie's token (shown once) and the member."""

    token: str
    member: Member


async def redeem_link(
    session: AsyncSession, token: str, now: datetime, hours: int, locale: str
) -> Opened | None:
    """Uses the link up and opens a session; None when the link is unknown, used, expired or
    its member may no longer sign in. Marking it used is one conditional UPDATE, so two
    browsers racing with the same link get one session between them."""
    used = await session.execute(
        update(WebLink)
        .where(
            WebLink.token_hash == digest(token),
            WebLink.used_at.is_(None),
            WebLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(WebLink.member_id)
    )
    member_id = used.scalar_one_or_none()
    if member_id is None:
        return None
    member = await _web_member(session, member_id)
    if member is None:
        return None
    secret = new_secret()
    row = WebSession(
        token_hash=digest(secret),
        member_id=member.id,
        csrf=secrets.token_hex(32),
        locale=locale,
        expires_at=now + timedelta(hours=hours),
        created_at=now,
    )
    session.add(row)
    await session.flush()
    await audit(session, now, member.id, "web.signed_in", "web_session", row.id)
    return Opened(secret, member)


@dataclass(frozen=True)
class Signed:
    """A live session with its member and the member's unit."""

    row: WebSession
    member: Member
    unit: Unit


async def live_session(session: AsyncSession, token: str, now: datetime) -> Signed | None:
    """The session the cookie names when it is neither ended nor expired and its member may
    still sign in; None otherwise."""
    found = (
        await session.execute(
            select(WebSession, Member, Unit)
            .join(Member, Member.id == WebSession.member_id)
            .join(Unit, Unit.id == Member.unit_id)
            .where(WebSession.token_hash == digest(token))
        )
    ).first()
    if found is None:
        return None
    row, member, unit = found
    if row.ended_at is not None or row.expires_at <= now:
        return None
    if not member.active or member.role not in WEB_ROLES:
        return None
    return Signed(row, member, unit)


async def end_session(session: AsyncSession, row: WebSession, now: datetime) -> None:
    row.ended_at = now
    await audit(session, now, row.member_id, "web.signed_out", "web_session", row.id)


# API tokens ------------------------------------------------------------------------------------


async def create_token(
    session: AsyncSession, unit: Unit, name: str, now: datetime
) -> tuple[ApiToken, str]:
    """Stores a new token for `unit`'s subtree; returns the row and the token (shown once)."""
    token = API_PREFIX + new_secret()
    row = ApiToken(token_hash=digest(token), unit_id=unit.id, name=name, created_at=now)
    session.add(row)
    await session.flush()
    await audit(session, now, None, "api.token_created", "api_token", row.id, {"unit": unit.code})
    return row, token


async def revoke_token(session: AsyncSession, token_id: int, now: datetime) -> ApiToken | None:
    """Revokes the token with this id; None when there is none (revoking twice is harmless)."""
    row = await session.get(ApiToken, token_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = now
        await audit(session, now, None, "api.token_revoked", "api_token", row.id)
    return row


async def tokens(session: AsyncSession) -> Sequence[tuple[ApiToken, Unit]]:
    rows = await session.execute(
        select(ApiToken, Unit).join(Unit, Unit.id == ApiToken.unit_id).order_by(ApiToken.id)
    )
    return [(t, u) for t, u in rows.tuples().all()]


async def token_unit(session: AsyncSession, token: str) -> tuple[ApiToken, Unit] | None:
    """The live token and its unit; None for an unknown or revoked token."""
    if not token.startswith(API_PREFIX):
        return None
    found = (
        await session.execute(
            select(ApiToken, Unit)
            .join(Unit, Unit.id == ApiToken.unit_id)
            .where(ApiToken.token_hash == digest(token), ApiToken.revoked_at.is_(None))
        )
    ).first()
    return (found[0], found[1]) if found else None


# Rate limits -----------------------------------------------------------------------------------


async def count_request(session: AsyncSession, key: str, now: datetime) -> int:
    """Counts one request of `key` in the current minute and returns how many there were in it
    so far, this one included (one atomic upsert, any number of processes)."""
    window = int(now.timestamp()) // 60
    values = {"key": key, "window": window, "count": 1}
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(RateWindow)
        .values(values)
        .on_conflict_do_update(
            index_elements=["key", "window"], set_={"count": RateWindow.count + 1}
        )
        .returning(RateWindow.count)
    )
    return int((await session.execute(statement)).scalar_one())


# Housekeeping ----------------------------------------------------------------------------------


async def prune(session: AsyncSession, before: datetime) -> int:
    """Deletes links, sessions and rate windows that ended before `before`; returns how many."""
    deleted = 0
    for statement in (
        delete(WebLink).where(WebLink.expires_at < before),
        delete(WebSession).where(WebSession.expires_at < before),
        delete(RateWindow).where(RateWindow.window < int(before.timestamp()) // 60),
    ):
        result = await session.execute(statement)
        deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted
