"""Onboarding and access, as dialogs on the console channel."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import App
from storage.access import create_invite
from storage.models import ChatBinding, Member
from tests.factories import World, dialog, make_incoming, texts


async def invite(app: App, world: World, role: str = "village_head", days: int = 14) -> str:
    async with app.sessions() as session, session.begin():
        return await create_invite(session, world.villages[1], role, app.clock.now(), days)


async def bindings(app: App) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count(ChatBinding.id))) or 0)


async def test_unregistered_chat_gets_only_the_onboarding_text(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "stranger",
        [
            ("xin chào", "mã mời"),
            ("/baocao", "mã mời"),
            ("/trogiup", "mã mời"),
        ],
    )


async def test_invite_binds_the_chat_and_greets_by_unit(app: App, world: World) -> None:
    code = await invite(app, world)
    before = await bindings(app)
    await dialog(
        app.engine,
        "newhead",
        [
            (f"/start {code}", ["Chào mừng", "Trưởng thôn – Thôn Tây"]),
            ("/start", "Thôn Tây"),
        ],
    )
    assert await bindings(app) == before + 1


async def test_code_typed_alone_with_spaces_and_lower_case_works(app: App, world: World) -> None:
    code = await invite(app, world)
    typed = f" {code[:4].lower()}-{code[4:].lower()} "
    await dialog(app.engine, "zalo-person", [(typed, "Chào mừng")])


async def test_used_expired_and_unknown_codes_are_refused(app: App, world: World) -> None:
    code = await invite(app, world)
    expired = await invite(app, world, days=1)
    await dialog(app.engine, "first", [(f"/start {code}", "Chào mừng")])
    before = await bindings(app)
    app.clock.set(app.clock.now() + timedelta(days=2))  # type: ignore[attr-defined]
    await dialog(
        app.engine,
        "second",
        [
            (f"/start {code}", "đã được dùng"),
            (f"/start {expired}", "đã hết hạn"),
            ("/start ZZZZ2222", "không đúng"),
        ],
    )
    assert await bindings(app) == before


async def test_more_than_five_wrong_codes_in_an_hour_are_refused_unchecked(
    app: App, world: World
) -> None:
    code = await invite(app, world)
    await dialog(app.engine, "guesser", [(f"/start WRONG{i:03d}", "không đúng") for i in range(5)])
    await dialog(app.engine, "guesser", [(f"/start {code}", "quá nhiều lần")])
    app.clock.set(app.clock.now() + timedelta(hours=1, minutes=1))  # type: ignore[attr-defined]
    await dialog(app.engine, "guesser", [(f"/start {code}", "Chào mừng")])


async def test_command_outside_role_is_refused_and_changes_nothing(app: App, world: World) -> None:
    await dialog(app.engine, "head1", [("/ngonngu", "ngôn ngữ nào")])
    refused = await app.engine.handle(make_incoming("/khongcolenhnay", "head1"))
    assert "chưa hiểu" in texts(refused)
    assert refused.awaiting == "choice"  # the language question still stands


async def test_redelivered_update_is_ignored(app: App, world: World) -> None:
    first = await app.engine.handle(make_incoming("/ngonngu", "head1", update_id="77"))
    again = await app.engine.handle(make_incoming("/ngonngu", "head1", update_id="77"))
    assert first.replies and not again.replies and again.ignored


async def test_language_switch_is_remembered(app: App, world: World) -> None:
    await dialog(
        app.engine,
        "head1",
        [("/ngonngu", "ngôn ngữ nào"), ("2", "English"), ("/help", "Commands you can use")],
    )
    async with app.sessions() as session:
        member = await session.get_one(Member, world.members["head1"].id)
        assert member.locale == "en"


async def test_link_code_binds_a_second_app_to_the_same_member(app: App, world: World) -> None:
    out = await app.engine.handle(make_incoming("/lienket", "head1"))
    code = texts(out).split(":", 1)[1].split()[0]
    zalo = await app.engine.handle(make_incoming(code, "zalo-123", channel="zalo"))
    assert "Thôn Đông" in texts(zalo)
    async with app.sessions() as session:
        rows = await session.scalars(
            select(ChatBinding).where(ChatBinding.member_id == world.members["head1"].id)
        )
        assert {b.channel for b in rows} == {"console", "zalo"}
