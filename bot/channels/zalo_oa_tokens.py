"""The OA's access token, refreshed before it expires with the rotating refresh token.

The pair lives in `platform_tokens` (storage/tokens.py): each refresh spends the refresh token
and the new one is written at once, before the new access token is used. One process at a time
refreshes (`storage.tokens.refresh_lock`); the others, once they get the lock, find the fresh
pair in the row and use it. An access token the platform refuses before its time is refreshed
once (unless another process already did). When the OAuth server refuses the refresh token
itself (spent, expired after three months unused, or the OA revoked the app) the row is marked
broken, `on_broken` runs once (the channel tells staff) and every send waits, without the token
ever being written to a log, until an admin configures a new refresh token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.zalo_oa_api import OaApi, RefreshRefused
from handlers.clock import Clock
from storage import tokens
from storage.models import PlatformToken

log = logging.getLogger(__name__)

# a grant without a stated lifetime is taken as Zalo's documented 25 hours
DEFAULT_LIFETIME = timedelta(hours=25)


class TokenBroken(Exception):
    """No usable token: the refresh token was refused; an OA admin must grant the app again."""


class TokenUnavailable(Exception):
    """The OAuth server could not be asked now (network, 5xx): nothing was spent; try later."""


class OaTokens:
    """`await tokens.access()` → an access token valid for at least the margin."""

    def __init__(
        self,
        db: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        api: OaApi,
        configured: str,
        margin: timedelta,
        on_broken: Callable[[str, str], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        self.sessions = sessions
        self.clock = clock
        self.api = api
        self.key = f"zalo_oa:{api.app_id}"[:64]
        self._configured = configured
        self.margin = margin
        self.on_broken = on_broken
        self._cached: tuple[str, datetime] | None = None
        self._here = asyncio.Lock()

    async def start(self) -> None:
        """Stores the configured refresh token unless the row already grew from it (under the
        refresh lock: never while another process spends the stored one)."""
        async with (
            tokens.refresh_lock(self.db, self.key),
            self.sessions() as session,
            session.begin(),
        ):
            await tokens.seed(session, self.key, self._configured, self.clock.now())

    def _fresh(self, row: PlatformToken | None) -> str | None:
        if row is None or row.access_token is None or row.expires_at is None:
            return None
        if row.expires_at - self.clock.now() <= self.margin:
            return None
        return row.access_token

    async def _row(self) -> PlatformToken | None:
        async with self.sessions() as session:
            return await tokens.load(session, self.key)

    async def access(self, refused: str | None = None) -> str:
        """A valid access token, refreshing the pair when it is close to expiry. `refused`: a
        token the platform just refused (refreshed unless the row already holds another).
        Raises TokenBroken, or TokenUnavailable when the OAuth server could not be asked."""
        if refused is None and self._cached is not None:
            token, expires_at = self._cached
            if expires_at - self.clock.now() > self.margin:
                return token
        async with self._here:
            row = await self._row()
            usable = self._fresh(row)
            if usable is not None and usable != refused:
                return self._keep(row)
            if row is not None and row.broken_at is not None:
                raise TokenBroken(row.reason or "refresh token refused")
            async with tokens.refresh_lock(self.db, self.key):
                return await self._refresh(refused)

    def _keep(self, row: PlatformToken | None) -> str:
        assert row is not None and row.access_token is not None and row.expires_at is not None
        self._cached = (row.access_token, row.expires_at)
        return row.access_token

    async def _refresh(self, refused: str | None) -> str:
        """Under the lock: the row again (another process may have refreshed), then the
        platform, then the new pair written at once."""
        row = await self._row()
        usable = self._fresh(row)
        if usable is not None and usable != refused:
            return self._keep(row)
        if row is None:
            raise TokenBroken("no refresh token stored")
        if row.broken_at is not None:
            raise TokenBroken(row.reason or "refresh token refused")
        spent = row.refresh_token
        try:
            grant = await self.api.refresh(spent)
        except RefreshRefused as refusal:
            await self._broken(spent, str(refusal))
            raise TokenBroken(str(refusal)) from None
        except httpx.HTTPError as error:
            log.warning("zalo_oa: the token could not be refreshed now (%s)", type(error).__name__)
            raise TokenUnavailable(type(error).__name__) from error
        now = self.clock.now()
        lifetime = timedelta(seconds=grant.expires_in) if grant.expires_in > 0 else DEFAULT_LIFETIME
        async with self.sessions() as session, session.begin():
            stored = await tokens.store_rotation(
                session,
                self.key,
                spent,
                grant.access_token,
                grant.refresh_token,
                now + lifetime,
                now,
            )
        if not stored:
            raise TokenBroken("the stored refresh token changed during the refresh")
        log.info("zalo_oa: access token refreshed (valid %d h)", lifetime.total_seconds() // 3600)
        self._cached = (grant.access_token, now + lifetime)
        return grant.access_token

    async def _broken(self, spent: str, reason: str) -> None:
        async with self.sessions() as session, session.begin():
            first = await tokens.mark_broken(session, self.key, spent, reason, self.clock.now())
        self._cached = None
        if not first:
            return
        log.error(
            "zalo_oa: the refresh token was refused (%s); an OA admin must grant the app again "
            "and set ZALO_OA_REFRESH_TOKEN",
            reason,
        )
        if self.on_broken is not None:
            try:
                await self.on_broken(reason, tokens.digest(spent)[:16])
            except Exception:
                log.exception("zalo_oa: staff could not be told about the token")
