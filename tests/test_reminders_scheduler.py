"""The scheduler's wiring: jobs, timezone, catch-up settings, the leader hook."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.scheduler import build_scheduler
from handlers.clock import FixedClock
from storage.models import OutboxMessage
from tests.factories import World
from tests.test_dispatcher import FakeSender, VirtualTime, local


async def outbox_count(app: App) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count(OutboxMessage.id))) or 0)


async def test_jobs_and_their_settings(app: App, world: World) -> None:
    sender = FakeSender(app.clock, VirtualTime())  # type: ignore[arg-type]
    scheduler = build_scheduler(app, {"console": sender})
    scheduler.start(paused=True)  # jobs get their defaults when added; nothing runs
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) >= {
        "planner",
        "dispatcher",
        "digest_daily",
        "digest_weekly",
        "digest_catch_up",
    }
    assert str(scheduler.timezone) == "Asia/Ho_Chi_Minh"
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
    assert jobs["planner"].trigger.interval.total_seconds() == 60
    assert jobs["dispatcher"].trigger.interval.total_seconds() <= 10
    daily = {f.name: str(f) for f in jobs["digest_daily"].trigger.fields}
    weekly = {f.name: str(f) for f in jobs["digest_weekly"].trigger.fields}
    assert (daily["hour"], daily["minute"]) == ("7", "30")
    assert (weekly["day_of_week"], weekly["hour"], weekly["minute"]) == ("mon", "7", "30")
    assert jobs["digest_daily"].misfire_grace_time >= 3600


async def test_only_the_leader_plans(app: App, world: World) -> None:
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(local(2026, 11, 18, 8, 0))
    sender = FakeSender(clock, VirtualTime())
    leading = False

    async def leader() -> bool:
        return leading

    scheduler = build_scheduler(app, {"console": sender}, leader=leader)
    planner = scheduler.get_job("planner")
    digest = scheduler.get_job("digest_daily")
    await planner.func()
    await digest.func()
    assert await outbox_count(app) == 0
    leading = True
    await planner.func()
    # the 7-day reminders of the four reporting units, and of the three villages' "Gia đình
    # văn hóa" list (due 25/11)
    assert await outbox_count(app) == 7
    await planner.func()
    assert await outbox_count(app) == 7
    await scheduler.get_job("dispatcher").func()
    villages = ["head1", "head1", "head2", "head2", "head3", "head3"]
    assert sorted(s.chat for s in sender.sent) == [*villages, "principal"]
    await digest.func()
    assert await outbox_count(app) > 7


async def test_catch_up_after_downtime_sends_todays_digest_once(app: App, world: World) -> None:
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(local(2026, 11, 18, 11, 0))  # started late on a Wednesday

    async def leader() -> bool:
        return True

    scheduler = build_scheduler(app, {}, leader=leader)
    catch_up = scheduler.get_job("digest_catch_up")
    await catch_up.func()
    first = await outbox_count(app)
    assert first >= 2  # both communes' staff
    await catch_up.func()
    await scheduler.get_job("digest_daily").func()
    assert await outbox_count(app) == first


async def test_a_queue_longer_than_a_batch_goes_out_in_one_dispatch_run(
    app: App, world: World
) -> None:
    from bot.dispatcher import Dispatcher
    from storage.models import ChatBinding

    clock: FixedClock = app.clock  # type: ignore[assignment]
    sender = FakeSender(clock, VirtualTime())
    async with app.sessions() as session, session.begin():
        bindings = (
            await session.scalars(select(ChatBinding.id).where(ChatBinding.channel == "console"))
        ).all()
        for n, binding in enumerate(bindings):
            session.add(
                OutboxMessage(
                    key=f"queue:{n}",
                    binding_id=binding,
                    kind="test",
                    payload={"text": f"tin {n}", "options": []},
                    not_before=clock.now(),
                    attempts=0,
                    created_at=clock.now(),
                )
            )
    assert len(bindings) >= 5
    small = Dispatcher(app.sessions, app.settings, clock, {"console": sender}, batch=2)
    scheduler = build_scheduler(app, {"console": sender}, dispatcher=small)
    await scheduler.get_job("dispatcher").func()
    assert sorted(s.text for s in sender.sent) == sorted(f"tin {n}" for n in range(len(bindings)))
