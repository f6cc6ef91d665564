"""Nothing grows forever with strangers: their conversation states, wrong invite codes, the
inbox, recorded replies and pacing rows are pruned daily; and invite guessing is limited for
everyone together, not only per chat."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.maintenance import prune_all
from handlers.clock import FixedClock
from storage import contacts, inbox, replies
from storage.models import (
    ChatBinding,
    ChatContact,
    ChatReply,
    ConversationState,
    InboxUpdate,
    InviteFailure,
    SendSlot,
)
from storage.pace import Scope, reserve
from tests.factories import World, make_incoming, texts

STRANGERS = 150


async def count(app: App, model: type) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_strangers_leave_nothing_behind_a_month_later(
    app: App, world: World, clock: FixedClock
) -> None:
    start = clock.now()
    bound_before = await count(app, ConversationState)
    for n in range(STRANGERS):
        await app.engine.handle(make_incoming("xin chào", f"stranger{n}", channel="zalo"))
        await app.engine.handle(make_incoming("ABCD2345", f"stranger{n}", channel="zalo"))
    await app.engine.handle(make_incoming("/trogiup", "head1"))
    async with app.sessions() as session, session.begin():
        await inbox.store(session, "zalo", [("u1", "stranger1", {"x": 1})], start)
        row = await inbox.next_pending(session, "zalo", "stranger1", start)
        assert row is not None and await inbox.mark_handled(session, row.id, start)
        [reply_id] = await replies.record(
            session, "zalo", "stranger1", "u1", [{"text": "a"}], start
        )
        await replies.mark_sent(session, reply_id, start, "m1")
        await reserve(session, [Scope("zalo:t:stranger1", ((1, 1.0),))], 0.0, start)
    assert await count(app, ConversationState) >= STRANGERS
    assert await count(app, InviteFailure) == STRANGERS

    clock.set(start + timedelta(days=31))
    counts = await prune_all(app)
    assert counts["strangers"] >= STRANGERS and counts["invite_failures"] == STRANGERS
    assert await count(app, InviteFailure) == 0
    assert await count(app, InboxUpdate) == 0 and await count(app, ChatReply) == 0
    assert await count(app, SendSlot) == 0
    # only the states of bound chats are left, the members' own
    assert await count(app, ConversationState) <= bound_before + 1
    assert "/baocao" in texts(await app.engine.handle(make_incoming("/trogiup", "head1")))


async def test_recent_rows_are_kept(app: App, world: World, clock: FixedClock) -> None:
    await app.engine.handle(make_incoming("ABCD2345", "guesser", channel="zalo"))
    clock.set(clock.now() + timedelta(hours=2))
    counts = await prune_all(app)
    assert counts["invite_failures"] == 0 and counts["strangers"] == 0
    assert await count(app, InviteFailure) == 1


async def test_many_chats_guessing_together_are_stopped_overall(
    app: App, world: World, clock: FixedClock
) -> None:
    from storage.access import GUESSES_PER_HOUR, create_invite

    # each chat stays under its own limit (5 an hour); together they pass the overall one
    for n in range(GUESSES_PER_HOUR):
        await app.engine.handle(make_incoming("ABCD2345", f"bot{n % 100}", channel="zalo"))
    async with app.sessions() as session, session.begin():
        code = await create_invite(session, world.villages[2], "village_head", clock.now(), 7)
    refused = await app.engine.handle(make_incoming(code, "newcomer", channel="zalo"))
    assert "thử lại" in texts(refused) or "quá nhiều" in texts(refused)
    # an hour later the door opens again
    clock.set(clock.now() + timedelta(hours=1, minutes=1))
    welcomed = await app.engine.handle(make_incoming(code, "newcomer", channel="zalo"))
    assert "Chào mừng" in texts(welcomed)


async def test_followers_who_never_registered_are_forgotten_a_month_later(
    app: App, world: World, clock: FixedClock
) -> None:
    start = clock.now()
    async with app.sessions() as session, session.begin():
        for n in range(STRANGERS):
            await contacts.touch(session, "zalo_oa", f"follower{n}", start, True)
        await contacts.touch(session, "zalo_oa", "oa-head1", start, True)
        session.add(
            ChatBinding(
                member_id=world.members["head1"].id,
                channel="zalo_oa",
                chat_id="oa-head1",
                created_at=start,
            )
        )
    clock.set(start + timedelta(days=31))
    assert (await prune_all(app))["contacts"] == STRANGERS
    async with app.sessions() as session:
        assert [c.chat_id for c in (await session.scalars(select(ChatContact))).all()] == [
            "oa-head1"
        ]
