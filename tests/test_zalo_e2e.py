"""The Zalo channel end to end: the real httpx client against a fake Zalo Bot API server
(tests/fakes/zalo_server.py), polling or webhook, with the real engine and database."""

from __future__ import annotations

import asyncio
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

from bot.app import App
from bot.channels.base import ChatBlocked, SendError
from bot.channels.zalo import ZaloChannel
from handlers.clock import FixedClock
from handlers.types import Attachment, Option, Reply
from storage.access import create_invite
from storage.models import ChatBinding, Report, StoredFile
from storage.templates import load_default_templates
from tests.factories import World
from tests.fakes.zalo_server import TOKEN, FakeZalo

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHAT = "7a1b2c3d4e"


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    with FakeZalo() as server:
        yield server


def zalo_settings(app: App, fake: FakeZalo, **more: Any) -> Any:
    values = {
        "zalo_bot_token": SecretStr(TOKEN),
        "zalo_api_base": fake.base_url,
        "zalo_poll_timeout": 1,
        "zalo_rate_per_second": 1000.0,
        # dialogs here run faster than people type; pacing is the fault suite's
        "zalo_rate_per_chat": 50.0,
        "zalo_webhook_listen": "127.0.0.1",
        "zalo_webhook_port": 0,
    } | more
    return app.settings.model_copy(update=values)


class Talk:
    """Sends one thing on the fake and returns the texts the bot answered to it."""

    def __init__(self, fake: FakeZalo, channel: ZaloChannel) -> None:
        self.fake = fake
        self.handled: list[str | None] = []
        channel.conveyor.on_handled.append(lambda key, _outcome: self.handled.append(key))

    async def wait(self, chat: str, message_id: str, before: int) -> list[str]:
        await self.fake.until(lambda: message_id in self.handled)
        return self.fake.texts(chat)[before:]

    async def text(self, chat: str, text: str) -> list[str]:
        before = len(self.fake.sent(chat))
        return await self.wait(chat, self.fake.text(chat, text), before)

    async def image(self, chat: str, data: bytes) -> list[str]:
        before = len(self.fake.sent(chat))
        return await self.wait(chat, self.fake.image(chat, data), before)


@pytest.fixture
async def zalo(app: App, world: World, fake: FakeZalo) -> AsyncIterator[ZaloChannel]:
    channel = ZaloChannel(app.engine, zalo_settings(app, fake), app.clock)
    await channel.start()
    yield channel
    await channel.stop()


@pytest.fixture
def talk(fake: FakeZalo, zalo: ZaloChannel) -> Talk:
    return Talk(fake, zalo)


async def invite(app: App, world: World) -> str:
    async with app.sessions() as session, session.begin():
        return await create_invite(session, world.villages[1], "village_head", app.clock.now(), 7)


async def test_typing_the_invite_code_onboards(app: App, world: World, talk: Talk) -> None:
    code = await invite(app, world)
    texts = await talk.text(CHAT, code)
    assert "Thôn Tây" in texts[0]
    menu = texts[-1]
    assert "\n1. Báo cáo tháng\n" in menu and "Trả lời 1, 2" in menu
    async with app.sessions() as session:
        binding = await session.scalar(select(ChatBinding).where(ChatBinding.channel == "zalo"))
        assert binding is not None and binding.chat_id == CHAT


async def test_a_conversation_with_numbered_replies(
    app: App, world: World, fake: FakeZalo, talk: Talk
) -> None:
    await talk.text(CHAT, f"/start {await invite(app, world)}")
    asked = await talk.text(CHAT, "/ngonngu")
    assert asked == [
        "Anh/Chị muốn dùng ngôn ngữ nào?\n\n1. Tiếng Việt\n2. English\n\nTrả lời 1 hoặc 2."
    ]
    assert await talk.text(CHAT, "2") == ["Language set to English."]
    asked = await talk.text(CHAT, "/lang")
    assert asked[0].endswith("Reply 1 or 2.")
    assert await talk.text(CHAT, "Tiếng Việt") == ["Đã chuyển sang tiếng Việt."]


async def test_a_full_monthly_report_with_numbered_replies_and_a_photo(
    app: App, world: World, fake: FakeZalo, talk: Talk
) -> None:
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())
    await talk.text(CHAT, await invite(app, world))
    menu = fake.texts(CHAT)[-1].split("\n")
    number = next(line.split(".")[0] for line in menu if line.endswith(". Báo cáo tháng"))
    yes_no = await talk.text(CHAT, number)
    assert "Báo cáo tháng 11/2026 – Thôn Tây" in yes_no[0]
    assert "1. Có\n2. Không" in yes_no[-1] and "Trả lời 1 hoặc 2." in yes_no[-1]
    await talk.text(CHAT, "2")
    await talk.text(CHAT, "2")
    choice = await talk.text(CHAT, "3")
    assert "1. Tốt\n2. Đạt\n3. Chưa đạt" in choice[-1]
    for answer in ("1", "12", "0", "10"):
        optional = await talk.text(CHAT, answer)
    assert "• Bỏ qua" in optional[-1]
    await talk.text(CHAT, "Bỏ qua")
    await talk.text(CHAT, "bỏ qua")
    await talk.text(CHAT, "Họp dân bình xét cuối năm.")
    summary = await talk.image(CHAT, JPEG)
    assert "1. Gửi báo cáo\n2. Sửa một câu\n3. Hủy" in summary[-1]
    assert "Trả lời 1, 2 hoặc 3." in summary[-1]
    saved = await talk.text(CHAT, "1")
    assert "Đã gửi báo cáo tháng 11/2026" in saved[0]
    async with app.sessions() as session:
        report = await session.scalar(select(Report))
        assert report is not None
        assert report.answers["nguoi_tot_viec_tot"] == 10
        assert report.answers["an_ninh_trat_tu"] is False
        photo = await session.get(StoredFile, report.answers["anh_minh_chung"])
        assert photo is not None and photo.sha256 == hashlib.sha256(JPEG).hexdigest()


async def test_stickers_and_unsupported_messages_get_a_polite_answer(
    app: App, world: World, fake: FakeZalo, talk: Talk
) -> None:
    await talk.text(CHAT, await invite(app, world))
    before = len(fake.sent(CHAT))
    texts = await talk.wait(CHAT, fake.sticker(CHAT), before)
    assert "nhãn dán" in texts[0]
    texts = await talk.wait(CHAT, fake.unsupported(CHAT), before + 1)
    assert "nhãn dán" in texts[0]
    assert "/baocao" in (await talk.text(CHAT, "/trogiup"))[0]


async def test_a_message_delivered_twice_is_handled_once(
    app: App, world: World, fake: FakeZalo, talk: Talk
) -> None:
    await talk.text(CHAT, await invite(app, world))
    before = len(fake.sent(CHAT))
    fake.text(CHAT, "/ngonngu", message_id="dup-1")
    fake.text(CHAT, "/ngonngu", message_id="dup-1")
    # an update without a message id: the same update twice is still one message
    bare = fake.message(CHAT, "message.text.received", text="/trogiup")
    del bare["message"]["message_id"]
    fake.deliver(bare)
    fake.deliver(json.loads(json.dumps(bare)))
    await fake.until(lambda: not fake.updates and len(talk.handled) >= 3)
    await asyncio.sleep(0.3)
    assert talk.handled.count("dup-1") == 1 and len(talk.handled) == 3
    texts = fake.texts(CHAT)[before:]
    assert len(texts) == 2 and "/baocao" in texts[1]


async def test_empty_polls_in_either_shape_keep_the_loop_going(
    app: App, world: World, fake: FakeZalo, talk: Talk
) -> None:
    fake.empty_as_http_408 = False
    await fake.until(lambda: len(fake.calls_of("getUpdates")) >= 2, seconds=5)
    texts = await talk.text(CHAT, "xin chào")
    assert "mã mời" in texts[0]


async def test_webhook_checks_the_secret_and_takes_wrapped_and_bare_updates(
    app: App, world: World, fake: FakeZalo
) -> None:
    settings = zalo_settings(
        app,
        fake,
        zalo_webhook_url="https://bot.example.vn/zalo-hook",
        zalo_webhook_secret=SecretStr("zalo-secret-1"),
    )
    channel = ZaloChannel(app.engine, settings, app.clock)
    talk = Talk(fake, channel)
    await channel.start()
    try:
        assert fake.webhook["url"] == "https://bot.example.vn/zalo-hook"
        assert fake.webhook["secret_token"] == "zalo-secret-1"
        assert not fake.calls_of("getUpdates")
        url = f"http://127.0.0.1:{channel.port}/zalo-hook"
        code = await invite(app, world)
        update = fake.message(CHAT, "message.text.received", "w1", text=code)
        async with httpx.AsyncClient(timeout=5) as client:
            forged = await client.post(
                url, json=update, headers={"X-Bot-Api-Secret-Token": "wrong-secret"}
            )
            missing = await client.post(url, json=update)
            assert forged.status_code == 403 and missing.status_code == 403
            assert not talk.handled
            good = {"X-Bot-Api-Secret-Token": "zalo-secret-1"}
            wrapped = await client.post(url, json={"ok": True, "result": update}, headers=good)
            assert wrapped.status_code == 200
            await fake.until(lambda: "w1" in talk.handled)
            assert "Thôn Tây" in fake.texts(CHAT)[0]
            bare = fake.message(CHAT, "message.text.received", "w2", text="/trogiup")
            assert (await client.post(url, json=bare, headers=good)).status_code == 200
            await fake.until(lambda: "w2" in talk.handled)
            assert "/baocao" in fake.texts(CHAT)[-1]
    finally:
        await channel.stop()


async def test_files_go_out_as_signed_expiring_links(
    app: App, world: World, fake: FakeZalo, tmp_path: Path
) -> None:
    clock = FixedClock(app.clock.now())
    settings = zalo_settings(app, fake, public_base_url="http://127.0.0.1:0", file_link_hours=2)
    channel = ZaloChannel(app.engine, settings, clock)
    await channel.start()
    try:
        assert channel.links is not None
        channel.links.base_url = f"http://127.0.0.1:{channel.port}"
        sheet = tmp_path / "tong-hop.xlsx"
        sheet.write_bytes(b"PK\x03\x04" + b"x" * 100)
        chart = tmp_path / "chart.png"
        chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"y" * 100)
        reply = Reply(
            "Tổng hợp tháng 11", attachment=Attachment("document", sheet, sheet.name, XLSX)
        )
        await channel.sender.send(CHAT, reply)
        await channel.sender.send(
            CHAT, Reply("Biểu đồ", attachment=Attachment("photo", chart, "c.png", "image/png"))
        )
        text = fake.texts(CHAT)[0]
        assert text.startswith("Tổng hợp tháng 11\n\nTải tệp tong-hop.xlsx tại: http://")
        link = next(word for word in text.split() if word.startswith("http://"))
        photo = fake.calls_of("sendPhoto")[0].params
        assert photo["caption"] == "Biểu đồ"
        async with httpx.AsyncClient(timeout=5) as client:
            got = await client.get(link)
            assert got.status_code == 200 and got.content == sheet.read_bytes()
            assert got.headers["content-type"] == XLSX
            assert "tong-hop.xlsx" in got.headers["content-disposition"]
            assert (await client.get(photo["photo"])).content == chart.read_bytes()
            token = link.split("/files/")[1].split("/")[0]
            tampered = link.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
            assert (await client.get(tampered)).status_code == 404
            guessed = f"http://127.0.0.1:{channel.port}/files/{token.split('.')[0]}.x/a.xlsx"
            assert (await client.get(guessed)).status_code == 404
            clock.set(clock.now() + timedelta(hours=3))
            assert (await client.get(link)).status_code == 404
    finally:
        await channel.stop()


async def test_staff_ask_for_the_digest_and_get_the_chart_and_a_workbook_link(
    app: App, world: World, fake: FakeZalo
) -> None:
    settings = zalo_settings(app, fake, public_base_url="http://127.0.0.1:0")
    channel = ZaloChannel(app.engine, settings, app.clock)
    talk = Talk(fake, channel)
    await channel.start()
    try:
        assert channel.links is not None
        channel.links.base_url = f"http://127.0.0.1:{channel.port}"
        async with app.sessions() as session, session.begin():
            await load_default_templates(session, app.clock.now())
            code = await create_invite(session, world.commune, "staff", app.clock.now(), 7)
        await talk.text(CHAT, code)
        texts = await talk.text(CHAT, "/tonghop")
        photo = fake.calls_of("sendPhoto")[-1].params
        link = next(w for w in texts[-1].split() if w.startswith("http://"))
        assert ".xlsx" in texts[-1]
        async with httpx.AsyncClient(timeout=5) as client:
            chart = await client.get(photo["photo"])
            assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
            workbook = await client.get(link)
            assert workbook.status_code == 200 and workbook.content.startswith(b"PK")
    finally:
        await channel.stop()


async def test_long_texts_are_split_between_lines_and_options_numbered(
    app: App, fake: FakeZalo
) -> None:
    channel = ZaloChannel(app.engine, zalo_settings(app, fake), app.clock)
    lines = [f"{n}. Thôn số {n} đã nộp báo cáo đúng hạn, số liệu đầy đủ." for n in range(120)]
    options = (Option("a", "Xem chi tiết"), Option("b", "Về menu"))
    await channel.sender.send(CHAT, Reply("\n".join(lines), options), by_number=True)
    texts = fake.texts(CHAT)
    assert len(texts) >= 3 and all(len(t) <= 2000 for t in texts)
    assert all(
        line in lines or not line or line.startswith(("1. X", "2. V", "Trả"))
        for t in texts
        for line in t.split("\n")
    )
    assert texts[-1].endswith("1. Xem chi tiết\n2. Về menu\n\nTrả lời 1 hoặc 2.")
    await channel.api.close()


async def test_send_errors_map_to_the_sender_contract(app: App, fake: FakeZalo) -> None:
    channel = ZaloChannel(app.engine, zalo_settings(app, fake), app.clock)
    sender = channel.sender
    fake.fail("sendMessage", 403, "Forbidden: the user blocked the bot")
    with pytest.raises(ChatBlocked):
        await sender.send(CHAT, Reply("a"))
    fake.fail("sendMessage", 429, "Too many requests")
    with pytest.raises(SendError) as limited:
        await sender.send(CHAT, Reply("a"))
    assert limited.value.retry_after is not None
    fake.fail("sendMessage", 500, "Internal error")
    with pytest.raises(SendError) as failed:
        await sender.send(CHAT, Reply("a"))
    assert not failed.value.permanent and failed.value.retry_after is None
    with pytest.raises(SendError) as bad:
        await sender.send("", Reply("a"))
    assert bad.value.permanent
    assert await sender.send(CHAT, Reply("ok")) is not None
    await channel.api.close()


async def test_an_image_that_cannot_be_fetched_gets_a_polite_answer_in_the_members_language(
    app: App, world: World, fake: FakeZalo, talk: Talk
) -> None:
    await talk.text(CHAT, await invite(app, world))
    await talk.text(CHAT, "/lang en")
    broken = fake.message(
        CHAT, "message.image.received", photo_url=f"{fake.base_url}/photos/missing.jpg"
    )
    before = len(fake.sent(CHAT))
    texts = await talk.wait(CHAT, fake.deliver(broken), before)
    assert texts == [
        "Sorry, the bot could not fetch the file you sent. Please send it again in a few minutes."
    ]
    assert "/report" in (await talk.text(CHAT, "/help"))[0]
    assert not list((app.settings.files_dir / "incoming").glob("*"))
