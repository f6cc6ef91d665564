"""Nothing a person sends is lost and no reply is skipped, on every channel and both ways of
receiving: an update is acknowledged only once it is stored (a bot stopped dead right after
the acknowledgment still answers it when it comes back), and a reply the platform refused
(5xx) or left unanswered is sent again before the dialog moves on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from handlers import FLOWS
from handlers.clock import FixedClock
from storage.access import create_invite
from storage.templates import load_default_templates
from tests.factories import World
from tests.fakes.base import free_port
from tests.fakes.telegram_server import TOKEN as TG_TOKEN
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.zalo_server import TOKEN as ZALO_TOKEN
from tests.fakes.zalo_server import FakeZalo

TG_CHAT = 6101
ZALO_CHAT = "z6101"
SECRET = "hook-s3cret"


@pytest.fixture
def telegram_fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def zalo_fake() -> Iterator[FakeZalo]:
    with FakeZalo() as server:
        yield server


def telegram_channel(app: App, fake: FakeTelegram, webhook_port: int | None) -> TelegramChannel:
    values: dict[str, Any] = {
        "telegram_token": SecretStr(TG_TOKEN),
        "telegram_api_base": fake.base_url,
        "telegram_poll_timeout": 1,
        # refusals are retried after 0.05 s, 0.1 s … instead of 1 s, 2 s …, and a chat's
        # replies are not held to Telegram's one a second: the same order, sooner
        "reply_retry_seconds": 0.05,
        "telegram_rate_per_chat": 1000.0,
    }
    if webhook_port is not None:
        values |= {
            "telegram_webhook_url": "https://bot.example.vn/tg",
            "telegram_webhook_secret": SecretStr(SECRET),
            "telegram_webhook_listen": "127.0.0.1",
            "telegram_webhook_port": webhook_port,
        }
    return TelegramChannel(app.engine, app.settings.model_copy(update=values), FLOWS)


def zalo_channel(app: App, fake: FakeZalo, webhook_port: int | None) -> ZaloChannel:
    values: dict[str, Any] = {
        "zalo_bot_token": SecretStr(ZALO_TOKEN),
        "zalo_api_base": fake.base_url,
        "zalo_poll_timeout": 1,
        "zalo_rate_per_second": 1000.0,
    }
    if webhook_port is not None:
        values |= {
            "zalo_webhook_url": "https://bot.example.vn/zalo",
            "zalo_webhook_secret": SecretStr(SECRET),
            "zalo_webhook_listen": "127.0.0.1",
            "zalo_webhook_port": webhook_port,
        }
    return ZaloChannel(app.engine, app.settings.model_copy(update=values), app.clock)


async def post(url: str, body: dict[str, Any], header: str) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(
            url,
            content=json.dumps(body),
            headers={"Content-Type": "application/json", header: SECRET},
        )
    return answer.status_code


async def stuck_then_stopped(channel: Any, acknowledged: Callable[[], Awaitable[None]]) -> None:
    """Starts the channel with a turn that never ends, waits for the acknowledgment, then stops
    the channel dead (the turn is cancelled, as a kill would cut it)."""
    engine = channel.engine
    handle = engine._handle
    never = asyncio.Event()

    async def stuck(*args: Any) -> Any:
        await never.wait()

    engine._handle = stuck
    try:
        await channel.start()
        await acknowledged()
        await channel.conveyor.stop(0)
        await channel.stop()
    finally:
        engine._handle = handle


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_telegram_answers_an_update_acknowledged_just_before_a_stop(
    app: App, world: World, telegram_fake: FakeTelegram, webhook: bool
) -> None:
    fake = telegram_fake
    async with app.sessions() as session, session.begin():
        code = await create_invite(session, world.villages[0], "village_head", app.clock.now(), 7)
    port = free_port() if webhook else None

    async def acknowledged() -> None:
        if port is None:
            update_id = fake.text(TG_CHAT, f"/start {code}")
            # the next getUpdates starts past the update: Telegram forgets it
            await fake.until(
                lambda: any(
                    int(c.params.get("offset") or 0) > update_id
                    for c in fake.calls_of("getUpdates")
                )
            )
        else:
            update = {"update_id": 501, "message": fake._message(TG_CHAT, text=f"/start {code}")}
            url = f"http://127.0.0.1:{port}/tg"
            assert await post(url, update, "X-Telegram-Bot-Api-Secret-Token") == 200

    await stuck_then_stopped(telegram_channel(app, fake, port), acknowledged)
    assert fake.sent(TG_CHAT) == []

    again = telegram_channel(app, fake, port)
    await again.start()
    try:
        texts = await fake.replies(TG_CHAT, 2)
        assert "Thôn Đông" in texts[0]
    finally:
        await again.stop()


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_zalo_answers_an_update_acknowledged_just_before_a_stop(
    app: App, world: World, zalo_fake: FakeZalo, webhook: bool
) -> None:
    fake = zalo_fake
    async with app.sessions() as session, session.begin():
        code = await create_invite(session, world.villages[1], "village_head", app.clock.now(), 7)
    port = free_port() if webhook else None

    async def acknowledged() -> None:
        if port is None:
            fake.text(ZALO_CHAT, code)
            # getUpdates handed it over: Zalo does not give it again
            await fake.until(lambda: not fake.updates and len(fake.calls_of("getUpdates")) > 1)
        else:
            update = fake.message(ZALO_CHAT, "message.text.received", text=code)
            url = f"http://127.0.0.1:{port}/zalo"
            assert await post(url, update, "X-Bot-Api-Secret-Token") == 200

    await stuck_then_stopped(zalo_channel(app, fake, port), acknowledged)
    assert fake.sent(ZALO_CHAT) == []

    again = zalo_channel(app, fake, port)
    await again.start()
    try:
        await fake.until(lambda: len(fake.sent(ZALO_CHAT)) >= 1)
        assert "Thôn Tây" in fake.texts(ZALO_CHAT)[0]
    finally:
        await again.stop()


@pytest.fixture
async def telegram(app: App, world: World, telegram_fake: FakeTelegram) -> AsyncIterator[Any]:
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())
        code = await create_invite(session, world.villages[0], "village_head", app.clock.now(), 7)
    channel = telegram_channel(app, telegram_fake, None)
    await channel.start()
    telegram_fake.text(TG_CHAT, f"/start {code}")
    await telegram_fake.replies(TG_CHAT, 2)
    yield channel
    await channel.stop()


async def test_a_reply_refused_once_by_the_platform_is_sent_again_before_the_next_question(
    telegram_fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    fake = telegram_fake
    fake.press(TG_CHAT, "cmd:baocao")
    await fake.until(lambda: fake.delivered(TG_CHAT)[-1].startswith("Câu 1/11"))
    fake.fail("sendMessage", 500, "Internal Server Error")
    fake.text(TG_CHAT, "khong")
    await fake.until(lambda: fake.delivered(TG_CHAT)[-1].startswith("Câu 2/11"))
    # the person answers the question they saw
    fake.text(TG_CHAT, "3")
    await fake.until(lambda: fake.delivered(TG_CHAT)[-1].startswith("Câu 3/11"))
    asked = [t for t in fake.delivered(TG_CHAT) if t.startswith("Câu ")]
    assert [t[:8] for t in asked] == ["Câu 1/11", "Câu 2/11", "Câu 3/11"]


async def test_a_long_outage_holds_the_chat_and_the_late_reply_says_so(
    app: App, clock: FixedClock, telegram_fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    fake = telegram_fake
    fake.press(TG_CHAT, "cmd:baocao")
    await fake.until(lambda: fake.delivered(TG_CHAT)[-1].startswith("Câu 1/11"))
    before = len(fake.delivered(TG_CHAT))
    # Telegram refuses every send for a long time
    fake.fail("sendMessage", 502, "Bad Gateway", times=1000)
    fake.text(TG_CHAT, "khong")
    await fake.until(lambda: len(fake.sent(TG_CHAT)) >= before + 5, 40)
    # meanwhile the person, seeing nothing, sends the next answer ahead: it waits its turn
    fake.text(TG_CHAT, "12")
    await asyncio.sleep(0.5)
    assert len(fake.delivered(TG_CHAT)) == before
    with fake._cond:
        fake.failures.clear()
    clock.set(clock.now() + timedelta(minutes=20))
    await fake.until(lambda: "Câu 3/11" in fake.delivered(TG_CHAT)[-1], 70)
    delivered = fake.delivered(TG_CHAT)[before:]
    assert delivered[0].startswith("(Xin lỗi, tin trả lời này đến muộn")
    assert "Câu 2/11" in delivered[0]
    # the "12" sent ahead was taken as the answer to question 2, which the person had by then
    assert len(delivered) == 2 and delivered[1].startswith("Câu 3/11")
