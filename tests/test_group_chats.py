"""In a group chat the bot acts for nobody: an invite code typed there binds nothing, a chat
bound as a group before does not let its members act as the head, and buttons pressed there do
nothing. A command gets one short pointer to a private chat; other talk is left alone."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import App
from bot.channels.telegram import TelegramChannel
from handlers import FLOWS
from storage.access import create_invite
from storage.models import ChatBinding, ConversationState, Report
from storage.templates import load_default_templates
from tests.factories import World, make_incoming
from tests.fakes.telegram_server import TOKEN, FakeTelegram

GROUP = -100777
HEAD, NEIGHBOUR = 4101, 4102


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def telegram(app: App, world: World, fake: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    settings = app.settings.model_copy(
        update={
            "telegram_token": SecretStr(TOKEN),
            "telegram_api_base": fake.base_url,
            "telegram_poll_timeout": 1,
        }
    )
    channel = TelegramChannel(app.engine, settings, FLOWS)
    await channel.start()
    yield channel
    await channel.stop()


def in_group(fake: FakeTelegram, user: int, **content: Any) -> int:
    message = {
        "message_id": int(time.time() * 1000) % 10**9,
        "date": int(time.time()),
        "chat": {"id": GROUP, "type": "supergroup", "title": "Thôn Đông"},
        "from": fake.user(user),
        **content,
    }
    return fake.inject({"message": message})


def press_in_group(fake: FakeTelegram, user: int, data: str) -> int:
    message = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": GROUP, "type": "supergroup", "title": "Thôn Đông"},
        "from": {"id": 1, "is_bot": True, "first_name": "Bot"},
        "text": "…",
    }
    query = {
        "id": f"q{data}{user}",
        "from": fake.user(user),
        "chat_instance": "g",
        "message": message,
        "data": data,
    }
    return fake.inject({"callback_query": query})


async def handled(telegram: TelegramChannel, fake: FakeTelegram, update_id: int) -> None:
    done: set[str] = set()
    telegram.conveyor.on_handled.append(lambda key, _o: done.add(key))
    await fake.until(lambda: str(update_id) in done)


async def test_an_invite_code_typed_in_a_group_binds_nothing(
    app: App, world: World, fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    async with app.sessions() as session, session.begin():
        code = await create_invite(session, world.villages[0], "village_head", app.clock.now(), 7)
    await handled(telegram, fake, in_group(fake, HEAD, text=f"/start@thidua_test_bot {code}"))
    assert "nhắn riêng" in fake.delivered(GROUP)[-1]
    await handled(telegram, fake, in_group(fake, HEAD, text=code))
    async with app.sessions() as session:
        bound = await session.scalar(
            select(func.count(ChatBinding.id)).where(ChatBinding.chat_id == str(GROUP))
        )
    assert bound == 0
    # the code still works where it should: in the head's private chat
    fake.text(HEAD, f"/start {code}")
    await fake.until(lambda: any("Thôn Đông" in t for t in fake.delivered(HEAD)))


async def test_a_group_bound_before_lets_nobody_act_as_the_head(
    app: App, world: World, fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, app.clock.now())
        # as the old code bound it: the group chat itself
        session.add(
            ChatBinding(
                member_id=world.members["head1"].id,
                channel="telegram",
                chat_id=str(GROUP),
                created_at=app.clock.now(),
            )
        )
    await handled(telegram, fake, in_group(fake, NEIGHBOUR, text="/baocao"))
    await handled(telegram, fake, in_group(fake, NEIGHBOUR, text="12"))
    await handled(telegram, fake, press_in_group(fake, NEIGHBOUR, "cmd:baocao"))
    await handled(telegram, fake, press_in_group(fake, NEIGHBOUR, "ok"))
    await handled(telegram, fake, in_group(fake, NEIGHBOUR, text="Chào cả thôn!"))
    assert not any(t.startswith("Câu") for t in fake.delivered(GROUP))
    assert all("nhắn riêng" in t for t in fake.delivered(GROUP))
    async with app.sessions() as session:
        assert await session.scalar(select(func.count(Report.id))) == 0
        state = await session.scalar(
            select(ConversationState).where(ConversationState.chat_id == str(GROUP))
        )
    assert state is None or state.state is None


async def test_group_messages_on_any_channel_act_for_nobody(app: App, world: World) -> None:
    async with app.sessions() as session, session.begin():
        code = await create_invite(session, world.villages[1], "village_head", app.clock.now(), 7)
    for text in (code, f"/start {code}", "/baocao", "bao cao", "/trogiup"):
        msg = make_incoming(text, "zgroup", channel="zalo")
        from dataclasses import replace

        outcome = await app.engine.handle(replace(msg, group=True))
        assert [r.text[:20] for r in outcome.replies] == ["Bot chỉ làm việc tro"]
    quiet = await app.engine.handle(replace(make_incoming("ok", "zgroup", "zalo"), group=True))
    assert quiet.replies == ()
    # the head (bound in a private chat) is still themself in a group: nobody acts there
    head_in_group = replace(make_incoming("/baocao", "head1"), group=True)
    assert "nhắn riêng" in (await app.engine.handle(head_in_group)).replies[0].text
