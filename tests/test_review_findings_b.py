"""Review findings (reminders, outbox, dispatcher): each test failed before its fix."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import App
from bot.channels.file_links import FileLinks
from bot.channels.telegram import TelegramChannel
from bot.dispatcher import Dispatcher
from handlers import FLOWS
from handlers.clock import FixedClock
from handlers.types import Attachment, Reply
from storage.models import OutboxMessage
from storage.reminders import plan
from storage.templates import load_templates, parse_templates
from tests.factories import World, dialog
from tests.fakes.base import free_port
from tests.fakes.telegram_server import FakeTelegram
from tests.test_dispatcher import TZ, FakeSender, VirtualTime, local, put
from tests.test_reminders import Month, d, submit
from tests.test_telegram_e2e import channel_settings


async def test_pending_reminder_is_dropped_after_the_report_is_filed_or_the_member_pauses(
    app: App, world: World
) -> None:
    """A reminder planned in quiet hours (after downtime) waits for the morning; whoever files
    the report or pauses in the meantime must not get it."""
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(local(2026, 11, 18, 22, 0))
    async with app.sessions() as session, session.begin():
        planned = await plan(session, app.settings, clock.now())
    reports = {p.chat for p in planned.added if p.key.startswith("remind:report:")}
    assert reports == {"head1", "head2", "head3", "principal"}
    await submit(app, world, "head1", "2026-11")
    await dialog(app.engine, "head2", [("/tamdung 1", "19/11/2026")])
    clock.set(local(2026, 11, 19, 7, 0))
    sender = FakeSender(clock, VirtualTime())
    dispatcher = Dispatcher(
        app.sessions, app.settings, clock, {"console": sender}, "w", sender.time.pacer()
    )
    await dispatcher.run_until_idle()

    def about_reports() -> list[str]:
        # the villages' "Gia đình văn hóa" list is reminded in November too
        return sorted(s.chat for s in sender.sent if "Gia đình văn hóa" not in s.text)

    assert about_reports() == ["head3", "principal"]
    async with app.sessions() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    # the dropped rows are settled (never sent later), not shown as failed deliveries
    assert all(r.sent_at is not None and r.failed_at is None for r in rows)
    clock.set(local(2026, 11, 19, 9, 0))
    await dispatcher.run_until_idle()
    assert len(about_reports()) == 2
    # the pause over, the stage still running is caught up (as if never planned before)
    clock.set(local(2026, 11, 20, 8, 0))
    async with app.sessions() as session, session.begin():
        await plan(session, app.settings, clock.now())
    await dispatcher.run_until_idle()
    assert about_reports() == ["head2", "head3", "principal"]
    assert any(s.chat == "head2" and "thi đua tháng 11/2026" in s.text for s in sender.sent)


class SlowSender(FakeSender):
    """Each send takes 20 seconds of wall time."""

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        result = await super().send(chat_id, reply)
        self.clock.set(self.clock.now() + timedelta(seconds=20))  # type: ignore[attr-defined]
        return result


async def test_a_run_that_reaches_quiet_hours_stops_sending(app: App, world: World) -> None:
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(local(2026, 11, 10, 20, 59, 20))
    for i in range(6):
        await put(app, "head1", f"q{i}", f"tin {i}")
    sender = SlowSender(clock, VirtualTime(), rate_per_second=1.0, rate_per_chat=1.0)
    dispatcher = Dispatcher(
        app.sessions, app.settings, clock, {"console": sender}, "w", sender.time.pacer()
    )
    await dispatcher.run_once()
    assert sender.sent and all(s.at.astimezone(TZ).hour < 21 for s in sender.sent)
    sent_evening = len(sender.sent)
    assert sent_evening < 6
    clock.set(local(2026, 11, 11, 7, 0))
    await dispatcher.run_until_idle()
    assert sorted(s.text for s in sender.sent) == sorted(f"tin {i}" for i in range(6))


async def test_catch_up_in_quiet_hours_does_not_send_a_stage_the_next_one_replaces(
    app: App, world: World
) -> None:
    """Back up at 22:00 on the 24th (down since before the 1-day stage at 07:30): the 1-day
    reminder would go at 07:00 on the 25th, half an hour before the due-day one."""
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(local(2026, 11, 24, 22, 0))
    sim = Month(app)
    await sim.run_until(local(2026, 11, 25, 12, 0))
    report = "thi đua tháng 11/2026"
    for chat in ("head1", "head2", "head3", "principal"):
        sent = [s for s in sim.sender.sent if s.chat == chat and report in s.text]
        assert [s.at.astimezone(TZ).date() for s in sent] == [d(25)], chat
        assert sent[0].at.astimezone(TZ).strftime("%H:%M") == "07:30"


@pytest.fixture
def telegram_fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


async def test_telegram_webhook_secret_is_compared_in_constant_time_and_updates_not_logged(
    app: App,
    world: World,
    telegram_fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import bot.channels.telegram as telegram_module

    fake = telegram_fake

    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(telegram_module.hmac, "compare_digest", spy)
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
        url = f"http://127.0.0.1:{port}/tg-hook"
        headers = {"Content-Type": "application/json"}
        good = headers | {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        caplog.set_level(logging.DEBUG)
        async with httpx.AsyncClient(timeout=5) as client:
            forged = await client.post(
                url, content="{}", headers=headers | {"X-Telegram-Bot-Api-Secret-Token": "x"}
            )
            assert forged.status_code == 403
            # an update the library cannot read: refused, and its content stays out of the logs
            bad = {"update_id": "x", "message": {"text": "Nguyễn Văn Bí mật"}}
            await client.post(url, content=json.dumps(bad), headers=good)
        assert (b"x", b"s3cret-token") in compared
        assert "Bí mật" not in caplog.text
    finally:
        await channel.stop()


def test_a_file_link_with_a_non_ascii_signature_is_refused_not_an_error(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 11, 10, 2, 0, tzinfo=UTC))
    file = tmp_path / "a.xlsx"
    file.write_bytes(b"PK")
    links = FileLinks("https://bot.example.vn/", b"k" * 32, clock, hours=1)
    url = links.url(Attachment("document", file, file.name, "application/x"))
    token = url.split("/files/")[1].split("/")[0]
    assert links.resolve(token.split(".")[0] + ".é") is None


async def test_a_report_due_early_next_month_is_reminded_once_it_opens(
    app: App, clock: FixedClock, world: World
) -> None:
    """November's report opens on 1 December and is due on the 3rd: its 7- and 3-day stages
    fall in November, when it cannot be filed yet; the first reminder waits for the opening."""
    spec = """
unit_kind: village
period: {opens_day: 1, opens_month: next, due_day: 3, due_month: next}
indicators: [{key: so_ho, label_vi: Số hộ, type: integer}]
"""
    async with app.sessions() as session, session.begin():
        await load_templates(session, parse_templates(spec), clock.now())
    village_keys: list[str] = []
    for day in (local(2026, 11, 26, 8, 0), local(2026, 11, 30, 8, 0), local(2026, 12, 1, 8, 0)):
        clock.set(day)
        async with app.sessions() as session, session.begin():
            planned = await plan(session, app.settings, clock.now())
        village_keys = [
            p.key
            for p in planned.added
            if p.chat.startswith("head") and p.key.startswith("remind:report:")
        ]
        if day.day != 1:
            assert village_keys == [], day
    assert len(village_keys) == 3 and all(":2026-11:d3:" in k for k in village_keys)
