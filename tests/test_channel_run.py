"""`thidua run` as a real process against the fake Telegram and Zalo servers: both channels at once,
killed mid-conversation (SIGKILL) and restarted where it was; SIGTERM stops it cleanly; no token
at all is a clear refusal. The staff web page is served beside the channels, and alone by
`thidua web`."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import App
from storage.access import create_invite
from storage.models import ChatReply, InboxUpdate
from storage.templates import load_default_templates
from tests.factories import World
from tests.fakes.telegram_server import TOKEN as TG_TOKEN
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.zalo_server import TOKEN as ZALO_TOKEN
from tests.fakes.zalo_server import FakeZalo

ROOT = Path(__file__).resolve().parent.parent
TG_CHAT = 9001
ZALO_CHAT = "z9001"


def environment(app: App, **more: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    return (
        keep
        | {
            "DATABASE_URL": app.settings.database_url,
            "FILES_DIR": str(app.settings.files_dir),
            "PYTHONPATH": str(ROOT),
            "WEB_PORT": "0",  # the staff web page on a free port
        }
        | more
    )


class Bot:
    """One `thidua run` process; always killed at the end of the test."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self.log = cwd / "run.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=log,
            )

    def stop(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        code = self.process.wait(timeout=20)
        self.process = None
        return code

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def servers() -> Iterator[tuple[FakeTelegram, FakeZalo]]:
    with FakeTelegram() as telegram, FakeZalo() as zalo:
        yield telegram, zalo


@pytest.fixture
def bot(app: App, servers: tuple[FakeTelegram, FakeZalo], tmp_path: Path) -> Iterator[Bot]:
    telegram, zalo = servers
    env = environment(
        app,
        TELEGRAM_TOKEN=TG_TOKEN,
        TELEGRAM_API_BASE=telegram.base_url,
        TELEGRAM_POLL_TIMEOUT="1",
        ZALO_BOT_TOKEN=ZALO_TOKEN,
        ZALO_API_BASE=zalo.base_url,
        ZALO_POLL_TIMEOUT="1",
    )
    runner = Bot(env, tmp_path)
    yield runner
    runner.close()


async def settled(app: App, seconds: float = 20.0) -> None:
    """Waits until every stored update is handled and every reply marked sent."""

    async def pending() -> int:
        async with app.sessions() as session:
            left = await session.scalar(
                select(func.count(ChatReply.id)).where(ChatReply.sent_at.is_(None))
            )
            left = (left or 0) + (
                await session.scalar(
                    select(func.count(InboxUpdate.id)).where(InboxUpdate.handled_at.is_(None))
                )
                or 0
            )
        return int(left)

    deadline = asyncio.get_running_loop().time() + seconds
    while await pending():
        assert asyncio.get_running_loop().time() < deadline, "work left unsettled"
        await asyncio.sleep(0.05)


def wait_ready(telegram: FakeTelegram, zalo: FakeZalo, bot: Bot) -> None:
    """Both channels polling (the fakes saw a getUpdates after the process started)."""
    t0, z0 = len(telegram.calls_of("getUpdates")), len(zalo.calls_of("getUpdates"))
    try:
        telegram.wait_for(lambda: len(telegram.calls_of("getUpdates")) > t0, 30)
        zalo.wait_for(lambda: len(zalo.calls_of("getUpdates")) > z0, 30)
    except TimeoutError:
        raise AssertionError(bot.output()) from None


@pytest.mark.slow
async def test_killed_mid_conversation_resumes_at_the_same_step_on_both_channels(
    app: App, world: World, servers: tuple[FakeTelegram, FakeZalo], bot: Bot
) -> None:
    telegram, zalo = servers
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())
        tg_code = await create_invite(
            session, world.villages[0], "village_head", app.clock.now(), 30
        )
        zalo_code = await create_invite(
            session, world.villages[1], "village_head", app.clock.now(), 30
        )
    bot.start()
    wait_ready(telegram, zalo, bot)

    telegram.text(TG_CHAT, f"/start {tg_code}")
    zalo.text(ZALO_CHAT, f"/start {zalo_code}")
    telegram.wait_sent(TG_CHAT, 2, 20)
    zalo.wait_for(lambda: len(zalo.sent(ZALO_CHAT)) >= 2, 20)

    telegram.press(TG_CHAT, "cmd:baocao")
    telegram.wait_for(lambda: telegram.texts(TG_CHAT)[-1].startswith("Câu 1/11"), 20)
    telegram.text(TG_CHAT, "khong")
    telegram.wait_for(lambda: telegram.texts(TG_CHAT)[-1].startswith("Câu 2/11"), 20)
    zalo.text(ZALO_CHAT, "/ngonngu")
    zalo.wait_for(lambda: len(zalo.sent(ZALO_CHAT)) >= 3, 20)
    sent_before = len(telegram.sent(TG_CHAT))
    # killed between two messages (a kill while a reply is in flight is the fault suite's)
    await settled(app)

    assert bot.stop(signal.SIGKILL) == -signal.SIGKILL
    bot.start()
    wait_ready(telegram, zalo, bot)

    telegram.text(TG_CHAT, "3")
    texts = telegram.wait_sent(TG_CHAT, sent_before + 1, 20)
    assert texts[-1].startswith("Câu 3/11"), texts
    zalo.text(ZALO_CHAT, "2")
    zalo.wait_for(lambda: len(zalo.sent(ZALO_CHAT)) >= 4, 20)
    assert zalo.texts(ZALO_CHAT)[-1] == "Language set to English."
    # Nothing was answered twice across the restart.
    assert len(telegram.sent(TG_CHAT)) == sent_before + 1 and len(zalo.sent(ZALO_CHAT)) == 4

    assert bot.stop(signal.SIGTERM) == 0
    assert "Traceback" not in bot.output()


async def test_sigterm_stops_cleanly_in_webhook_mode(
    app: App, servers: tuple[FakeTelegram, FakeZalo], tmp_path: Path
) -> None:
    telegram, _zalo = servers
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = environment(
        app,
        TELEGRAM_TOKEN=TG_TOKEN,
        TELEGRAM_API_BASE=telegram.base_url,
        TELEGRAM_WEBHOOK_URL="https://bot.example.vn/tg",
        TELEGRAM_WEBHOOK_SECRET="s3cret",
        TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
        TELEGRAM_WEBHOOK_PORT=str(port),
    )
    runner = Bot(env | {"WEB_LISTEN": "127.0.0.1"}, tmp_path)
    runner.start()
    try:
        telegram.wait_for(lambda: telegram.calls_of("setWebhook"), 30)
        # the staff web page is served beside the channels
        web = wait_for_line(runner.output, r"web page on 127\.0\.0\.1:(\d+)")
        page = await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{web}/signin", timeout=10)
        assert page.status_code == 200 and "/web" in page.text
        assert runner.stop(signal.SIGTERM) == 0
    finally:
        runner.close()
    assert "Traceback" not in runner.output()


def wait_for_line(read: Callable[[], str], pattern: str, seconds: float = 30) -> str:
    """The first group of `pattern` once it appears in what `read` returns."""
    deadline = time.monotonic() + seconds
    while (found := re.search(pattern, read())) is None:
        assert time.monotonic() < deadline, read()
        time.sleep(0.05)
    return found.group(1)


def test_thidua_web_serves_the_page_and_the_api_alone(
    app: App, world: World, tmp_path: Path
) -> None:
    log = tmp_path / "web.log"
    env = environment(app, WEB_LISTEN="127.0.0.1", WEB_BASE_URL="http://staff.example.vn")
    link = subprocess.run(
        [sys.executable, "-m", "bot", "web-link", "--member", str(world.members["staff"].id)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert link.returncode == 0, link.stderr
    token = link.stdout.strip().splitlines()[-1].split("http://staff.example.vn/signin/")[1]
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "web"], env=env, cwd=tmp_path, stdout=out, stderr=out
        )
    try:
        port = wait_for_line(lambda: log.read_text(errors="replace"), r"127\.0\.0\.1:(\d+)/")
        base = f"http://127.0.0.1:{port}"
        page = httpx.get(f"{base}/signin/{token}", timeout=10)
        assert page.status_code == 200 and "Đăng nhập" in page.text
        assert httpx.get(f"{base}/completeness", timeout=10).headers["location"] == "/signin"
        described = httpx.get(f"{base}/api/v1/openapi.json", timeout=10).json()
        assert "/reports" in described["paths"]
        assert httpx.get(f"{base}/api/v1/units", timeout=10).status_code == 401
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert "Traceback" not in log.read_text(errors="replace")


def test_without_any_token_it_says_so_and_exits_2(tmp_path: Path) -> None:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=keep | {"PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert b"TELEGRAM_TOKEN" in done.stderr and b"ZALO_BOT_TOKEN" in done.stderr


def test_a_wrong_token_is_a_clear_error_and_exit_1(
    app: App, servers: tuple[FakeTelegram, FakeZalo], tmp_path: Path
) -> None:
    telegram, _zalo = servers
    env = environment(app, TELEGRAM_TOKEN="1:wrong", TELEGRAM_API_BASE=telegram.base_url)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path, capture_output=True, timeout=60
    )
    assert done.returncode == 1
    assert b"telegram could not start" in done.stderr
    assert b"1:wrong" not in done.stderr and b"Traceback" not in done.stderr
