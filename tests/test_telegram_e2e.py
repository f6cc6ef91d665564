"""The Telegram channel end to end: the real python-telegram-bot Application against a fake Bot API
server (tests/fakes/telegram_server.py), polling or webhook, with the real engine and database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.app import App
from bot.channels.telegram import TelegramChannel
from handlers import FLOWS
from handlers.clock import FixedClock
from handlers.types import Attachment, Reply
from storage.access import create_invite
from storage.models import ChatBinding, Member, Nomination, Report, StoredFile
from storage.templates import load_default_templates
from tests.factories import World
from tests.fakes.base import free_port
from tests.fakes.telegram_server import TOKEN, FakeTelegram

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
CHAT = 5001


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def channel_settings(app: App, fake: FakeTelegram, **more: Any) -> Any:
    values = {
        "telegram_token": SecretStr(TOKEN),
        "telegram_api_base": fake.base_url,
        "telegram_poll_timeout": 1,
        # dialogs here run faster than people type; pacing is the fault suite's
        "telegram_rate_per_chat": 50.0,
    } | more
    return app.settings.model_copy(update=values)


def track(channel: TelegramChannel) -> set[int]:
    """The ids of the updates the channel has finished with (handled and answered, or not)."""
    done: set[int] = set()
    channel.conveyor.on_handled.append(lambda key, _outcome: done.add(int(key)))
    return done


class Talk:
    """Sends one thing and returns the texts the bot answered to it."""

    def __init__(self, fake: FakeTelegram, channel: TelegramChannel) -> None:
        self.fake = fake
        self.channel = channel
        self.done = track(channel)

    async def __call__(self, chat: int, update_id: int) -> list[str]:
        before = len(self.fake.sent(chat))
        await self.fake.until(lambda: update_id in self.done)
        return self.fake.texts(chat)[before:]

    async def text(self, chat: int, text: str) -> list[str]:
        before = len(self.fake.sent(chat))
        update_id = self.fake.text(chat, text)
        await self.fake.until(lambda: update_id in self.done)
        return self.fake.texts(chat)[before:]

    async def press(self, chat: int, data: str) -> list[str]:
        before = len(self.fake.sent(chat))
        offered = [d for _label, d in self.fake.buttons(self.fake.sent(chat)[-1])]
        assert data in offered, (data, offered)
        update_id = self.fake.press(chat, data)
        await self.fake.until(lambda: update_id in self.done)
        return self.fake.texts(chat)[before:]

    async def photo(self, chat: int, data: bytes) -> list[str]:
        before = len(self.fake.sent(chat))
        update_id = self.fake.photo(chat, data)
        await self.fake.until(lambda: update_id in self.done)
        return self.fake.texts(chat)[before:]


@pytest.fixture
async def telegram(app: App, world: World, fake: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(app.engine, channel_settings(app, fake), FLOWS)
    await channel.start()
    yield channel
    await channel.stop()


@pytest.fixture
def talk(fake: FakeTelegram, telegram: TelegramChannel) -> Talk:
    return Talk(fake, telegram)


async def invite(app: App, world: World, role: str = "village_head") -> str:
    async with app.sessions() as session, session.begin():
        return await create_invite(session, world.villages[0], role, app.clock.now(), 7)


async def onboard(app: App, world: World, talk: Talk, chat: int = CHAT) -> list[str]:
    code = await invite(app, world)
    return await talk.text(chat, f"/start {code}")


async def test_deep_link_onboards_and_shows_the_menu_as_buttons(
    app: App, world: World, fake: FakeTelegram, talk: Talk
) -> None:
    texts = await onboard(app, world, talk)
    assert "Thôn Đông" in texts[0]
    buttons = fake.buttons(fake.sent(CHAT)[-1])
    assert ("Báo cáo tháng", "cmd:baocao") in buttons
    async with app.sessions() as session:
        binding = await session.scalar(select(ChatBinding).where(ChatBinding.channel == "telegram"))
        assert binding is not None and binding.chat_id == str(CHAT)
        member = await session.get(Member, binding.member_id)
        assert member is not None and member.name.startswith("Lò Văn")


async def test_command_menu_is_set_in_vietnamese_and_english(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    # set while the bot already polls: start-up does not wait for it
    calls = await fake.until(
        lambda: len(fake.calls_of("setMyCommands")) >= 2 and fake.calls_of("setMyCommands")
    )
    by_language = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert set(by_language) == {None, "en"}
    vi = {c["command"]: c["description"] for c in by_language[None]}
    en = {c["command"]: c["description"] for c in by_language["en"]}
    assert vi["baocao"] == "Báo cáo tháng"
    assert en["report"] == "Monthly report"
    assert {"start", "trogiup", "huy", "ngonngu"} <= set(vi)
    assert {"start", "help", "cancel", "lang"} <= set(en)


async def test_a_conversation_with_buttons(
    app: App, world: World, fake: FakeTelegram, talk: Talk
) -> None:
    await onboard(app, world, talk)
    assert await talk.text(CHAT, "/ngonngu") == ["Anh/Chị muốn dùng ngôn ngữ nào?"]
    asked = fake.sent(CHAT)[-1]
    assert [data for _label, data in fake.buttons(asked)] == ["vi", "en"]
    assert await talk.press(CHAT, "en") == ["Language set to English."]
    assert fake.calls_of("answerCallbackQuery")
    edits = fake.calls_of("editMessageReplyMarkup")
    assert [int(e.params["message_id"]) for e in edits] == [int(asked.params["_message_id"])]
    assert edits[0].params.get("reply_markup") in (None, "", {})
    texts = await talk.text(CHAT, "/lienket")
    assert "code" in texts[-1].lower()
    # A button of an old message is refused politely and changes nothing.
    update_id = fake.press(CHAT, "vi", int(asked.params["_message_id"]))
    texts = await talk(CHAT, update_id)
    assert texts and "English" not in texts[-1]


async def test_a_full_monthly_report_with_buttons_and_a_photo(
    app: App, world: World, fake: FakeTelegram, talk: Talk
) -> None:
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())
    await onboard(app, world, talk)
    first = await talk.press(CHAT, "cmd:baocao")
    assert "Báo cáo tháng 11/2026 – Thôn Đông" in first[0]
    await talk.press(CHAT, "no")
    await talk.text(CHAT, "2")
    await talk.text(CHAT, "3")
    await talk.press(CHAT, "c:tot")
    await talk.text(CHAT, "12")
    await talk.text(CHAT, "0")
    await talk.text(CHAT, "1")
    await talk.press(CHAT, "skip")
    await talk.press(CHAT, "skip")
    await talk.text(CHAT, "Họp dân bình xét cuối năm.")
    summary = await talk.photo(CHAT, JPEG)
    assert "Ảnh minh chứng" in summary[-1]
    saved = await talk.press(CHAT, "submit")
    assert "Đã gửi báo cáo tháng 11/2026" in saved[0]
    async with app.sessions() as session:
        report = await session.scalar(select(Report))
        assert report is not None
        assert report.answers["ho_ngheo_ho_tro"] == 12
        assert report.answers["ve_sinh_moi_truong"] == "tot"
        assert report.answers["an_ninh_trat_tu"] is False
        photo = await session.get(StoredFile, report.answers["anh_minh_chung"])
        assert photo is not None and photo.sha256 == hashlib.sha256(JPEG).hexdigest()
    # The downloaded copy in files/incoming is gone; the stored one stays.
    assert not list((app.settings.files_dir / "incoming").glob("*"))


async def test_a_nomination_with_a_photo(
    app: App, world: World, fake: FakeTelegram, talk: Talk
) -> None:
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())
    await onboard(app, world, talk)

    def first_button() -> str:
        return fake.buttons(fake.sent(CHAT)[-1])[0][1]

    await talk.press(CHAT, "cmd:dexuat")
    await talk.press(CHAT, "k:nguoi_dan")
    await talk.text(CHAT, "Nguyễn Thị Hoa")
    await talk.press(CHAT, "nu")
    await talk.text(CHAT, "1978")
    await talk.text(CHAT, "Chi hội trưởng phụ nữ thôn Đông")
    await talk.press(CHAT, first_button())  # the first award offered
    await talk.press(CHAT, "t:dot_xuat")
    await talk.press(CHAT, first_button())  # the first movement offered
    await talk.text(CHAT, "Vận động 40 hộ làm đường bê tông, hiến 300 m² đất.")
    after_photo = await talk.photo(CHAT, JPEG)
    assert after_photo and "finish" in [d for _l, d in fake.buttons(fake.sent(CHAT)[-1])]
    summary = await talk.press(CHAT, "finish")
    assert "Nguyễn Thị Hoa" in summary[-1]
    await talk.press(CHAT, "submit")
    async with app.sessions() as session:
        nomination = await session.scalar(select(Nomination))
        assert nomination is not None and nomination.nominee == "Nguyễn Thị Hoa"
        assert len(nomination.file_ids) == 1
        photo = await session.get(StoredFile, nomination.file_ids[0])
        assert photo is not None and photo.mime == "image/jpeg"


async def test_stickers_and_unreadable_files_get_a_polite_answer_and_the_queue_goes_on(
    app: App, world: World, fake: FakeTelegram, talk: Talk
) -> None:
    await onboard(app, world, talk)
    fake.sticker(CHAT)
    update_id = fake.sticker(CHAT)
    texts = await talk(CHAT, update_id)
    assert "nhãn dán" in fake.texts(CHAT)[-1]
    update_id = fake.document(CHAT, b"x", "bao-cao.docx", "application/msword")
    fake.files.clear()  # getFile now fails: the file cannot be fetched
    texts = await talk(CHAT, update_id)
    assert "chưa tải được tệp" in fake.texts(CHAT)[-1]
    texts = await talk.text(CHAT, "/trogiup")
    assert "/baocao" in texts[-1]


async def test_flood_limit_on_a_reply_is_waited_out(
    app: App, world: World, fake: FakeTelegram, talk: Talk
) -> None:
    await onboard(app, world, talk)
    sent_before = len(fake.calls_of("sendMessage"))
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    texts = await talk.text(CHAT, "/trogiup")
    assert "/baocao" in texts[-1]
    assert len(fake.calls_of("sendMessage")) == sent_before + 2  # the refused one, the retry


async def test_one_chat_in_order_while_another_chat_goes_on(
    app: App, world: World, fake: FakeTelegram, talk: Talk
) -> None:
    await onboard(app, world, talk, CHAT)
    code = await invite(app, world)
    before = len(fake.sent(CHAT))
    fake.slow("sendMessage", 0.05)
    fake.text(CHAT, "/ngonngu")
    fake.text(CHAT, "English")
    last = fake.text(CHAT, "/trogiup")
    other = fake.text(7002, f"/start {code}")
    await fake.until(lambda: {last, other} <= talk.done)
    texts = fake.texts(CHAT)[before:]
    assert texts[0] == "Anh/Chị muốn dùng ngôn ngữ nào?"
    assert texts[1] == "Language set to English."
    assert "/report" in texts[2]
    assert "Thôn Đông" in fake.texts(7002)[0]


async def test_webhook_refuses_a_forged_request_and_handles_a_redelivery_once(
    app: App, world: World, fake: FakeTelegram
) -> None:
    port = free_port()
    settings = channel_settings(
        app,
        fake,
        telegram_webhook_url="https://bot.example.vn/tg-hook",
        telegram_webhook_secret=SecretStr("s3cret-token"),
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
    )
    channel = TelegramChannel(app.engine, settings, FLOWS)
    await channel.start()
    try:
        hook = fake.calls_of("setWebhook")[-1].params
        assert hook["url"] == "https://bot.example.vn/tg-hook"
        assert hook["secret_token"] == "s3cret-token"
        code = await invite(app, world)
        update = {
            "update_id": 77,
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": CHAT, "type": "private"},
                "from": fake.user(CHAT),
                "text": f"/start {code}",
            },
        }
        url = f"http://127.0.0.1:{port}/tg-hook"
        body = json.dumps(update)
        headers = {"Content-Type": "application/json"}
        async with httpx.AsyncClient(timeout=5) as client:
            forged = await client.post(
                url, content=body, headers=headers | {"X-Telegram-Bot-Api-Secret-Token": "x"}
            )
            missing = await client.post(url, content=body, headers=headers)
            assert forged.status_code == 403 and missing.status_code == 403
            good = headers | {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            first = await client.post(url, content=body, headers=good)
            second = await client.post(url, content=body, headers=good)
            assert first.status_code == 200 and second.status_code == 200
        await fake.replies(CHAT, 2)
        update["update_id"] = 78
        update["message"]["text"] = "/trogiup"  # type: ignore[index]
        async with httpx.AsyncClient(timeout=5) as client:
            await client.post(url, content=json.dumps(update), headers=good)
        texts = await fake.replies(CHAT, 3)
        assert len(texts) == 3 and "Thôn Đông" in texts[0] and "/baocao" in texts[2]
    finally:
        await channel.stop()


async def test_staff_ask_for_the_digest_and_get_text_chart_and_workbook(
    app: App, world: World, fake: FakeTelegram, talk: Talk
) -> None:
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())
        code = await create_invite(session, world.commune, "staff", app.clock.now(), 7)
    await talk.text(CHAT, f"/start {code}")
    before = len(fake.sent(CHAT))
    await talk.text(CHAT, "/tonghop")
    # the chart and workbook come from a fresh worker process: slow on a loaded machine
    await fake.until(lambda: fake.sent(CHAT)[-1].method == "sendDocument", 60)
    sent = fake.sent(CHAT)[before:]
    methods = [c.method for c in sent]
    assert methods[-2:] == ["sendPhoto", "sendDocument"] and "sendMessage" in methods
    assert sent[-2].files["photo"][1].startswith(b"\x89PNG")
    name, data = sent[-1].files["document"]
    assert name.endswith(".xlsx") and data.startswith(b"PK")


async def test_a_digest_goes_out_as_text_photo_and_document(
    app: App, world: World, fake: FakeTelegram, telegram: TelegramChannel, tmp_path: Path
) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    sheet = tmp_path / "tong-hop.xlsx"
    sheet.write_bytes(b"PK\x03\x04" + b"0" * 64)
    long_text = "\n".join(f"{n}. Thôn số {n}: đã nộp báo cáo đúng hạn." for n in range(400))
    sender = telegram.sender
    await sender.send(str(CHAT), Reply(long_text))
    await sender.send(str(CHAT), Reply("Biểu đồ", attachment=Attachment("photo", chart, "c.png")))
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    message_id = await sender.send(
        str(CHAT),
        Reply("Bảng tổng hợp", attachment=Attachment("document", sheet, sheet.name, xlsx)),
    )
    sent = fake.sent(CHAT)
    texts = [c for c in sent if c.method == "sendMessage"]
    assert len(texts) >= 4 and all(len(c.params["text"]) <= 4096 for c in texts)
    assert "\n".join(c.params["text"] for c in texts) == long_text
    photo = next(c for c in sent if c.method == "sendPhoto")
    assert photo.params["caption"] == "Biểu đồ" and photo.files["photo"][1] == chart.read_bytes()
    document = next(c for c in sent if c.method == "sendDocument")
    assert document.files["document"] == ("tong-hop.xlsx", sheet.read_bytes())
    assert message_id == str(document.params["_message_id"])


async def test_voice_locations_and_a_crash_get_polite_answers_and_the_queue_goes_on(
    app: App, world: World, fake: FakeTelegram, talk: Talk, telegram: TelegramChannel
) -> None:
    await onboard(app, world, talk)
    voice = {"file_id": "v1", "file_unique_id": "uv1", "duration": 3}
    update_id = fake.inject({"message": fake._message(CHAT, voice=voice)})
    assert "nhãn dán" in (await talk(CHAT, update_id))[0]
    location = {"latitude": 21.0, "longitude": 105.8}
    update_id = fake.inject({"message": fake._message(CHAT, location=location)})
    assert "nhãn dán" in (await talk(CHAT, update_id))[0]

    async def broken(*args: object) -> object:
        raise RuntimeError("a bug in a step")

    dispatch = telegram.engine._dispatch
    telegram.engine._dispatch = broken  # type: ignore[assignment,method-assign]
    try:
        # the apology is sent after the handler gave up: wait for it, not for the handler
        before = len(fake.sent(CHAT))
        fake.text(CHAT, "/trogiup")
        await fake.until(lambda: len(fake.sent(CHAT)) > before)
        texts = fake.texts(CHAT)[before:]
    finally:
        telegram.engine._dispatch = dispatch  # type: ignore[method-assign]
    assert texts == [
        "Xin lỗi, hệ thống đang gặp sự cố nên chưa xử lý được tin nhắn này. "
        "Anh/Chị vui lòng gửi lại sau ít phút."
    ]
    assert "/baocao" in (await talk.text(CHAT, "/trogiup"))[0]


async def test_a_database_that_fails_for_a_moment_delays_the_answer_instead_of_losing_it(
    app: App,
    world: World,
    fake: FakeTelegram,
    talk: Talk,
    telegram: TelegramChannel,
    clock: FixedClock,
) -> None:
    await onboard(app, world, talk)
    failures = [OperationalError("BEGIN", {}, Exception("database is locked"))]
    handle = telegram.engine._handle

    async def flaky(*args: Any) -> Any:
        if failures:
            raise failures.pop()
        return await handle(*args)

    telegram.engine._handle = flaky  # type: ignore[method-assign]
    update_id = fake.text(CHAT, "/trogiup")
    await fake.until(lambda: not failures)
    clock.set(clock.now() + timedelta(seconds=5))  # the retry is due
    await fake.until(lambda: update_id in talk.done, 15)
    assert "/baocao" in fake.texts(CHAT)[-1]
    assert not any("sự cố" in text for text in fake.texts(CHAT))
