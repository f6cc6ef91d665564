"""The OA's tokens: refreshed with the rotating refresh token, which lives in the database; two
processes needing a fresh token at once spend the refresh token once; a refused refresh token
is reported to staff once and logged without any secret."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.app import App
from bot.channels.base import SendError
from bot.channels.zalo_oa import ZaloOaChannel
from bot.channels.zalo_oa_tokens import TokenBroken
from handlers.types import Reply
from storage.models import ChatBinding, Member, OutboxMessage, PlatformToken
from tests.factories import World
from tests.fakes.zalo_oa_server import APP_ID, REFRESH_TOKEN, FakeZaloOa
from tests.zalo_oa_support import oa_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake() -> Iterator[FakeZaloOa]:
    with FakeZaloOa() as server:
        yield server


async def stored(app: App) -> PlatformToken:
    async with app.sessions() as session:
        row = await session.scalar(select(PlatformToken))
        assert row is not None
        return row


def race(app: App, fake: FakeZaloOa, refused: str | None = None) -> list[str]:
    """Two worker processes ask for the token at the same moment; their answers."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.oa_token_worker", app.settings.database_url]
    command += [fake.base_url] + ([refused] if refused else [])
    workers = [
        subprocess.Popen(
            command, env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        return [worker.communicate(timeout=60)[0].strip() for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()


async def test_two_processes_refresh_once_and_the_rotated_token_is_stored(
    app: App, fake: FakeZaloOa, tmp_path: Path
) -> None:
    # the OAuth server answers slowly: both processes are waiting for a token at once
    fake.slow("access_token", 0.4)
    first = await asyncio.to_thread(race, app, fake)
    assert len(fake.calls_of("access_token")) == 1
    assert first[0] == first[1] and first[0] in fake.access_tokens
    row = await stored(app)
    assert row.rotations == 1 and row.access_token == first[0]
    assert row.refresh_token in fake.refresh_tokens and row.refresh_token != REFRESH_TOKEN
    assert REFRESH_TOKEN not in fake.refresh_tokens  # spent: only the stored one works now

    # the platform refuses the access token early: the next refresh spends the stored token
    fake.expire_access()
    second = await asyncio.to_thread(race, app, fake, first[0])
    assert len(fake.calls_of("access_token")) == 2
    assert second[0] == second[1] != first[0]
    row = await stored(app)
    assert row.rotations == 2 and row.refresh_token in fake.refresh_tokens


async def test_a_refresh_token_refused_is_reported_to_staff_once_and_logged_without_secrets(
    app: App, world: World, fake: FakeZaloOa, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    channel = ZaloOaChannel(app.engine, oa_settings(app, fake), app.clock, app.db)
    await channel.start()
    try:
        token = await channel.tokens.access()
        rotated = (await stored(app)).refresh_token
        fake.revoke()
        async with app.sessions() as session, session.begin():
            await session.execute(update(PlatformToken).values(expires_at=app.clock.now()))
        channel.tokens._cached = None
        for _ in range(3):
            with pytest.raises(TokenBroken):
                await channel.tokens.access()
        fake.text("2468", "xin chào")
        with pytest.raises(Exception) as failed:
            await channel.sender.send("2468", Reply("a"), as_reply=True)
        assert getattr(failed.value, "retry_after", None)
    finally:
        await channel.stop()
    assert len(fake.calls_of("access_token")) == 2  # one good, one refused: never again
    async with app.sessions() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
        staff = await session.scalar(
            select(ChatBinding).join(Member).where(Member.name == "Nguyễn Văn Em")
        )
    assert staff is not None and [r.binding_id for r in rows] == [staff.id]
    assert (
        "Zalo OA" in rows[0].payload["text"] and "ZALO_OA_REFRESH_TOKEN" in rows[0].payload["text"]
    )
    logged = caplog.text
    assert "-14014" in logged and "refused" in logged
    for secret in (token, rotated, REFRESH_TOKEN, "app-secret", "oa-secret"):
        assert secret not in logged


async def test_a_new_refresh_token_configured_replaces_the_broken_one(
    app: App, world: World, tmp_path: Path
) -> None:
    with FakeZaloOa(refresh_token="granted-again") as fake:
        settings = oa_settings(app, fake)
        async with app.sessions() as session, session.begin():
            session.add(
                PlatformToken(
                    key=f"zalo_oa:{APP_ID}",
                    refresh_token="old-dead",
                    seed_hash="x" * 64,
                    rotations=4,
                    broken_at=app.clock.now() - timedelta(days=1),
                    reason="-14014 Invalid refresh token.",
                    updated_at=app.clock.now(),
                )
            )
        from pydantic import SecretStr

        channel = ZaloOaChannel(
            app.engine,
            settings.model_copy(update={"zalo_oa_refresh_token": SecretStr("granted-again")}),
            app.clock,
            app.db,
        )
        await channel.start()
        try:
            assert await channel.tokens.access() in fake.access_tokens
        finally:
            await channel.stop()
        row = await stored(app)
        assert row.broken_at is None and row.refresh_token in fake.refresh_tokens


async def test_an_oauth_server_out_of_reach_makes_a_reply_wait_not_count_as_sent(
    app: App, world: World, fake: FakeZaloOa
) -> None:
    channel = ZaloOaChannel(app.engine, oa_settings(app, fake), app.clock, app.db)
    await channel.tokens.start()
    try:
        fake.fail("access_token", 502, "Bad Gateway")
        with pytest.raises(SendError) as waiting:
            await channel.sender.send("2468", Reply("a"), as_reply=True)
        assert not waiting.value.in_doubt and waiting.value.retry_after
        assert not fake.sent("2468")
        assert (await stored(app)).refresh_token == REFRESH_TOKEN  # nothing spent
    finally:
        await channel.api.close()
