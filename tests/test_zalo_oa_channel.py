"""The Zalo OA channel against the fake OA (tests/fakes/zalo_oa_server.py) with the real httpx
client, engine and database: signed webhooks only, buttons, files both ways, long texts."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.channels.zalo_oa import BUTTONS_MAX, ZaloOaChannel, signature
from handlers.types import Attachment, Option, Reply
from storage.models import ChatBinding, ChatContact, InboxUpdate, Report, StoredFile
from storage.templates import load_default_templates
from tests.factories import World
from tests.fakes.zalo_oa_server import APP_ID, OA_SECRET, FakeZaloOa
from tests.zalo_oa_support import Talk, hook_url, invite, oa_settings

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"y" * 300
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERSON = "2468458835296117922"


@pytest.fixture
def fake() -> Iterator[FakeZaloOa]:
    with FakeZaloOa() as server:
        yield server


@pytest.fixture
async def oa(app: App, world: World, fake: FakeZaloOa) -> AsyncIterator[ZaloOaChannel]:
    settings = oa_settings(app, fake)
    channel = ZaloOaChannel(app.engine, settings, app.clock, app.db)
    await channel.start()
    fake.push_to(hook_url(settings))
    yield channel
    await channel.stop()


@pytest.fixture
def talk(fake: FakeZaloOa, oa: ZaloOaChannel) -> Talk:
    return Talk(fake, oa)


async def stored_updates(app: App) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count(InboxUpdate.id))) or 0)


def test_the_signature_is_the_documented_sha256_of_app_id_body_timestamp_and_key() -> None:
    body = b'{"event_name":"user_send_text","timestamp":"1543908534740"}'
    expected = hashlib.sha256(
        APP_ID.encode() + body + b"1543908534740" + OA_SECRET.encode()
    ).hexdigest()
    assert signature(APP_ID, body, "1543908534740", OA_SECRET) == f"mac={expected}"


async def test_forged_or_missing_signatures_are_refused_and_never_processed(
    app: App, world: World, fake: FakeZaloOa, oa: ZaloOaChannel
) -> None:
    url = hook_url(oa.settings)
    event = fake.event("user_send_text", PERSON, text=await invite(app, world))
    body = fake.event("user_send_text", PERSON, text="x")
    forged = signature(APP_ID, b"{}", str(event["timestamp"]), OA_SECRET)
    wrong_key = signature(APP_ID, b"", "", "not-the-key")
    assert await fake.apost(url, event, signature=forged) == 403
    assert await fake.apost(url, event, signature=wrong_key) == 403
    assert await fake.apost(url, event, signature="") == 403
    assert await fake.apost(url, body, signature="mac=" + "0" * 64) == 403
    assert await stored_updates(app) == 0
    async with app.sessions() as session:
        assert await session.scalar(select(func.count(ChatContact.id))) == 0
    assert not fake.sent(PERSON)
    # the same event, properly signed, is taken (and a redelivery of it adds nothing)
    assert await fake.apost(url, event) == 200
    assert await fake.apost(url, event) == 200
    await fake.until(lambda: len(fake.sent(PERSON)) >= 2)
    assert await stored_updates(app) == 1


async def test_following_and_sending_the_invite_code_binds_the_person(
    app: App, world: World, fake: FakeZaloOa, talk: Talk
) -> None:
    asked = await talk.follow(PERSON)
    assert "mã mời" in asked[0]
    code = await invite(app, world)
    welcome = await talk.text(PERSON, code)
    assert "Thôn Tây" in welcome[0]
    menu = fake.buttons(PERSON)
    assert [b["title"] for b in menu][:2] == ["Báo cáo tháng", "Đề xuất khen thưởng"]
    assert all(b["type"] == "oa.query.show" and b["payload"] == b["title"] for b in menu)
    async with app.sessions() as session:
        binding = await session.scalar(select(ChatBinding).where(ChatBinding.channel == "zalo_oa"))
        assert binding is not None and binding.chat_id == PERSON
        seen = await session.scalar(select(ChatContact))
        assert seen is not None and seen.following and seen.chat_id == PERSON


async def test_buttons_answer_questions_and_a_stale_label_typed_works_too(
    app: App, world: World, fake: FakeZaloOa, talk: Talk
) -> None:
    await talk.text(PERSON, await invite(app, world))
    asked = await talk.text(PERSON, "/ngonngu")
    assert asked == ["Anh/Chị muốn dùng ngôn ngữ nào?"]
    assert [b["title"] for b in fake.buttons(PERSON)] == ["Tiếng Việt", "English"]
    assert await talk.press(PERSON, "English") == ["Language set to English."]
    await talk.text(PERSON, "/lang")
    assert await talk.text(PERSON, "tieng viet") == ["Đã chuyển sang tiếng Việt."]


async def test_a_full_report_with_buttons_a_photo_and_a_document_from_the_person(
    app: App, world: World, fake: FakeZaloOa, talk: Talk
) -> None:
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())
    await talk.text(PERSON, await invite(app, world))
    first = await talk.press(PERSON, "Báo cáo tháng")
    assert "Báo cáo tháng 11/2026 – Thôn Tây" in first[0]
    await talk.text(PERSON, "12")
    await talk.text(PERSON, "3")
    await talk.press(PERSON, "Bỏ qua")
    await talk.text(PERSON, "10")
    await talk.press(PERSON, "Không")
    await talk.press(PERSON, "Bỏ qua")
    summary = await talk.image(PERSON, JPEG)
    assert [b["title"] for b in fake.buttons(PERSON)] == ["Gửi báo cáo", "Sửa một câu", "Hủy"]
    assert summary
    saved = await talk.press(PERSON, "Gửi báo cáo")
    assert "Đã gửi báo cáo tháng 11/2026" in saved[0]
    async with app.sessions() as session:
        report = await session.scalar(select(Report))
        assert report is not None and report.answers["an_ninh_trat_tu"] is False
        photo = await session.get(StoredFile, report.answers["anh_minh_chung"])
        assert photo is not None and photo.sha256 == hashlib.sha256(JPEG).hexdigest()
    # a document sent outside a step that wants one is answered politely, not lost
    answer = await talk.file(PERSON, b"%PDF-1.4 test", "ke-hoach.pdf")
    assert answer and answer[0]
    assert not list((app.settings.files_dir / "incoming").glob("*"))


async def test_the_digest_chart_and_workbook_go_by_upload(
    app: App, world: World, fake: FakeZaloOa, talk: Talk
) -> None:
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())
    await talk.text(PERSON, await invite(app, world, "staff", world.commune))
    texts = await talk.text(PERSON, "/tonghop")
    assert texts[0].startswith("TỔNG HỢP THI ĐUA – Xã Hòa Bình")
    assert texts[1:] == [
        "Biểu đồ tỷ lệ nộp báo cáo theo đơn vị.",
        "Tệp Excel: báo cáo các đơn vị và danh sách đề nghị khen thưởng.",
        "[file]",
    ]
    images = [k for k, v in fake.uploads.items() if v[0] == "image"]
    files = [v for v in fake.uploads.values() if v[0] == "file"]
    assert len(images) == 1 and fake.uploads[images[0]][2].startswith(b"\x89PNG")
    assert len(files) == 1 and files[0][1].endswith(".xlsx") and files[0][2].startswith(b"PK")
    kinds = [c.params["message"].get("attachment", {}).get("type") for c in fake.sent(PERSON)]
    assert "file" in kinds and "template" in kinds
    assert all(c.delivered for c in fake.sent(PERSON))


async def test_long_texts_are_split_and_many_options_are_numbered(
    app: App, fake: FakeZaloOa, oa: ZaloOaChannel, tmp_path: Path
) -> None:
    fake.text(PERSON, "xin chào")  # an interaction: the OA may message the person
    await fake.until(lambda: fake.pushed >= 1)
    lines = [f"{n}. Thôn số {n} đã nộp báo cáo đúng hạn, số liệu đầy đủ." for n in range(120)]
    many = tuple(Option(f"o{n}", f"Mục {n}") for n in range(2 * BUTTONS_MAX + 1))
    await oa.sender.send(PERSON, Reply("\n".join(lines), many), by_number=True, as_reply=True)
    texts = fake.texts(PERSON)
    assert len(texts) >= 3 and all(len(t) <= 2000 for t in texts)
    assert texts[-1].endswith("11. Mục 10\n\nTrả lời 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 hoặc 11.")
    assert not fake.buttons(PERSON)
    # up to two messages of five buttons: the question's, then "Hoặc chọn:"
    seven = many[:7]
    await oa.sender.send(PERSON, Reply("Chọn một mục", seven), by_number=True, as_reply=True)
    assert fake.texts(PERSON)[-2:] == ["Chọn một mục", "Hoặc chọn:"]
    assert [b["title"] for b in fake.buttons(PERSON)] == [o.label for o in seven]
    few = (Option("a", "Xem chi tiết"), Option("b", "Về menu"))
    await oa.sender.send(PERSON, Reply("\n".join(lines), few), as_reply=True)
    assert [b["title"] for b in fake.buttons(PERSON)] == ["Xem chi tiết", "Về menu"]
    assert fake.sent(PERSON)[-1].params["message"]["text"].startswith("1")
    # buttons the platform refuses as malformed: the choices come as lines instead
    fake.fail("message/cs", -201, "buttons is invalid!")
    await oa.sender.send(PERSON, Reply("Gửi báo cáo?", few), by_number=True, as_reply=True)
    assert (
        fake.texts(PERSON)[-1] == "Gửi báo cáo?\n\n1. Xem chi tiết\n2. Về menu\n\nTrả lời 1 hoặc 2."
    )
    big = tmp_path / "ho-so.docx"
    big.write_bytes(b"x" * (6 * 1024 * 1024))
    await oa.sender.send(
        PERSON, Reply("", attachment=Attachment("document", big, big.name)), as_reply=True
    )
    assert "quá lớn" in fake.texts(PERSON)[-1]
    sheet = tmp_path / "tong-hop.xlsx"
    sheet.write_bytes(b"PK\x03\x04" + b"x" * 100)
    reply = Reply("Tổng hợp tháng 11", attachment=Attachment("document", sheet, sheet.name, XLSX))
    await oa.sender.send(PERSON, reply, as_reply=True)
    assert fake.texts(PERSON)[-2:] == ["Tổng hợp tháng 11", "[file]"]
    chart = tmp_path / "c.png"
    chart.write_bytes(PNG)
    await oa.sender.send(
        PERSON, Reply("Biểu đồ", attachment=Attachment("photo", chart, "c.png", "image/png"))
    )
    assert fake.texts(PERSON)[-1] == "Biểu đồ"
    assert fake.sent(PERSON)[-1].params["message"]["attachment"]["payload"]["elements"]
