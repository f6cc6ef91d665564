"""The outbox dispatcher: rates, retries, blocked chats, quiet hours, restarts mid-dispatch."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import App, build
from bot.channels.base import ChatBlocked, SendError
from bot.dispatcher import Dispatcher, Limiter, Pacer, in_quiet_hours
from bot.settings import Settings
from handlers.clock import FixedClock
from handlers.types import Reply
from storage import outbox
from storage.models import ChatBinding, Member, OutboxMessage
from tests.factories import World

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class VirtualTime:
    """A pacer whose sleep moves its own time forward at once (no real waiting)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # sends already started run "now", before time moves on
        self.t += max(seconds, 0.0)

    def pacer(self) -> Pacer:
        return Pacer(self.monotonic, self.sleep)


@dataclass
class Sent:
    chat: str
    text: str
    at: datetime
    mono: float


@dataclass
class FakeSender:
    """Records every send; `errors` maps a chat to exceptions raised on its next sends."""

    clock: FixedClock
    time: VirtualTime
    channel: str = "console"
    rate_per_second: float = 1000.0
    rate_per_chat: float = 1000.0
    sent: list[Sent] = field(default_factory=list)
    errors: dict[str, list[Exception]] = field(default_factory=dict)
    calls: int = 0

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        self.calls += 1
        queue = self.errors.get(chat_id)
        if queue:
            raise queue.pop(0)
        self.sent.append(Sent(chat_id, reply.text, self.clock.now(), self.time.monotonic()))
        return f"m{len(self.sent)}"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


async def binding_of(app: App, chat: str) -> ChatBinding:
    async with app.sessions() as session:
        binding = await session.scalar(select(ChatBinding).where(ChatBinding.chat_id == chat))
        assert binding is not None
        return binding


async def put(
    app: App, chat: str, key: str, text: str = "xin chào", at: datetime | None = None
) -> None:
    binding = await binding_of(app, chat)
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        await outbox.enqueue(session, key, binding.id, "test", {"text": text}, at or now, now)


async def row(app: App, key: str) -> OutboxMessage:
    async with app.sessions() as session:
        found = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        assert found is not None
        return found


def dispatcher(app: App, sender: FakeSender, worker: str = "w1") -> Dispatcher:
    return Dispatcher(
        app.sessions, app.settings, app.clock, {sender.channel: sender}, worker, sender.time.pacer()
    )


def test_quiet_hours_wrap_midnight() -> None:
    assert in_quiet_hours(datetime(2026, 1, 1, 21, 0), 21, 7)
    assert in_quiet_hours(datetime(2026, 1, 1, 6, 59), 21, 7)
    assert not in_quiet_hours(datetime(2026, 1, 1, 7, 0), 21, 7)
    assert not in_quiet_hours(datetime(2026, 1, 1, 20, 59), 21, 7)
    assert in_quiet_hours(datetime(2026, 1, 1, 13, 0), 12, 14)


def test_limiter_never_exceeds_rate_in_any_window() -> None:
    limiter = Limiter(30)
    t = 0.0
    times = []
    for i in range(300):
        t = max(t, limiter.ready_at())
        if i % 7 == 0:
            t += 0.02  # a late wake-up now and then
        limiter.record(t)
        times.append(t)
    for i, start in enumerate(times):
        assert sum(1 for x in times[i:] if x < start + 1.0) <= 30


async def test_sends_at_the_channel_rate_and_the_chat_rate(app: App, world: World) -> None:
    vt = VirtualTime()
    sender = FakeSender(app.clock, vt, rate_per_second=10, rate_per_chat=1)  # type: ignore[arg-type]
    chats = ["head1", "head2", "head3", "principal", "staff"]
    for i in range(40):
        await put(app, chats[i % 5], f"k{i}", f"tin {i}")
    stats = await dispatcher(app, sender).run_until_idle()
    assert stats.sent == 40 and len(sender.sent) == 40
    times = sorted(s.mono for s in sender.sent)
    for i, start in enumerate(times):
        assert sum(1 for x in times[i:] if x < start + 1.0) <= 10
    for chat in chats:
        mine = [s.mono for s in sender.sent if s.chat == chat]
        assert all(b - a >= 1.0 - 1e-9 for a, b in pairwise(mine))
    # per chat, the planned order is kept
    head1 = [s.text for s in sender.sent if s.chat == "head1"]
    assert head1 == [f"tin {i}" for i in range(0, 40, 5)]


async def test_429_waits_retry_after_then_sends_once(app: App, world: World) -> None:
    vt = VirtualTime()
    sender = FakeSender(app.clock, vt)  # type: ignore[arg-type]
    sender.errors["head1"] = [SendError("Too Many Requests", retry_after=30)]
    await put(app, "head1", "k429")
    d = dispatcher(app, sender)
    stats = await d.run_once()
    assert stats.retried == 1 and not sender.sent
    r = await row(app, "k429")
    assert r.attempts == 1 and r.not_before == app.clock.now() + timedelta(seconds=30)
    assert (await d.run_once()).sent == 0
    app.clock.set(app.clock.now() + timedelta(seconds=31))  # type: ignore[attr-defined]
    assert (await d.run_once()).sent == 1
    assert [s.chat for s in sender.sent] == ["head1"]
    assert (await row(app, "k429")).platform_message_id == "m1"


async def test_5xx_backs_off_then_gives_up_and_marks_failed(
    settings: Settings, clock: FixedClock, world: World
) -> None:
    settings = settings.model_copy(update={"outbox_max_attempts": 3})
    app = build(settings, clock)
    try:
        vt = VirtualTime()
        sender = FakeSender(clock, vt)
        sender.errors["head2"] = [SendError("502 Bad Gateway") for _ in range(5)]
        await put(app, "head2", "k5xx")
        d = dispatcher(app, sender)
        waits = []
        for _ in range(3):
            before = clock.now()
            await d.run_once()
            r = await row(app, "k5xx")
            if r.failed_at is None:
                waits.append(r.not_before - before)
                clock.set(r.not_before)
        assert waits == [timedelta(seconds=30), timedelta(seconds=60)]
        r = await row(app, "k5xx")
        assert r.failed_at is not None and r.attempts == 3 and "502" in (r.last_error or "")
        clock.set(clock.now() + timedelta(days=1))
        assert (await d.run_once()).sent == 0 and sender.calls == 3
    finally:
        await app.close()


async def test_blocked_chat_is_flagged_and_its_rows_fail(app: App, world: World) -> None:
    vt = VirtualTime()
    sender = FakeSender(app.clock, vt)  # type: ignore[arg-type]
    sender.errors["head3"] = [ChatBlocked("Forbidden: bot was blocked by the user")]
    await put(app, "head3", "kb1")
    await put(app, "head3", "kb2", at=app.clock.now() + timedelta(hours=1))
    await put(app, "head1", "ok")
    stats = await dispatcher(app, sender).run_once()
    assert stats.blocked == 1 and stats.sent == 1
    assert (await binding_of(app, "head3")).blocked_at is not None
    assert (await row(app, "kb1")).failed_at is not None
    assert (await row(app, "kb2")).failed_at is not None
    async with app.sessions() as session:
        assert list(await outbox.bindings_of(session, world.members["head3"].id)) == []


async def test_permanent_error_fails_at_once(app: App, world: World) -> None:
    sender = FakeSender(app.clock, VirtualTime())  # type: ignore[arg-type]
    sender.errors["head1"] = [SendError("Bad Request: chat not found", permanent=True)]
    await put(app, "head1", "kp")
    stats = await dispatcher(app, sender).run_once()
    assert stats.failed == 1 and (await row(app, "kp")).failed_at is not None


async def test_nothing_goes_out_in_quiet_hours(app: App, world: World) -> None:
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(local(2026, 11, 10, 22, 15))
    sender = FakeSender(clock, VirtualTime())
    await put(app, "head1", "late-evening")
    d = dispatcher(app, sender)
    for hour in (22, 23, 0, 3, 6):
        clock.set(local(2026, 11, 11 if hour < 12 else 10, hour, 45))
        stats = await d.run_once()
        assert stats.quiet and not sender.sent
    clock.set(local(2026, 11, 11, 7, 0))
    assert (await d.run_once()).sent == 1


async def test_restart_mid_dispatch_sends_nothing_twice(
    settings: Settings, clock: FixedClock, app: App, world: World
) -> None:
    for i in range(3):
        await put(app, "head1", f"r{i}", f"tin {i}")
    # process A claims the rows, sends r0 and marks it, sends r1 but dies before marking it,
    # and never gets to r2
    lease = timedelta(seconds=settings.outbox_claim_seconds)
    async with app.sessions() as session, session.begin():
        claimed = await outbox.claim_due(session, "A", clock.now(), lease)
    assert [r.key for r in claimed] == ["r0", "r1", "r2"]
    async with app.sessions() as session, session.begin():
        assert await outbox.mark_sent(session, claimed[0].id, "A", clock.now(), "a-0")
    sent_by_a = ["tin 0", "tin 1"]

    # process B starts on the same database
    app_b = build(settings, clock)
    try:
        sender_b = FakeSender(clock, VirtualTime())
        d = dispatcher(app_b, sender_b, "B")
        assert (await d.run_once()).sent == 0, "rows under A's lease are left alone"
        clock.set(clock.now() + lease + timedelta(seconds=1))
        await d.run_until_idle()
        assert sorted(s.text for s in sender_b.sent) == ["tin 1", "tin 2"]
        clock.set(clock.now() + timedelta(hours=1))
        await d.run_until_idle()
        assert len(sender_b.sent) == 2
        # A coming back cannot mark what B took over
        async with app.sessions() as session, session.begin():
            assert not await outbox.mark_sent(session, claimed[1].id, "A", clock.now(), "a-1")
        every = sent_by_a + [s.text for s in sender_b.sent]
        # at-least-once: only the row in A's crash window (sent, not marked) went twice
        assert every.count("tin 0") == 1 and every.count("tin 2") == 1
        assert every.count("tin 1") == 2
        async with app.sessions() as session:
            rows = (await session.scalars(select(OutboxMessage))).all()
        assert all(r.sent_at is not None for r in rows)
    finally:
        await app_b.close()


async def test_two_dispatchers_share_the_rows(
    settings: Settings, clock: FixedClock, app: App, world: World
) -> None:
    chats = ["head1", "head2", "head3", "principal"]
    for i in range(20):
        await put(app, chats[i % 4], f"s{i}", f"tin {i}")
    app_b = build(settings, clock)
    try:
        vt = VirtualTime()
        a, b = FakeSender(clock, vt), FakeSender(clock, vt)
        da, db = dispatcher(app, a, "A"), dispatcher(app_b, b, "B")
        da.batch = db.batch = 3
        for _ in range(20):
            await da.run_once()
            await db.run_once()
        texts = [s.text for s in a.sent + b.sent]
        assert sorted(texts) == sorted(f"tin {i}" for i in range(20))
        assert a.sent and b.sent
    finally:
        await app_b.close()


async def test_inactive_member_rows_are_not_planned_by_enqueue_to_member(
    app: App, world: World
) -> None:
    async with app.sessions() as session, session.begin():
        member = await session.get_one(Member, world.members["head2"].id)
        member.active = False
    async with app.sessions() as session, session.begin():
        added = await outbox.enqueue_to_member(
            session,
            world.members["head2"].id,
            "x",
            "test",
            {"text": "t"},
            app.clock.now(),
            app.clock.now(),
        )
    assert added == 0


async def test_each_channel_goes_through_its_own_sender(app: App, world: World) -> None:
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        session.add(
            ChatBinding(
                member_id=world.members["head1"].id,
                channel="telegram",
                chat_id="777",
                created_at=now,
            )
        )
    async with app.sessions() as session, session.begin():
        added = await outbox.enqueue_to_member(
            session, world.members["head1"].id, "both", "test", {"text": "hai kênh"}, now, now
        )
    assert added == 2
    vt = VirtualTime()
    console = FakeSender(app.clock, vt)  # type: ignore[arg-type]
    telegram = FakeSender(app.clock, vt, channel="telegram", rate_per_second=30, rate_per_chat=1)  # type: ignore[arg-type]
    d = Dispatcher(
        app.sessions,
        app.settings,
        app.clock,
        {"console": console, "telegram": telegram},
        "w",
        vt.pacer(),
    )
    stats = await d.run_until_idle()
    assert stats.by_channel == {"console": 1, "telegram": 1}
    assert [s.chat for s in console.sent] == ["head1"]
    assert [s.chat for s in telegram.sent] == ["777"]


async def test_a_channel_without_sender_keeps_its_rows(app: App, world: World) -> None:
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        binding = ChatBinding(
            member_id=world.members["head2"].id, channel="zalo", chat_id="z2", created_at=now
        )
        session.add(binding)
        await session.flush()
        await outbox.enqueue(session, "z", binding.id, "test", {"text": "x"}, now, now)
    sender = FakeSender(app.clock, VirtualTime())  # type: ignore[arg-type]
    assert (await dispatcher(app, sender).run_once()).sent == 0
    r = await row(app, "z")
    assert r.sent_at is None and r.failed_at is None and r.claimed_by is None


async def test_concurrent_dispatchers_never_send_a_row_twice(
    settings: Settings, clock: FixedClock, app: App, world: World
) -> None:
    chats = ["head1", "head2", "head3", "principal", "staff"]
    for i in range(40):
        await put(app, chats[i % 5], f"c{i}", f"tin {i}")
    apps = [app, build(settings, clock), build(settings, clock)]
    try:
        senders = [FakeSender(clock, VirtualTime()) for _ in apps]
        workers = [
            dispatcher(a, s, f"W{i}") for i, (a, s) in enumerate(zip(apps, senders, strict=True))
        ]
        for w in workers:
            w.batch = 4
        for _ in range(10):
            await asyncio.gather(*(w.run_once() for w in workers))
        texts = [s.text for sender in senders for s in sender.sent]
        assert sorted(texts) == sorted(f"tin {i}" for i in range(40))
    finally:
        for extra in apps[1:]:
            await extra.close()
