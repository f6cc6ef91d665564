"""The scheduler: APScheduler 3 (AsyncIOScheduler, Asia/Ho_Chi_Minh) running the planner every
minute, the outbox dispatcher every few seconds, the daily digest at 07:30 and the weekly one on
Monday at 07:30.

Every job is `coalesce=True` with one instance at a time and a grace time, so runs missed while
the process was down are caught up once, not repeated; the jobs themselves are idempotent
(outbox keys), so a catch-up never doubles a message. With several processes, pass `leader`
(an async callable, e.g. storage.leader's advisory lock): only the leader plans and builds
digests; every process dispatches (rows are claimed with SKIP LOCKED). Without `leader`, the
database's own leadership is used (`storage.leader.leader_for`: an advisory lock on PostgreSQL,
a file lock beside a SQLite file). Planning is idempotent anyway, so leadership only saves work.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_PAUSED
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import App
from bot.channels.base import Sender
from bot.dispatcher import Dispatcher, DispatchStats
from bot.maintenance import prune_all
from storage.reminders import PlanResult, plan

log = logging.getLogger(__name__)

Leader = Callable[[], Awaitable[bool]]
DIGEST_HOUR, DIGEST_MINUTE = 7, 30


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


async def plan_once(app: App) -> PlanResult:
    """Plans what is due at the clock's now, in one transaction."""
    async with app.sessions() as session, session.begin():
        result = await plan(session, app.settings, app.clock.now())
    if result.flagged:
        log.info("reminders: %d recipients unreachable", len(result.flagged))
    return result


async def digests_once(app: App, kind: str) -> int:
    """Plans the `kind` digest for every staff member (the weekly one's chart and workbook
    follow, see `weekly_files`); returns how many rows were added."""
    from handlers.digest import plan_digests

    async with app.sessions() as session, session.begin():
        added = await plan_digests(session, app.settings, app.clock.now(), kind)
    if kind == "weekly":
        return len(added) + await weekly_files(app)
    return len(added)


async def weekly_files(app: App) -> int:
    """Builds the chart and workbook of today's weekly digests that lack them, each in a heavy
    worker with the export limits (no transaction open meanwhile, so chats are answered), then
    queues them (or a note that they could not be made); returns how many rows were added.
    Safe to run again: what was queued is not built again."""
    import heavy
    from bot import exports
    from bot.settings import worker_environment
    from handlers.digest import queue_weekly_files, weekly_files_owed

    async with app.sessions() as session:
        owed = await weekly_files_owed(session, app.settings, app.clock.now())
    limits = heavy.Limits(app.settings.export_seconds, app.settings.export_memory_mb)
    env = worker_environment(app.settings)
    added = 0
    for order in owed:
        now = app.clock.now().isoformat()
        args = (order.unit_id, now, order.locale, order.stamp, order.since)
        built: object
        try:
            built = await heavy.run(exports.DIGEST, *args, limits=limits, env=env)
        except Exception as error:
            built = error
        async with app.sessions() as session, session.begin():
            queued = await queue_weekly_files(session, order, built, app.clock.now())
        added += len(queued)
    return added


def default_leader(app: App) -> Leader | None:
    """The database's leadership check, or None (always lead) when it is not available."""
    try:
        from storage.leader import leader_for
    except ImportError:
        return None
    return leader_for(app.db).check


def build_dispatcher(app: App, senders: Mapping[str, Sender]) -> Dispatcher:
    return Dispatcher(app.sessions, app.settings, app.clock, senders, worker=worker_name())


def build_scheduler(
    app: App,
    senders: dict[str, Sender],
    leader: Leader | None = None,
    dispatcher: Dispatcher | None = None,
) -> AsyncIOScheduler:
    """The configured scheduler (not started: the runner calls `.start()` inside its loop and
    `.shutdown()` on SIGTERM)."""
    dispatcher = dispatcher or build_dispatcher(app, senders)
    if leader is None:
        leader = default_leader(app)
    tz = app.settings.timezone
    scheduler = AsyncIOScheduler(
        timezone=tz,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )

    async def lead() -> bool:
        if leader is None:
            return True
        try:
            return await leader()
        except Exception:
            log.exception("leader check failed; skipping this run")
            return False

    async def planner_job() -> None:
        if await lead():
            await plan_once(app)

    async def dispatch_job() -> DispatchStats:
        """Sends what is due, batch after batch while a batch comes back full: a long queue
        flows at the platform's pace instead of one batch per tick. Stops between batches
        once the scheduler is paused (the runner stopping)."""
        stats = await dispatcher.run_once()
        while (
            stats.claimed >= dispatcher.batch
            and stats.sent + stats.retried + stats.failed > 0
            and not stats.quiet
            and scheduler.state != STATE_PAUSED
        ):
            stats = await dispatcher.run_once()
        return stats

    def digest_job(kind: str) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            if await lead():
                await digests_once(app, kind)

        return job

    async def catch_up_job() -> None:
        """After downtime over 07:30: today's digests once (their keys stop a second one)."""
        local = app.clock.now().astimezone(ZoneInfo(tz))
        if (local.hour, local.minute) < (DIGEST_HOUR, DIGEST_MINUTE) or not await lead():
            return
        await digests_once(app, "daily")
        if local.weekday() == 0:
            await digests_once(app, "weekly")

    async def prune_job() -> None:
        if await lead():
            await prune_all(app)

    common: dict[str, Any] = {"replace_existing": True}
    scheduler.add_job(catch_up_job, id="digest_catch_up", **common)
    scheduler.add_job(planner_job, IntervalTrigger(minutes=1, timezone=tz), id="planner", **common)
    scheduler.add_job(
        dispatch_job,
        IntervalTrigger(seconds=app.settings.dispatch_seconds, timezone=tz),
        id="dispatcher",
        **common,
    )
    scheduler.add_job(
        digest_job("daily"),
        CronTrigger(hour=DIGEST_HOUR, minute=DIGEST_MINUTE, timezone=tz),
        id="digest_daily",
        misfire_grace_time=6 * 3600,
        **common,
    )
    scheduler.add_job(
        digest_job("weekly"),
        CronTrigger(day_of_week="mon", hour=DIGEST_HOUR, minute=DIGEST_MINUTE, timezone=tz),
        id="digest_weekly",
        misfire_grace_time=24 * 3600,
        **common,
    )
    scheduler.add_job(
        prune_job,
        CronTrigger(hour=3, minute=15, timezone=tz),
        id="prune_processed",
        misfire_grace_time=24 * 3600,
        **common,
    )
    return scheduler
