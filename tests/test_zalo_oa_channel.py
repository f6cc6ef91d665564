"""The Zalo OA channel against the fake OA (tests/fakes/zalo_oa_server.py) with the real httpx
client, engine and database: signed webhooks only, buttons, files both ways, long texts."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.app import App
from bot.channels.zalo_oa import BUTTONS_MAX, ZaloOaChannel, signature
from handlers.types import Attachment, Option, Reply
from storage import contacts
from storage.models import ChatBinding, ChatContact, InboxUpdate, Report, StoredFile
from storage.templates import load_default_templates
from tests.factories import World, make_incoming, texts
from tests.fakes.zalo_oa_server import APP_ID, OA_ID, OA_SECRET, FakeZaloOa
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
    # properly signed, yet two days old (a captured request replayed), from the future, or
    # without a time
    for shift in (timedelta(days=-2), timedelta(hours=1)):
        stamped = fake.event("user_send_text", PERSON, text=str(event["message"]["text"]))
        stamped["timestamp"] = millis(app.clock.now() + shift)
        assert await fake.apost(url, stamped) == 403
    assert await fake.apost(url, {k: v for k, v in event.items() if k != "timestamp"}) == 403
    assert await stored_updates(app) == 0
    async with app.sessions() as session:
        assert await session.scalar(select(func.count(ChatContact.id))) == 0
    assert not fake.sent(PERSON)
    # the same event, properly signed, is taken (and a redelivery of it adds nothing)
    assert await fake.apost(url, event) == 200
    assert await fake.apost(url, event) == 200
    await fake.until(lambda: len(fake.sent(PERSON)) >= 2)
    assert await stored_updates(app) == 1
    # redelivered hours late (the bot was down): taken, the interaction dated when it happened
    late = fake.event("user_send_text", "1122334455", text="xin chào")
    late["timestamp"] = millis(app.clock.now() - timedelta(hours=3))
    assert await fake.apost(url, late) == 200
    async with app.sessions() as session:
        seen = await contacts.contact(session, "zalo_oa", "1122334455")
    assert seen is not None and seen.last_interaction_at == app.clock.now() - timedelta(hours=3)


def button_rows(fake: FakeZaloOa) -> list[list[dict[str, str]]]:
    """The buttons of each message the person got that had some."""
    rows = []
    for call in fake.sent(PERSON):
        payload = call.params["message"].get("attachment", {}).get("payload", {})
        if payload.get("buttons"):
            rows.append(payload["buttons"])
    return rows


def millis(at: datetime) -> str:
    return str(int(at.timestamp() * 1000))


async def test_following_and_sending_the_invite_code_binds_the_person_unfollowing_is_noted(
    app: App, world: World, fake: FakeZaloOa, oa: ZaloOaChannel, talk: Talk
) -> None:
    asked = await talk.follow(PERSON)
    assert "mã mời" in asked[0]
    code = await invite(app, world)
    welcome = await talk.text(PERSON, code)
    assert "Thôn Tây" in welcome[0]
    menu = fake.buttons(PERSON)
    assert [b["title"] for b in menu][:2] == ["Báo cáo tháng", "Đề xuất khen thưởng"]
    assert all(b["type"] == "oa.query.show" and b["payload"] == b["title"] for b in menu)
    # a village head's six choices: three and three, the second under "Hoặc chọn:"
    assert welcome[-2:] == ["Anh/Chị muốn làm gì? Vui lòng chọn một mục.", "Hoặc chọn:"]
    assert [len(b) for b in button_rows(fake)[-2:]] == [3, 3] and len(menu) == 6
    async with app.sessions() as session:
        binding = await session.scalar(select(ChatBinding).where(ChatBinding.channel == "zalo_oa"))
        assert binding is not None and binding.chat_id == PERSON
        seen = await session.scalar(select(ChatContact))
        assert seen is not None and seen.following and seen.chat_id == PERSON
    # unfollowing is recorded, not answered; following again is a new interaction
    sent, stored = len(fake.sent(PERSON)), await stored_updates(app)
    fake.deliver(fake.event("unfollow", PERSON))
    await fake.until(lambda: not fake.updates)
    async with app.sessions() as session:
        seen = await contacts.contact(session, "zalo_oa", PERSON)
        assert seen is not None and not seen.following
    assert len(fake.sent(PERSON)) == sent and await stored_updates(app) == stored
    assert not await oa.sender.in_window(PERSON)
    back = await talk.follow(PERSON)
    assert "Thôn Tây" in back[0] and await oa.sender.in_window(PERSON)


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
    await talk.press(PERSON, "Không")
    await talk.text(PERSON, "2")
    await talk.text(PERSON, "3")
    await talk.press(PERSON, "Tốt")
    await talk.text(PERSON, "12")
    await talk.text(PERSON, "0")
    await talk.text(PERSON, "1")
    await talk.press(PERSON, "Bỏ qua")
    await talk.press(PERSON, "Bỏ qua")
    await talk.text(PERSON, "Họp dân bình xét cuối năm.")
    summary = await talk.image(PERSON, JPEG)
    assert [b["title"] for b in fake.buttons(PERSON)] == ["Gửi báo cáo", "Sửa một câu", "Hủy"]
    assert summary
    saved = await talk.press(PERSON, "Gửi báo cáo")
    assert "Đã gửi báo cáo tháng 11/2026" in saved[0]
    async with app.sessions() as session:
        report = await session.scalar(select(Report))
        assert report is not None and report.answers["an_ninh_trat_tu"] is False
        assert report.answers["ve_sinh_moi_truong"] == "tot"
        assert report.answers["ho_ngheo_ho_tro"] == 12
        photo = await session.get(StoredFile, report.answers["anh_minh_chung"])
        assert photo is not None and photo.sha256 == hashlib.sha256(JPEG).hexdigest()
    # a document sent outside a step that wants one is answered politely, not lost
    answer = await talk.file(PERSON, b"%PDF-1.4 test", "ke-hoach.pdf")
    assert answer and answer[0]
    assert not list((app.settings.files_dir / "incoming").glob("*"))


async def test_the_digest_chart_goes_by_upload_and_the_workbook_by_a_link(
    app: App, world: World, fake: FakeZaloOa, oa: ZaloOaChannel, talk: Talk
) -> None:
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())
    await talk.text(PERSON, await invite(app, world, "staff", world.commune))
    said = await talk.text(PERSON, "/tonghop")
    assert said[0].startswith("Bot đang chuẩn bị bản tổng hợp")
    await fake.until(lambda: "Tải tệp " in fake.texts(PERSON)[-1], 60)
    said = fake.texts(PERSON)[-3:]
    assert said[0].startswith("TỔNG HỢP THI ĐUA – Xã Hòa Bình")
    assert said[1] == "Biểu đồ tỷ lệ nộp báo cáo theo đơn vị."
    assert said[2].startswith("Tệp Excel: báo cáo các đơn vị và danh sách đề nghị khen thưởng.")
    images = [v for v in fake.uploads.values() if v[0] == "image"]
    assert len(images) == 1 and images[0][2].startswith(b"\x89PNG")
    # the OA takes only PDF and Word files: the workbook comes as a link that downloads it
    assert not [v for v in fake.uploads.values() if v[0] == "file"]
    assert "Tải tệp " in said[2] and "72 giờ" in said[2]
    assert all(c.delivered for c in fake.sent(PERSON))
    workbook = await download(oa, link_in(said[2]))
    assert workbook.status_code == 200 and workbook.content.startswith(b"PK")
    assert "attachment" in workbook.headers["content-disposition"]


async def test_long_texts_are_split_and_many_options_are_numbered(
    app: App, fake: FakeZaloOa, oa: ZaloOaChannel
) -> None:
    fake.text(PERSON, "xin chào")  # an interaction: the OA may message the person
    await fake.until(lambda: fake.pushed >= 1)
    lines = [f"{n}. Thôn số {n} đã nộp báo cáo đúng hạn, số liệu đầy đủ." for n in range(120)]
    many = tuple(Option(f"o{n}", f"Mục {n}") for n in range(2 * BUTTONS_MAX + 1))
    await oa.sender.send(PERSON, Reply("\n".join(lines), many), by_number=True, as_reply=True)
    said = fake.texts(PERSON)
    assert len(said) >= 3 and all(len(t) <= 2000 for t in said)
    assert said[-1].endswith("11. Mục 10\n\nTrả lời 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 hoặc 11.")
    assert not fake.buttons(PERSON)
    # up to two messages of five buttons: the question's, then "Hoặc chọn:"
    seven = many[:7]
    await oa.sender.send(PERSON, Reply("Chọn một mục", seven), by_number=True, as_reply=True)
    assert fake.texts(PERSON)[-2:] == ["Chọn một mục", "Hoặc chọn:"]
    assert [b["title"] for b in fake.buttons(PERSON)] == [o.label for o in seven]
    shown = [
        len(c.params["message"]["attachment"]["payload"]["buttons"]) for c in fake.sent(PERSON)[-2:]
    ]
    assert shown == [4, 3]  # evenly: never a "Hoặc chọn:" with a lone button
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


async def test_files_go_by_upload_or_by_a_link_when_the_oa_cannot_carry_them(
    app: App, fake: FakeZaloOa, oa: ZaloOaChannel, tmp_path: Path
) -> None:
    fake.text(PERSON, "xin chào")  # answered by asking for the invite code
    await fake.until(lambda: len(fake.sent(PERSON)) >= 1)
    dossier = tmp_path / "ho-so-khen-thuong.docx"
    dossier.write_bytes(b"PK\x03\x04" + b"d" * 500)
    reply = Reply("Hồ sơ khen thưởng", attachment=Attachment("document", dossier, dossier.name))
    await oa.sender.send(PERSON, reply, as_reply=True)
    assert fake.texts(PERSON)[-2:] == ["Hồ sơ khen thưởng", "[file]"]
    files = [v for v in fake.uploads.values() if v[0] == "file"]
    assert files == [("file", dossier.name, dossier.read_bytes())]
    # over the OA's 5 MB, or of a type it refuses: a link, and the link serves the file
    big = tmp_path / "bien-ban.pdf"
    big.write_bytes(b"%PDF-1.4 " + b"x" * (6 * 1024 * 1024))
    sheet = tmp_path / "tong-hop.xlsx"
    sheet.write_bytes(b"PK\x03\x04" + b"x" * 100)
    for path, mime in ((big, "application/pdf"), (sheet, XLSX)):
        reply = Reply("Tổng hợp", attachment=Attachment("document", path, path.name, mime))
        await oa.sender.send(PERSON, reply, as_reply=True)
        text = fake.texts(PERSON)[-1]
        assert text.startswith("Tổng hợp\n\nTải tệp " + path.name)
        got = await download(oa, link_in(text))
        assert got.status_code == 200 and got.content == path.read_bytes()
    assert len([v for v in fake.uploads.values() if v[0] == "file"]) == 1
    # a forged or altered link serves nothing
    token = link_in(text).split("/files/")[1].split("/")[0]
    forged = link_in(text).replace(token, token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB"))
    assert (await download(oa, forged)).status_code == 404
    assert (await download(oa, link_in(text).replace("/files/", "/files/A"))).status_code == 404
    # a photo over 1 MB, or not png/jpeg, goes as a JPEG made to fit
    photo = tmp_path / "anh-minh-chung.webp"
    noisy = Image.effect_noise((1800, 1400), 90).convert("RGB")
    noisy.save(photo, "WEBP", quality=100)
    reply = Reply("Ảnh", attachment=Attachment("photo", photo, photo.name, "image/webp"))
    await oa.sender.send(PERSON, reply, as_reply=True)
    kind, name, data = list(fake.uploads.values())[-1]
    assert kind == "image" and name == "anh-minh-chung.jpg" and data.startswith(b"\xff\xd8")
    assert len(data) <= 1024 * 1024
    chart = tmp_path / "c.png"
    chart.write_bytes(PNG)
    await oa.sender.send(
        PERSON, Reply("Biểu đồ", attachment=Attachment("photo", chart, "c.png", "image/png"))
    )
    assert fake.texts(PERSON)[-1] == "Biểu đồ"
    assert fake.sent(PERSON)[-1].params["message"]["attachment"]["payload"]["elements"]
    assert list(fake.uploads.values())[-1] == ("image", "c.png", PNG)


def link_in(text: str) -> str:
    found = re.search(r"https://\S+", text)
    assert found, text
    return found.group(0)


async def download(oa: ZaloOaChannel, link: str) -> httpx.Response:
    """Fetches a link given to a person from the bot's own server (the address it names is
    the public one in front of it)."""
    local = link.replace("https://bot.example.vn", f"http://127.0.0.1:{oa.port}")
    async with httpx.AsyncClient() as client:
        return await client.get(local)


async def test_a_member_on_another_app_gets_the_oa_link_and_binds_the_oa_with_the_code(
    app: App, world: World, fake: FakeZaloOa, talk: Talk
) -> None:
    app.engine.settings = app.settings.model_copy(update={"zalo_oa_id": OA_ID})
    out = await app.engine.handle(make_incoming("/lienket", "head1"))
    text = texts(out)
    code = text.split(":", 1)[1].split()[0]
    assert f"mở https://zalo.me/{OA_ID}, bấm «Quan tâm» rồi gửi mã {code}" in text
    await talk.follow(PERSON)
    assert "Thôn Đông" in (await talk.text(PERSON, code))[0]
    async with app.sessions() as session:
        bound = await session.scalars(
            select(ChatBinding.channel).where(ChatBinding.member_id == world.members["head1"].id)
        )
        assert set(bound) == {"console", "zalo_oa"}
