"""Housekeeping: old processed-update rows are pruned, recent ones kept (they stop redelivery)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.maintenance import KEEP_PROCESSED, prune_processed_updates
from handlers.clock import FixedClock
from storage.models import ProcessedUpdate
from tests.factories import World, make_incoming


async def processed(app: App) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count(ProcessedUpdate.id))) or 0)


async def test_old_processed_updates_are_pruned_and_recent_ones_still_dedupe(
    app: App, world: World, clock: FixedClock
) -> None:
    start = clock.now()
    await app.engine.handle(make_incoming("/trogiup", "head1", update_id="old"))
    clock.set(start + KEEP_PROCESSED - timedelta(hours=1))
    await app.engine.handle(make_incoming("/trogiup", "head1", update_id="recent"))
    clock.set(start + KEEP_PROCESSED + timedelta(minutes=1))

    assert await prune_processed_updates(app) == 1
    assert await processed(app) == 1
    assert await prune_processed_updates(app) == 0
    again = await app.engine.handle(make_incoming("/trogiup", "head1", update_id="recent"))
    assert again.ignored


async def test_the_scheduler_prunes_daily(app: App) -> None:
    from bot.scheduler import build_scheduler

    scheduler = build_scheduler(app, {})
    assert scheduler.get_job("prune_processed") is not None
