"""The Zalo OA end to end through `thidua run`'s own wiring (`bot.runner.serve`: migrations, the
channels the settings ask for, the scheduler) against the fake OA with the real httpx client: a
village head follows the OA, sends the invite code and files the monthly report with buttons;
a forged webhook is refused with 403 and never processed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.runner import serve
from storage.models import InboxUpdate, Report
from storage.templates import load_default_templates
from tests.factories import World
from tests.fakes.zalo_oa_server import FakeZaloOa
from tests.zalo_oa_support import hook_url, invite, oa_settings

HEAD = "1785179753369910605"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8


async def inbox_rows(app: App) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count(InboxUpdate.id))) or 0)


async def test_a_village_head_files_the_monthly_report_on_the_oa_with_buttons(
    app: App, world: World
) -> None:
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())
    code = await invite(app, world)
    with FakeZaloOa() as fake:
        settings = oa_settings(app, fake)
        url = hook_url(settings)
        stop = asyncio.Event()

        async def person() -> None:
            try:
                await up(url)
                await files_the_report(fake, url, code, app)
            finally:
                stop.set()

        # the same coroutine as `thidua run`, the person acting beside it
        acting = asyncio.create_task(person())
        assert await serve(settings, stop, app.clock) == 0
        await acting
    async with app.sessions() as session:
        report = await session.scalar(select(Report))
    assert report is not None and report.period == "2026-11"
    assert report.answers["an_ninh_trat_tu"] is False
    assert all(call.delivered for call in fake.sent(HEAD))


async def files_the_report(fake: FakeZaloOa, url: str, code: str, app: App) -> None:
    """Follows, sends the code, files the report pressing buttons; then a forged event."""
    fake.push_to(url)

    async def after(act: Callable[[], object], what: str) -> list[str]:
        before = len(fake.texts(HEAD))
        act()
        await fake.until(lambda: any(what in t for t in fake.texts(HEAD)[before:]), 20)
        return fake.texts(HEAD)[before:]

    def typed(text: str) -> Callable[[], object]:
        return lambda: fake.text(HEAD, text)

    async def pressed(label: str) -> Callable[[], object]:
        """A tap on the button `label` (once the message bearing it arrived)."""
        await fake.until(lambda: any(b["title"] == label for b in fake.buttons(HEAD)), 20)
        [button] = [b for b in fake.buttons(HEAD) if b["title"] == label]
        assert button["type"] == "oa.query.show"
        return lambda: fake.press(HEAD, button["payload"])

    assert await after(lambda: fake.follow(HEAD), "mã mời")
    welcome = await after(typed(code), "Thôn Tây")
    assert "Trưởng thôn" in welcome[0]
    # the village's monthly questions, choices pressed as buttons
    await after(await pressed("Báo cáo tháng"), "Câu 1/")
    await after(await pressed("Không"), "Câu 2/")
    await after(typed("2"), "Câu 3/")
    await after(typed("3"), "Câu 4/")
    await after(await pressed("Tốt"), "Câu 5/")
    await after(typed("12"), "Câu 6/")
    await after(typed("0"), "Câu 7/")
    await after(typed("1"), "Câu 8/")
    await after(await pressed("Bỏ qua"), "Câu 9/")
    await after(await pressed("Bỏ qua"), "Câu 10/")
    await after(typed("Họp dân bình xét cuối năm."), "Câu 11/")
    fake.image(HEAD, JPEG)
    saved = await after(await pressed("Gửi báo cáo"), "Đã gửi báo cáo tháng 11/2026")
    assert "Thôn Tây" in saved[0]

    # a forged event (someone else's key) is refused and never reaches the bot
    stored = await inbox_rows(app)
    forged = fake.event("user_send_text", HEAD, text="/huy")
    assert await fake.apost(url, forged, signature="mac=" + "ab" * 32) == 403
    assert await inbox_rows(app) == stored


async def up(url: str) -> None:
    """Waits until the webhook answers (the bot started), or fails with why it stopped."""
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(400):
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
    pytest.fail("the webhook never answered")
