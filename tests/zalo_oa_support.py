"""What the Zalo OA tests share: settings pointing at the fake OA, and a way to talk through it
and wait for the bot's answers."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from bot.app import App
from bot.channels.zalo_oa import ZaloOaChannel
from storage.access import create_invite
from tests.factories import World
from tests.fakes.base import free_port
from tests.fakes.zalo_oa_server import APP_ID, APP_SECRET, OA_SECRET, REFRESH_TOKEN, FakeZaloOa


def oa_settings(app: App, fake: FakeZaloOa, **more: Any) -> Any:
    """The app's settings with the OA channel on, against `fake`, its webhook on a free port;
    the fake's events carry the app's clock time."""
    fake.now = lambda: app.clock.now().timestamp()
    values = {
        "zalo_oa_app_id": APP_ID,
        "zalo_oa_secret_key": SecretStr(OA_SECRET),
        "zalo_oa_app_secret": SecretStr(APP_SECRET),
        "zalo_oa_refresh_token": SecretStr(REFRESH_TOKEN),
        "zalo_oa_api_base": fake.base_url,
        "zalo_oa_oauth_base": fake.base_url,
        "zalo_oa_webhook_url": "https://bot.example.vn/zalo-oa",
        "zalo_oa_webhook_listen": "127.0.0.1",
        "zalo_oa_webhook_port": free_port(),
        "zalo_oa_unit": "C1",
        "zalo_oa_rate_per_second": 1000.0,
        # dialogs here run faster than people type; pacing is the fault suite's
        "zalo_oa_rate_per_chat": 50.0,
    } | more
    return app.settings.model_copy(update=values)


def hook_url(settings: Any) -> str:
    return f"http://127.0.0.1:{settings.zalo_oa_webhook_port}/zalo-oa"


class Talk:
    """Sends one thing through the fake and returns the texts the bot answered to it."""

    def __init__(self, fake: FakeZaloOa, channel: ZaloOaChannel) -> None:
        self.fake = fake
        self.handled: list[str] = []
        channel.conveyor.on_handled.append(lambda key, _outcome: self.handled.append(key))

    async def _answer(self, chat: str, send: Any) -> list[str]:
        before, handled = len(self.fake.sent(chat)), len(self.handled)
        send()
        await self.fake.until(lambda: len(self.handled) > handled)
        return self.fake.texts(chat)[before:]

    async def text(self, chat: str, text: str) -> list[str]:
        return await self._answer(chat, lambda: self.fake.text(chat, text))

    async def press(self, chat: str, label: str) -> list[str]:
        """Taps the button titled `label` on the last message that had buttons."""
        found = [b for b in self.fake.buttons(chat) if b["title"] == label]
        assert found, (label, self.fake.buttons(chat))
        assert found[0]["type"] == "oa.query.show"
        return await self._answer(chat, lambda: self.fake.press(chat, found[0]["payload"]))

    async def follow(self, chat: str) -> list[str]:
        return await self._answer(chat, lambda: self.fake.follow(chat))

    async def image(self, chat: str, data: bytes) -> list[str]:
        return await self._answer(chat, lambda: self.fake.image(chat, data))

    async def file(self, chat: str, data: bytes, name: str) -> list[str]:
        return await self._answer(chat, lambda: self.fake.file(chat, data, name))


async def invite(app: App, world: World, role: str = "village_head", unit: Any = None) -> str:
    async with app.sessions() as session, session.begin():
        target = unit if unit is not None else world.villages[1]
        return await create_invite(session, target, role, app.clock.now(), 7)
