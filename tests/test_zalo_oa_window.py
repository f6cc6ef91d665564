"""Pushes and the OA's messaging window: within it a reminder goes as a message; outside it
(by our record or by the platform's answer, or after an unfollow) it goes as its ZNS template
with the reminder's values, or — with no template — by the member's other chats, and the staff
digest shows it as not sent over Zalo OA. Never silently dropped."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.app import App
from bot.channels.telegram import TelegramSender
from bot.channels.zalo_oa import ZaloOaChannel
from bot.dispatcher import Dispatcher
from handlers.digest import render_text
from storage import contacts
from storage.digest import build_digest
from storage.models import ChatBinding, HouseholdList, Member, OutboxMessage
from storage.reminders import plan
from storage.templates import load_default_templates
from tests.factories import World
from tests.fakes.telegram_server import TOKEN, FakeTelegram
from tests.fakes.zalo_oa_server import FakeZaloOa
from tests.zalo_oa_support import oa_settings

PERSON = "4572947693969771653"
TG_CHAT = "77001"


@pytest.fixture
def fake() -> Iterator[FakeZaloOa]:
    with FakeZaloOa() as server:
        yield server


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


class Setup:
    def __init__(self, app: App, world: World, fake: FakeZaloOa, telegram: FakeTelegram) -> None:
        self.app, self.world, self.fake, self.telegram = app, world, fake, telegram
        self.channel: ZaloOaChannel | None = None
        self.bot: Bot | None = None

    async def start(self, **settings: object) -> None:
        app = self.app
        async with app.sessions() as session, session.begin():
            await load_default_templates(session, app.clock.now())
        self.channel = ZaloOaChannel(
            app.engine, oa_settings(app, self.fake, **settings), app.clock, app.db
        )
        await self.channel.tokens.start()
        self.bot = Bot(TOKEN, base_url=f"{self.telegram.base_url}/bot")
        await self.bot.initialize()

    async def stop(self) -> None:
        if self.channel is not None:
            await self.channel.api.close()
        if self.bot is not None:
            await self.bot.shutdown()

    async def member(self, *channels: str, seen_days_ago: float = 0) -> Member:
        """Đinh Thị Hoa, a head of Thôn Tây, bound on these channels only; her last
        interaction with the OA `seen_days_ago` days ago (the fake OA thinks so too). Thôn
        Tây's Gia đình văn hóa list is already posted: the monthly report's reminder is the
        only push due."""
        app = self.app
        now = app.clock.now()
        async with app.sessions() as session, session.begin():
            session.add(
                HouseholdList(
                    unit_id=self.world.villages[1].id,
                    year=now.year,
                    status="posted",
                    meeting_on=now.date(),
                    created_at=now,
                    updated_at=now,
                )
            )
            member = Member(
                name="Đinh Thị Hoa",
                role="village_head",
                unit_id=self.world.villages[1].id,
                locale="vi",
                created_at=now,
            )
            session.add(member)
            await session.flush()
            for channel in channels:
                await self.bind(session, member, channel)
            await contacts.touch(
                session, "zalo_oa", PERSON, now - timedelta(days=seen_days_ago), True
            )
        self.fake.text(PERSON, "xin chào")
        self.fake.updates.clear()
        self.fake.age(PERSON, seen_days_ago)
        return member

    async def bind(self, session: object, member: Member, channel: str) -> None:
        chat = PERSON if channel == "zalo_oa" else TG_CHAT
        session.add(  # type: ignore[attr-defined]
            ChatBinding(
                member_id=member.id, channel=channel, chat_id=chat, created_at=self.app.clock.now()
            )
        )
        await session.flush()  # type: ignore[attr-defined]

    async def plan_and_send(self) -> None:
        app = self.app
        async with app.sessions() as session, session.begin():
            await plan(session, app.settings, app.clock.now())
        await self.send()

    async def send(self) -> None:
        assert self.channel is not None and self.bot is not None
        telegram = TelegramSender(self.bot, self.app.settings)
        senders = {"zalo_oa": self.channel.sender, "telegram": telegram}
        dispatcher = Dispatcher(self.app.sessions, self.app.settings, self.app.clock, senders)
        await dispatcher.run_until_idle()

    async def rows(self) -> list[OutboxMessage]:
        """The outbox rows for OA and Telegram chats (the world's console chats have theirs)."""
        async with self.app.sessions() as session:
            found = await session.scalars(
                select(OutboxMessage)
                .join(ChatBinding, ChatBinding.id == OutboxMessage.binding_id)
                .where(ChatBinding.channel != "console")
                .order_by(OutboxMessage.id)
            )
            return list(found.all())

    async def digest(self) -> str:
        async with self.app.sessions() as session:
            digest = await build_digest(
                session, self.app.settings, self.world.commune, "2026-11", self.app.clock.now()
            )
        return render_text(digest, ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
async def setup(
    app: App, world: World, fake: FakeZaloOa, telegram: FakeTelegram
) -> AsyncIterator[Setup]:
    ready = Setup(app, world, fake, telegram)
    yield ready
    await ready.stop()


async def test_within_the_window_a_reminder_goes_as_a_message(setup: Setup) -> None:
    await setup.start(zalo_zns_template_report="tpl-report")
    await setup.member("zalo_oa", seen_days_ago=2)
    await setup.plan_and_send()
    texts = setup.fake.texts(PERSON)
    assert len(texts) == 1 and "báo cáo" in texts[0].lower() and "Thôn Tây" in texts[0]
    assert not setup.fake.calls_of("message/template")
    assert all(r.sent_at and not r.failed_at for r in await setup.rows())


async def test_outside_the_window_a_reminder_goes_by_its_template_with_its_values(
    setup: Setup,
) -> None:
    setup.fake.register_template("tpl-report", "ten", "thon", "thang", "han")
    await setup.start(
        zalo_zns_template_report="tpl-report",
        zalo_zns_params_report={"ten": "name", "thon": "unit", "thang": "month", "han": "due"},
    )
    await setup.member("zalo_oa", seen_days_ago=8)
    await setup.plan_and_send()
    assert not setup.fake.calls_of("message/cs")
    [sent] = setup.fake.calls_of("message/template")
    assert sent.delivered and sent.params["user_id"] == PERSON
    assert sent.params["template_data"] == {
        "ten": "Đinh Thị Hoa",
        "thon": "Thôn Tây",
        "thang": "11/2026",
        "han": "25/11/2026",
    }
    assert all(r.sent_at and not r.failed_at for r in await setup.rows())


async def test_the_platform_saying_the_window_passed_is_believed(setup: Setup) -> None:
    setup.fake.register_template("tpl-report", "name", "unit", "month", "due")
    await setup.start(zalo_zns_template_report="tpl-report")
    await setup.member("zalo_oa", seen_days_ago=1)
    setup.fake.age(PERSON, 9)  # the OA's own record is older than ours
    await setup.plan_and_send()
    assert [c.delivered for c in setup.fake.calls_of("message/template")] == [True]


async def test_without_a_template_the_push_goes_by_another_chat_and_the_digest_says_so(
    setup: Setup,
) -> None:
    await setup.start()
    member = await setup.member("zalo_oa", seen_days_ago=8)
    async with setup.app.sessions() as session, session.begin():
        await plan(session, setup.app.settings, setup.app.clock.now())
        # bound on Telegram after the reminder was planned: only the fallback can reach it
        await setup.bind(session, member, "telegram")
    await setup.send()
    assert not setup.fake.sent(PERSON)
    await setup.send()  # the fallback row, due at once
    delivered = setup.telegram.delivered(TG_CHAT)
    assert len(delivered) == 1 and "Thôn Tây" in delivered[0]
    rows = await setup.rows()
    failed = [r for r in rows if r.failed_at]
    assert len(failed) == 1 and failed[0].last_error.startswith("unreachable:")
    assert "via telegram" in failed[0].last_error
    # planning again adds nothing: the Telegram chat has it already
    async with setup.app.sessions() as session, session.begin():
        assert not (await plan(session, setup.app.settings, setup.app.clock.now())).added
    text = await setup.digest()
    assert "• Đinh Thị Hoa (Thôn Tây): không gửi được qua Zalo OA; đã gửi qua Telegram" in text


async def test_with_no_other_chat_the_push_is_shown_not_dropped(setup: Setup) -> None:
    await setup.start()
    await setup.member("zalo_oa", seen_days_ago=10)
    await setup.plan_and_send()
    [row] = await setup.rows()
    assert row.failed_at is not None and row.sent_at is None
    assert "không gửi được qua Zalo OA; chưa có kênh nào khác" in await setup.digest()


async def test_after_an_unfollow_pushes_are_outside_the_window(setup: Setup) -> None:
    await setup.start()
    member = await setup.member("zalo_oa", "telegram", seen_days_ago=0)
    async with setup.app.sessions() as session, session.begin():
        await contacts.touch(session, "zalo_oa", PERSON, setup.app.clock.now(), following=False)
    await setup.plan_and_send()
    assert not setup.fake.sent(PERSON)
    assert len(setup.telegram.delivered(TG_CHAT)) == 1
    assert member.id


async def test_a_template_refused_at_night_waits_for_six_in_the_morning(setup: Setup) -> None:
    setup.fake.register_template("tpl-report", "name", "unit", "month", "due")
    await setup.start(zalo_zns_template_report="tpl-report")
    await setup.member("zalo_oa", seen_days_ago=8)
    setup.fake.fail("message/template", -234, "This message cannot be sent at night")
    await setup.plan_and_send()
    [row] = await setup.rows()
    assert row.sent_at is None and row.failed_at is None and row.attempts == 1
    # 6:00 in Hà Nội the next morning
    now = setup.app.clock.now()
    assert row.not_before == datetime(now.year, now.month, now.day, 23, 0, tzinfo=UTC)
    assert timedelta(0) < row.not_before - now < timedelta(days=1)
