"""TelegramSender against the fake Bot API: the Sender contract's errors, keyboards, splitting."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot

from bot.channels.base import ChatBlocked, SendError
from bot.channels.telegram import TelegramSender
from bot.settings import Settings
from handlers.types import Option, Reply
from tests.fakes.telegram_server import TOKEN, FakeTelegram

pytestmark = pytest.mark.nodb


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def sender(fake: FakeTelegram) -> AsyncIterator[TelegramSender]:
    bot = Bot(TOKEN, base_url=f"{fake.base_url}/bot", base_file_url=f"{fake.base_url}/file/bot")
    async with bot:
        yield TelegramSender(bot, Settings(_env_file=None))  # type: ignore[call-arg]


async def test_flood_limit_gives_retry_after(fake: FakeTelegram, sender: TelegramSender) -> None:
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(SendError) as error:
        await sender.send("42", Reply("nhắc việc"))
    assert error.value.retry_after == 7 and not error.value.permanent


async def test_blocked_bad_and_failing(fake: FakeTelegram, sender: TelegramSender) -> None:
    fake.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(ChatBlocked):
        await sender.send("42", Reply("a"))
    fake.fail("sendMessage", 400, "Bad Request: chat not found")
    with pytest.raises(SendError) as bad:
        await sender.send("42", Reply("a"))
    assert bad.value.permanent
    fake.fail("sendMessage", 500, "Internal Server Error")
    with pytest.raises(SendError) as failed:
        await sender.send("42", Reply("a"))
    assert not failed.value.permanent and failed.value.retry_after is None
    assert await sender.send("42", Reply("a")) == str(fake.sent(42)[-1].params["_message_id"])


async def test_network_down_is_a_retryable_send_error(sender: TelegramSender) -> None:
    sender.bot._base_url = "http://127.0.0.1:9/bot" + TOKEN
    with pytest.raises(SendError) as error:
        await sender.send("42", Reply("a"))
    assert not error.value.permanent


async def test_keyboard_goes_on_the_last_piece(fake: FakeTelegram, sender: TelegramSender) -> None:
    text = "\n".join(f"dòng số {n} của một tin nhắn dài" for n in range(300))
    await sender.send("42", Reply(text, (Option("ok", "Đồng ý"),)))
    sent = fake.sent(42)
    assert len(sent) == 3
    assert [bool(fake.buttons(c)) for c in sent] == [False, False, True]
    assert fake.buttons(sent[-1]) == [("Đồng ý", "ok")]
