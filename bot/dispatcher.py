"""The outbox dispatcher: sends due rows through each channel's Sender at that channel's rates.

One `run_once()` claims due rows per channel, sends them paced by two limiters (the channel's
messages per second overall, and per chat; the senders also keep the token's pace shared with
every other process, `bot/pace.py`), marks each row in flight just before its call and sent
after it, each in its own short transaction; at most `settings.outbox_in_flight` calls are in
flight at once (what a crash can duplicate at most, see storage/outbox.py).
Errors: `SendError.retry_after` (HTTP 429) → the row waits that long; `ChatBlocked` → the chat
is flagged and its rows fail; `Unreachable` → the row fails and goes to the member's other
chats (`outbox.fall_back`); a permanent error fails the row; `in_doubt` (the request went
out, no answer came) → settled as sent but unconfirmed, not sent again; any other error is
retried with exponential backoff until `settings.outbox_max_attempts`, then the row is marked
failed (the staff digest shows it). During quiet hours (Asia/Ho_Chi_Minh) nothing is sent:
due rows wait until morning (a run that reaches them stops there). A reminder whose recipient
has filed, marked the task done, paused or left since it was planned is not sent.

Wall time comes from the clock (`clock.now()`); pacing uses a `Pacer` (monotonic seconds and a
sleep) so tests and benches can drive it without waiting.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import ChatBlocked, Sender, SendError, Unreachable
from bot.settings import Settings
from handlers.clock import Clock
from handlers.types import Reply
from storage import outbox
from storage.models import ChatBinding, OutboxMessage
from storage.reminders import no_longer_due

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=2)
GUARD_SECONDS = 0.02


@dataclass
class Pacer:
    """Monotonic seconds and a way to wait; the real one by default."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


class Limiter:
    """At most `rate` sends in any one-second window (any `1/rate` window when rate < 1), spread
    evenly: sends are spaced `1/rate` apart, and a sliding window of the last sends makes sure a
    late wake-up followed by an on-time one never puts more than the limit in one window."""

    def __init__(self, rate: float, guard: float = GUARD_SECONDS) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        span = max(1.0, self.interval)
        self.capacity = max(1, int(rate * span + 1e-9))
        # the window is a little longer than the platform's: a send starts a moment after it
        # is decided, and that moment varies
        self.window = span + guard
        self.times: deque[float] = deque(maxlen=self.capacity)
        self.next_at = float("-inf")

    def ready_at(self) -> float:
        at = self.next_at
        if len(self.times) == self.capacity:
            at = max(at, self.times[0] + self.window)
        return at

    def record(self, at: float) -> None:
        self.times.append(at)
        # keep the even schedule through small wake-up delays, restart it after idle time
        self.next_at = max(self.next_at, at - self.interval / 2) + self.interval

    def hold(self, until: float) -> None:
        self.next_at = max(self.next_at, until)


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    released: int = 0
    unconfirmed: int = 0
    quiet: bool = False
    by_channel: dict[str, int] = field(default_factory=dict)


def in_quiet_hours(local: datetime, start_hour: int, end_hour: int) -> bool:
    """True when `local` falls in [start, end) hours; the range may wrap midnight (21 → 7)."""
    if start_hour == end_hour:
        return False
    if start_hour < end_hour:
        return start_hour <= local.hour < end_hour
    return local.hour >= start_hour or local.hour < end_hour


def backoff(attempts: int, base: timedelta = BACKOFF_BASE) -> timedelta:
    """Wait before try number `attempts + 1`: 30 s, 1 min, 2 min, … up to 2 hours (from
    another `base`: base, 2 × base, …)."""
    wait: timedelta = base * (2 ** max(0, min(attempts - 1, 16)))
    return min(BACKOFF_MAX, wait)


def reply_of(payload: Mapping[str, Any]) -> Reply:
    """The outbox payload as a neutral Reply."""
    return Reply.from_payload(payload)


@dataclass
class _Job:
    row_id: int
    binding_id: int
    chat_id: str
    attempts: int
    reply: Reply


class Dispatcher:
    """Drains the outbox through `senders` (channel name → Sender).

    Limiters live as long as the dispatcher, so consecutive runs keep to the rates too.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        senders: Mapping[str, Sender],
        worker: str = "dispatcher",
        pacer: Pacer | None = None,
        batch: int = 500,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.senders = dict(senders)
        self.worker = worker
        self.pacer = pacer or Pacer()
        self.batch = batch
        self.global_limits = {c: Limiter(s.rate_per_second) for c, s in self.senders.items()}
        self.chat_limits: dict[tuple[str, str], Limiter] = {}
        self.tz = ZoneInfo(settings.timezone)
        self._lock = asyncio.Lock()
        # calls in flight at once: what a crash can duplicate at most (see storage/outbox.py)
        self._calls = asyncio.Semaphore(max(1, settings.outbox_in_flight))

    def quiet(self, now: datetime) -> bool:
        local = now.astimezone(self.tz)
        return in_quiet_hours(local, self.settings.quiet_start_hour, self.settings.quiet_end_hour)

    async def run_once(self) -> DispatchStats:
        """Sends what is due now on every channel; returns what happened. Never raises for a
        failed send (it is counted and retried later)."""
        async with self._lock:
            stats = DispatchStats()
            if self.quiet(self.clock.now()):
                stats.quiet = True
                return stats
            await asyncio.gather(*(self._run_channel(c, stats) for c in self.senders))
            return stats

    async def run_until_idle(self, max_runs: int = 100) -> DispatchStats:
        """Runs until a run sends nothing (for the CLI and tests)."""
        total = DispatchStats()
        for _ in range(max_runs):
            stats = await self.run_once()
            for name in (
                "claimed", "sent", "retried", "failed", "blocked", "released", "unconfirmed"
            ):  # fmt: skip
                setattr(total, name, getattr(total, name) + getattr(stats, name))
            for channel, count in stats.by_channel.items():
                total.by_channel[channel] = total.by_channel.get(channel, 0) + count
            total.quiet = stats.quiet
            if stats.quiet or (stats.sent + stats.retried + stats.failed) == 0:
                break
        return total

    async def _claim(self, channel: str) -> list[_Job]:
        now = self.clock.now()
        lease = timedelta(seconds=self.settings.outbox_claim_seconds)
        async with self.sessions() as session, session.begin():
            rows = await outbox.claim_due(
                session, self.worker, now, lease, self.batch, channels=[channel]
            )
            if not rows:
                return []
            # a reminder may have waited (quiet hours, a retry) while its recipient filed,
            # marked the task done or paused: such rows are settled (a paused one forgotten,
            # so what is still due is planned when the pause ends), not sent
            dropped = await no_longer_due(session, rows, now)
            if dropped:
                for reason in set(dropped.values()):
                    ids = [i for i, r in dropped.items() if r == reason]
                    if reason == "paused":
                        await outbox.forget(session, ids, self.worker)
                    else:
                        await outbox.mark_dropped(
                            session, ids, self.worker, now, f"dropped: {reason}"
                        )
                rows = [r for r in rows if r.id not in dropped]
                if not rows:
                    return []
            result = await session.execute(
                select(ChatBinding.id, ChatBinding.chat_id).where(
                    ChatBinding.id.in_({r.binding_id for r in rows})
                )
            )
            chats = {binding_id: chat_id for binding_id, chat_id in result.tuples().all()}
            return [
                _Job(r.id, r.binding_id, chats[r.binding_id], r.attempts, reply_of(r.payload))
                for r in rows
            ]

    async def _run_channel(self, channel: str, stats: DispatchStats) -> None:
        jobs = await self._claim(channel)
        stats.claimed += len(jobs)
        if not jobs:
            return
        sender = self.senders[channel]
        limiter = self.global_limits[channel]
        start = self.pacer.monotonic()
        # leave a margin before the lease runs out: unsent rows are released, not left claimed
        budget = max(1.0, self.settings.outbox_claim_seconds * 0.8)
        # Rows whose chat may send now go in claim order; rows whose chat has to wait are set
        # aside until it may (so one busy chat never holds up the others).
        ready: list[tuple[int, _Job]] = [(order, job) for order, job in enumerate(jobs)]
        heapq.heapify(ready)
        waiting: list[tuple[float, int, _Job]] = []
        tasks: list[asyncio.Task[None]] = []
        leftover: list[int] = []
        while ready or waiting:
            slot = max(limiter.ready_at(), self.pacer.monotonic())
            while waiting and waiting[0][0] <= slot:
                _at, order, job = heapq.heappop(waiting)
                heapq.heappush(ready, (order, job))
            if ready:
                order, job = heapq.heappop(ready)
                chat_limit = self._chat_limit(sender, job)
                if chat_limit.ready_at() > slot:
                    heapq.heappush(waiting, (chat_limit.ready_at(), order, job))
                    continue
            else:
                _at, order, job = heapq.heappop(waiting)
                chat_limit = self._chat_limit(sender, job)
            at = max(chat_limit.ready_at(), limiter.ready_at())
            if at - start > budget:
                leftover.append(job.row_id)
                leftover.extend(j.row_id for _o, j in ready)
                leftover.extend(j.row_id for _a, _o, j in waiting)
                break
            while (now := self.pacer.monotonic()) < at:
                await self.pacer.sleep(at - now)
                at = max(chat_limit.ready_at(), limiter.ready_at())
            if self.quiet(self.clock.now()):
                # a run that began before quiet hours stops at their start
                stats.quiet = True
                leftover.append(job.row_id)
                leftover.extend(j.row_id for _o, j in ready)
                leftover.extend(j.row_id for _a, _o, j in waiting)
                break
            limiter.record(now)
            chat_limit.record(now)
            # a run goes no further ahead than the calls it has in flight; a row is marked in
            # flight (committed) just before its call starts
            await self._calls.acquire()
            if not await self._mark_in_flight(job):
                self._calls.release()
                continue
            tasks.append(asyncio.create_task(self._send(sender, job, stats)))
        if tasks:
            await asyncio.gather(*tasks)
        if leftover:
            async with self.sessions() as session, session.begin():
                await outbox.release(session, leftover, self.worker)
            stats.released += len(leftover)

    def _chat_limit(self, sender: Sender, job: _Job) -> Limiter:
        key = (sender.channel, job.chat_id)
        limit = self.chat_limits.get(key)
        if limit is None:
            limit = self.chat_limits[key] = Limiter(sender.rate_per_chat)
        return limit

    async def _send(self, sender: Sender, job: _Job, stats: DispatchStats) -> None:
        try:
            await self._call(sender, job, stats)
        finally:
            self._calls.release()

    async def _mark_in_flight(self, job: _Job) -> bool:
        async with self.sessions() as session, session.begin():
            holding = await outbox.mark_in_flight(
                session, job.row_id, self.worker, self.clock.now()
            )
        if not holding:
            log.warning("outbox row %s lost its lease before it was sent", job.row_id)
        return holding

    async def _call(self, sender: Sender, job: _Job, stats: DispatchStats) -> None:
        try:
            platform_id = await sender.send(job.chat_id, job.reply)
        except ChatBlocked as error:
            await self._blocked(job, str(error))
            stats.blocked += 1
            stats.failed += 1
        except Unreachable as error:
            # out of this channel's reach for now: the member's other chats get it instead
            async with self.sessions() as session, session.begin():
                await outbox.fall_back(
                    session, job.row_id, self.worker, self.clock.now(), str(error)
                )
            stats.failed += 1
        except SendError as error:
            if error.in_doubt:
                async with self.sessions() as session, session.begin():
                    await outbox.settle_unconfirmed(
                        session, job.row_id, self.worker, self.clock.now(), str(error)
                    )
                stats.unconfirmed += 1
                return
            await self._failed(sender, job, error, stats)
        except Exception as error:  # a bug in a sender must not stop the other rows
            log.exception("sender %s raised", sender.channel)
            await self._failed(sender, job, SendError(repr(error)), stats)
        else:
            async with self.sessions() as session, session.begin():
                marked = await outbox.mark_sent(
                    session, job.row_id, self.worker, self.clock.now(), platform_id
                )
            if not marked:
                log.warning("outbox row %s was sent after its lease ran out", job.row_id)
            stats.sent += 1
            stats.by_channel[sender.channel] = stats.by_channel.get(sender.channel, 0) + 1

    async def _blocked(self, job: _Job, error: str) -> None:
        async with self.sessions() as session, session.begin():
            await outbox.mark_blocked(session, job.binding_id, self.clock.now(), error)

    async def _failed(
        self, sender: Sender, job: _Job, error: SendError, stats: DispatchStats
    ) -> None:
        now = self.clock.now()
        attempts = job.attempts + 1
        retry_at: datetime | None
        if error.permanent or attempts >= self.settings.outbox_max_attempts:
            retry_at = None
        elif error.retry_after is not None:
            retry_at = now + timedelta(seconds=max(0.0, error.retry_after))
            # a 429 means the platform wants a pause: the chat waits as long
            self._chat_limit(sender, job).hold(self.pacer.monotonic() + error.retry_after)
        else:
            retry_at = now + backoff(
                attempts, timedelta(seconds=self.settings.outbox_backoff_seconds)
            )
        async with self.sessions() as session, session.begin():
            await outbox.mark_attempt_failed(
                session, job.row_id, self.worker, now, str(error) or type(error).__name__, retry_at
            )
        if retry_at is None:
            stats.failed += 1
        else:
            stats.retried += 1


async def due_now(session: AsyncSession, now: datetime) -> int:
    """How many rows could be sent now (for the CLI's summary)."""
    from sqlalchemy import func

    count = await session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.not_before <= now,
        )
    )
    return int(count or 0)
