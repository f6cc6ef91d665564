"""The staff web page in a real browser (Debian's Chromium, headless, driven by Playwright with
the system browser): one session walks the whole story on the demo commune.

Staff ask the bot for `/web` in chat, open the link, sign in; the grid shows the village that
filed late; a report's answers open from it; a pending nomination goes check → council →
chair's decision from the queue, and the village head who proposed it is told in chat (the
outbox, sent by the real dispatcher); the directives page shows the demo directive; the workbook
downloads. A screenshot of each page is saved (to `docs/web/` with WEB_SCREENSHOTS=docs/web).

It runs in the SQLite pass only: the same web code paths run on PostgreSQL in the cheaper
handler and API tests (test_web_signin, test_web_pages, test_api).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.async_api import Page, async_playwright, expect

from bot.app import App
from bot.channels.console import ConsoleSender
from bot.demo import HEAD_CHAT, STAFF_CHAT, VILLAGES, seed
from bot.dispatcher import Dispatcher
from bot.web.server import WebServer
from handlers.clock import FixedClock
from storage.access import member_for_chat, unit_by_code
from storage.reports import filing_of, submit_report
from tests.factories import make_incoming, texts

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("THIDUA_TEST_PG_URL")),
    reason="browser story runs in the SQLite pass; web paths are covered on PostgreSQL by "
    "test_web_signin, test_web_pages and test_api",
)

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# 3 December 2026, 09:00 in Hanoi: November's reports were due on the 25th
DAY = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def chromium() -> str:
    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium"
    return CHROMIUM


@pytest.fixture
async def served(app: App, clock: FixedClock) -> AsyncIterator[WebServer]:
    clock.set(DAY)
    server = WebServer(app, "127.0.0.1", 0)
    app.settings.web_base_url = f"http://127.0.0.1:{server.port}"
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("WEB_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def shoot(page: Page, folder: Path, name: str) -> None:
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def test_staff_walk_the_whole_story_in_a_browser(
    app: App, served: WebServer, tmp_path: Path, chromium: str
) -> None:
    tz = ZoneInfo(app.settings.timezone)
    async with app.sessions() as session, session.begin():
        await seed(session, app)
        village = await unit_by_code(session, VILLAGES[0][0])
        head = await member_for_chat(session, "console", HEAD_CHAT)
        assert village is not None and head is not None
        filing = await filing_of(session, village, app.clock.now(), tz, 3)
        assert filing is not None and filing.owed == ["2026-11"]
        answers = {item["key"]: 7 for item in filing.template.indicators
                   if item["type"] == "integer"}  # fmt: skip
        await submit_report(session, village, head[0], filing.template, "2026-11", answers,
                            app.clock.now(), True)  # fmt: skip
    said = texts(await app.engine.handle(make_incoming("/web", STAFF_CHAT)))
    link = re.search(r"http://127\.0\.0\.1:\d+/signin/\S+", said)
    assert link is not None, said
    folder = shots(tmp_path)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=ARGS)
        context = await browser.new_context(viewport=LAPTOP, accept_downloads=True)
        page = await context.new_page()

        await page.goto(link.group(0))
        await expect(page.locator("h1")).to_contain_text("Đăng nhập")
        await shoot(page, folder, "01-sign-in")
        await page.click("#signin")
        await page.wait_for_url("**/completeness")
        late = page.locator('tr[data-unit="15544-T01"] td[data-period="2026-11"]')
        await expect(late).to_have_attribute("data-state", "late")
        missing = page.locator('tr[data-unit="15544-T02"] td[data-period="2026-11"]')
        await expect(missing).to_have_attribute("data-state", "missing")
        await expect(page.locator("#grid")).to_contain_text("Hà Văn Tùng")
        await shoot(page, folder, "02-completeness")

        await late.locator("a").click()
        await expect(page.locator("h1")).to_contain_text("Thôn Đồng Tâm")
        await expect(page.locator("body")).to_contain_text("nộp muộn")
        await shoot(page, folder, "03-report")

        await page.goto(f"{app.settings.web_base_url}/nominations")
        row = page.locator("tr", has_text="Lò Thị Mai")
        await expect(row).to_have_count(1)
        await shoot(page, folder, "04-nominations")
        nomination_id = await row.get_attribute("data-id")
        await row.locator("input[name=ids]").check()
        await page.click("#do-check")
        await expect(page.locator("#said")).to_contain_text("Hội đồng")

        await page.goto(f"{app.settings.web_base_url}/nominations?status=checked")
        row = page.locator(f'tr[data-id="{nomination_id}"]')
        await row.locator("input[name=ids]").check()
        await row.locator(f'input[name="votes_{nomination_id}"]').fill("8")
        await page.fill("input[name=held_on]", "2026-12-02")
        await page.fill("input[name=members]", "9")
        await page.fill("input[name=present]", "9")
        await page.click("#do-council")
        await expect(page.locator("#said")).to_contain_text("kết quả họp")

        await page.goto(f"{app.settings.web_base_url}/nominations?status=passed")
        row = page.locator(f'tr[data-id="{nomination_id}"]')
        await row.locator("input[name=ids]").check()
        await page.fill("input[name=number]", "27/QĐ-UBND")
        await page.fill("input[name=decided_on]", "2026-12-03")
        await page.click("#do-decide")
        await expect(page.locator("#said")).to_contain_text("quyết định")

        await page.goto(f"{app.settings.web_base_url}/nominations/{nomination_id}")
        await expect(page.locator("body")).to_contain_text("27/QĐ-UBND")
        await shoot(page, folder, "05-nomination")

        told: list[str] = []
        sender = ConsoleSender(write=told.append)
        dispatcher = Dispatcher(app.sessions, app.settings, app.clock, {"console": sender})
        await dispatcher.run_until_idle()
        to_head = [t for t in told if t.startswith(f"[console → {HEAD_CHAT}]")]
        assert any("Lò Thị Mai" in t and "27/QĐ-UBND" in t for t in to_head), told

        await page.goto(f"{app.settings.web_base_url}/directives")
        await expect(page.locator("h2").first).to_contain_text("Kế hoạch")
        await shoot(page, folder, "06-directives")

        await page.goto(f"{app.settings.web_base_url}/downloads")
        await shoot(page, folder, "07-downloads")
        async with page.expect_download() as waiting:
            await page.click("#xlsx")
        download = await waiting.value
        saved = tmp_path / download.suggested_filename
        await download.save_as(str(saved))
        assert saved.suffix == ".xlsx"
        book = load_workbook(io.BytesIO(saved.read_bytes()))
        assert len(book.sheetnames) >= 2

        await page.click("text=English")
        await expect(page.locator("h1")).to_contain_text("Downloads")
        await page.set_viewport_size(PHONE)
        await page.goto(f"{app.settings.web_base_url}/completeness")
        await shoot(page, folder, "08-completeness-phone")
        await page.set_viewport_size(LAPTOP)

        await page.click("text=Sign out")
        await page.wait_for_url("**/signin")
        await page.goto(f"{app.settings.web_base_url}/nominations")
        await expect(page).to_have_url(re.compile(r"/signin$"))
        await browser.close()
