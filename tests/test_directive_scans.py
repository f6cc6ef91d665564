# ruff: noqa: F811 - pytest fixtures imported from test_telegram_e2e are parameters here
"""A photo or a scanned PDF of a directive, sent to the bot, is read by OCR in a worker: the
person is told how many pages are being read, then checks the summary as for any file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from directives import ocr
from handlers.types import Attachment
from storage.access import create_invite
from storage.models import Directive
from tests import scans
from tests.factories import World, make_incoming, texts
from tests.fakes.telegram_server import FakeTelegram

# the Telegram end-to-end fixtures (a fake Bot API server, the channel, `talk`)
from tests.test_telegram_e2e import CHAT, Talk, fake, talk, telegram  # noqa: F401

# OCR takes seconds a page, more on a busy machine
READING = 120.0


def jpeg(text: str, degrees: float = 0.0) -> bytes:
    """A phone photo of `text` on a page: turned, speckled, as a JPEG."""
    image = scans.speckled(scans.turned(scans.page(text), degrees))
    out = io.BytesIO()
    image.convert("L").save(out, format="JPEG", quality=70)
    return out.getvalue()


def scanned_pdf(text: str, split_at: str) -> bytes:
    """A two-page scan without a text layer, the second page starting at `split_at`."""
    first, rest = text.split(split_at, 1)
    pages = [scans.page(first), scans.page(split_at + rest)]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", resolution=200.0, save_all=True, append_images=pages[1:])
    return out.getvalue()


async def staff_chat(app: App, world: World, talk: Talk) -> None:
    async with app.sessions() as session, session.begin():
        code = await create_invite(session, world.commune, "staff", app.clock.now(), 7)
    await talk.text(CHAT, f"/start {code}")


async def test_a_photo_of_a_directive_is_read_end_to_end(
    app: App,
    world: World,
    fake: FakeTelegram,
    talk: Talk,
) -> None:
    await staff_chat(app, world, talk)
    before = len(fake.sent(CHAT))
    update_id = fake.photo(CHAT, jpeg(scans.SAMPLE.read_text(encoding="utf-8"), 2.0))
    await fake.until(lambda: update_id in talk.done, READING)
    said = fake.texts(CHAT)[before:]
    assert said[0].startswith("Đang đọc văn bản, 1 trang…")
    summary = "\n".join(said[1:])
    for fragment in ("Kế hoạch 86/KH-UBND, ngày 16/11/2026", "UBND xã Hòa Bình", "6 nhiệm vụ"):
        assert fragment in summary
    assert "ngày 25 hằng tháng → Trưởng thôn (3 đơn vị)" in summary
    said = await talk.text(CHAT, "Kích hoạt")
    assert "văn bản không ghi ai thực hiện" in said[-1]
    said = await talk.text(CHAT, "Vẫn kích hoạt")
    assert "Đã kích hoạt Kế hoạch 86/KH-UBND" in said[0]
    async with app.sessions() as session:
        [directive] = (await session.scalars(select(Directive))).all()
    assert directive.status == "active" and directive.source_name.endswith(".jpg")
    # the worker's copy of the photo is gone once read
    assert not any((app.settings.files_dir / "incoming").glob("reading-*"))


async def test_a_scanned_pdf_is_read_page_by_page_after_saying_how_many(
    app: App,
    world: World,
    fake: FakeTelegram,
    talk: Talk,
) -> None:
    await staff_chat(app, world, talk)
    before = len(fake.sent(CHAT))
    data = scanned_pdf(scans.SAMPLE.read_text(encoding="utf-8"), "Nơi nhận:")
    update_id = fake.document(CHAT, data, "ke-hoach-86.pdf", "application/pdf")
    await fake.until(lambda: update_id in talk.done, READING)
    said = fake.texts(CHAT)[before:]
    # the file is opened, found to be a scan, and only then are its 2 pages read
    assert said[0].startswith("Bot đang đọc tệp «ke-hoach-86.pdf»")
    assert said[1].startswith("Đang đọc văn bản, 2 trang…")
    summary = "\n".join(said[2:])
    assert "86/KH-UBND" in summary and "6 nhiệm vụ" in summary
    async with app.sessions() as session:
        [directive] = (await session.scalars(select(Directive))).all()
    assert directive.parsed["signer"] == "Trần Văn Hùng"


async def test_a_photo_with_no_directive_in_it_gets_advice(
    app: App, world: World, tmp_path: Path
) -> None:
    blank = scans.save(scans.page(""), tmp_path / "anh.jpg")
    photo = Attachment("photo", blank, "anh.jpg", "image/jpeg")
    outcome = await app.engine.handle(make_incoming("", "staff", attachments=(photo,)))
    said = texts(outcome)
    assert "Đang đọc văn bản, 1 trang" in said and "chụp lại thẳng, đủ sáng" in said
    # a village head's photo is no directive to read
    outcome = await app.engine.handle(make_incoming("", "head1", attachments=(photo,)))
    assert "Đang đọc" not in texts(outcome)


async def test_without_ocr_the_bot_says_it_cannot_read_photos(
    app: App, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "_TESSDATA", ())
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    photo = Attachment("photo", scans.save(scans.page(""), tmp_path / "a.jpg"), "a.jpg")
    outcome = await app.engine.handle(make_incoming("", "staff", attachments=(photo,)))
    assert "chưa cài bộ đọc chữ (OCR)" in texts(outcome)
    assert "Đang đọc" not in texts(outcome)


async def test_a_directive_photographed_page_by_page_is_joined(
    app: App, world: World, tmp_path: Path
) -> None:
    text = scans.SAMPLE.read_text(encoding="utf-8")
    first, rest = text.split("Nơi nhận:", 1)
    photos = [
        Attachment("photo", scans.save(scans.page(part), tmp_path / name), name, "image/jpeg")
        for name, part in (("trang-1.jpg", first), ("trang-2.jpg", "Nơi nhận:" + rest))
    ]

    async def send(photo: Attachment) -> str:
        outcome = await app.engine.handle(make_incoming("", "staff", attachments=(photo,)))
        return texts(outcome)

    said = await send(photos[0])
    assert "6 nhiệm vụ" in said and "Bot đã đọc 1 trang từ ảnh" in said
    async with app.sessions() as session:
        [draft] = (await session.scalars(select(Directive))).all()
    assert draft.parsed["signer"] is None
    said = await send(photos[1])
    assert "Đang đọc trang 2" in said and "Đã ghép trang 2 vào văn bản" in said
    assert "6 nhiệm vụ" in said and "Bot đã đọc 2 trang" in said
    async with app.sessions() as session:
        [draft] = (await session.scalars(select(Directive))).all()
    assert draft.number == "86/KH-UBND" and draft.parsed["signer"] == "Trần Văn Hùng"
    assert draft.source_name == "trang-1.jpg"
    # a page with nothing legible on it leaves the draft as it was
    blank = Attachment("photo", scans.save(scans.page(""), tmp_path / "b.jpg"), "b.jpg")
    said = await send(blank)
    assert "chụp lại thẳng" in said and "6 nhiệm vụ" in said
    async with app.sessions() as session:
        assert [d.id for d in (await session.scalars(select(Directive))).all()] == [draft.id]
