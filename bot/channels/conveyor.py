"""The conveyor: updates stored before they are acknowledged, handled from the database one chat
in order, and each turn's replies delivered before the chat's next update is handled.

Every channel (Telegram and Zalo, polling and webhook) uses it the same way:

1. `await conveyor.receive([Stored(key, chat_id, payload), ...])` as soon as updates arrive:
   one short transaction stores them (a key stored before adds nothing); only after it returns
   does the channel acknowledge them (advance the polling offset, answer the webhook 200). When
   it raises (the database is down), the channel does not acknowledge: the platform sends the
   update again.
2. The conveyor wakes the chat: its updates are decoded (`decode(payload)` → `Incoming`; the
   channel downloads files here, outside any transaction) and handled by the engine, which marks
   the update handled and records the replies in the turn's one transaction.
3. The replies are sent (`send(chat_id, reply, payload)`) oldest first; a chat's next update
   waits until its earlier replies went out, so nobody answers a question they never saw.

After a crash nothing is lost: a sweep (at start, then every `sweep_seconds`) finds the updates
not handled and the replies not sent, and carries on. Send failures: a refusal with a wait
(429), a server error (5xx) or a connection that could not be made is retried with backoff,
inline for up to `INLINE_SECONDS` (holding only that chat), then from the database. A send
whose request went out and got no answer (`SendError.in_doubt`: a read timeout) is not sent
again: the platform has it, almost always delivered; it is settled as sent but unconfirmed and
counted in `doubts`. A reply found in flight after its sender died is sent again (counted as a
doubt too): the only duplicate a person can get, at most one per chat per crash. A chat that
blocked the bot gets nothing more. (Senders pace every call with the other processes'.)
A reply that reaches the person more than `LATE_MINUTES`
after it was written starts with a short note saying it is late and which message it answers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.channels.base import ChatBlocked, SendError
from bot.channels.common import FileProblem
from bot.settings import Settings
from handlers.engine import Engine
from handlers.receipts import record_replies
from handlers.types import Incoming, Outcome, Reply
from locales import _, current, use_locale
from storage import inbox, replies
from storage.access import member_for_chat
from storage.models import ChatReply, InboxUpdate

log = logging.getLogger(__name__)

INLINE_SECONDS = 30.0
LATE_MINUTES = 5
# a reply not delivered for this long is given up (the platforms drop what is older anyway)
GIVE_UP = timedelta(hours=24)
# a stored update whose turn keeps failing (database errors) is answered with an apology after
HANDLE_TRIES = 5
CONCURRENCY = 16

# this process, as it marks what it has in flight: host, pid, and a nonce told apart from an
# earlier process that had the same pid (a container restarted)
WORKER = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def holder_gone(claimed_by: str | None) -> bool:
    """True when the process that took a reply is known to be dead: it ran on this host and
    its pid is gone, or it had this process's pid before a restart. (A process on another host
    is only outlived by its lease.)"""
    if not claimed_by or claimed_by == WORKER:
        return False
    host, _sep, rest = claimed_by.rpartition(":")[0].partition(":")
    me_host, _s, me_pid = WORKER.rpartition(":")[0].partition(":")
    if host != me_host or not rest.isascii() or not rest.isdigit():
        return False
    if rest == me_pid:
        return True
    try:
        os.kill(int(rest), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, ValueError):
        return False
    return False


Decode = Callable[[Mapping[str, Any]], Awaitable[Incoming]]
Send = Callable[[str, Reply, Mapping[str, Any]], Awaitable[str | None]]


@dataclass(frozen=True)
class Stored:
    """An update to store: its redelivery key, its chat, and the payload `decode` reads."""

    key: str
    chat_id: str
    payload: dict[str, Any]


class Conveyor:
    """One channel's updates and replies (see the module's docstring)."""

    def __init__(
        self,
        channel: str,
        engine: Engine,
        decode: Decode,
        send: Send,
        sweep_seconds: float = 2.0,
        lease_seconds: float = 60.0,
        retry_seconds: float = 1.0,
    ) -> None:
        self.channel = channel
        self.engine = engine
        self.sessions = engine.sessions
        self.clock = engine.clock
        self.decode = decode
        self.send = send
        self.sweep_seconds = sweep_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.retry_base = timedelta(seconds=retry_seconds)
        self.tz = ZoneInfo(engine.settings.timezone)
        # called with (update key, outcome) after each stored update is settled (tests watch it)
        self.on_handled: list[Callable[[str, Outcome], None]] = []
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._resumed: asyncio.Task[int] | None = None
        self._stopping = False
        self._slots = asyncio.Semaphore(CONCURRENCY)

    @classmethod
    def of(
        cls,
        channel: str,
        engine: Engine,
        decode: Decode,
        send: Send,
        settings: Settings | None = None,
    ) -> Conveyor:
        """A channel's conveyor with the timings of `settings` (the channel's; by default the
        engine's)."""
        settings = settings or engine.settings
        return cls(
            channel,
            engine,
            decode,
            send,
            sweep_seconds=settings.sweep_seconds,
            lease_seconds=settings.reply_lease_seconds,
            retry_seconds=settings.reply_retry_seconds,
        )

    # Life ------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Starts the sweep, which at once resumes what a previous run left."""
        self._stopping = False
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def stop(self, seconds: float = 10.0) -> None:
        """Stops taking work, lets the chats in hand finish (at most `seconds`); whatever is
        cut short stays in the database for the next run."""
        self._stopping = True
        for timer in self._timers:
            timer.cancel()
        for background in (self._sweeper, self._resumed):
            if background is not None:
                background.cancel()
                await asyncio.gather(background, return_exceptions=True)
        tasks = list(self._tasks.values())
        if tasks:
            await asyncio.wait(tasks, timeout=seconds)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def idle(self, seconds: float = 10.0) -> None:
        """Waits (at most `seconds`) until no chat is being worked on."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self._tasks and loop.time() < deadline:
            await asyncio.wait(list(self._tasks.values()), timeout=deadline - loop.time())

    # In --------------------------------------------------------------------------------------

    async def receive(self, items: Sequence[Stored]) -> int:
        """Stores the updates (one transaction) and wakes their chats; returns how many were
        new. Raises when they could not be stored: the caller must not acknowledge them."""
        if not items:
            return 0
        async with self.sessions() as session, session.begin():
            added = await inbox.store(
                session,
                self.channel,
                [(item.key, item.chat_id, item.payload) for item in items],
                self.clock.now(),
            )
        for chat_id in dict.fromkeys(item.chat_id for item in items):
            self.wake(chat_id)
        return added

    def wake(self, chat_id: str) -> None:
        """Works on the chat now (or again right after the run in progress)."""
        if self._stopping:
            return
        task = self._tasks.get(chat_id)
        if task is not None and not task.done():
            self._again.add(chat_id)
            return
        self._tasks[chat_id] = asyncio.create_task(self._run(chat_id))

    def _wake_later(self, chat_id: str, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle | None = None

        def fire() -> None:
            if timer is not None:
                self._timers.discard(timer)
            self.wake(chat_id)

        timer = loop.call_later(max(0.0, seconds), fire)
        self._timers.add(timer)

    async def _sweep_forever(self) -> None:
        first = True
        # work a restart cut short (a document being read) is finished first
        resumed = asyncio.create_task(self.engine.resume_work(self.channel))
        self._resumed = resumed
        while not self._stopping:
            try:
                # at start, replies left in flight are looked at too (their sender may be a
                # process that died: then they need not wait for its lease)
                await self.sweep(timedelta(0) if first else self.lease)
                first = False
            except Exception:
                log.warning("%s: sweep failed; trying again", self.channel, exc_info=True)
            await asyncio.sleep(self.sweep_seconds)

    async def sweep(self, lease: timedelta | None = None) -> int:
        """Wakes every chat with an update to handle or a reply to send; returns how many."""
        now = self.clock.now()
        lease = self.lease if lease is None else lease
        async with self.sessions() as session:
            chats = set(await inbox.pending_chats(session, self.channel, now))
            chats.update(await replies.chats_with_unsent(session, self.channel, now, lease))
        for chat_id in chats:
            self.wake(chat_id)
        return len(chats)

    async def _run(self, chat_id: str) -> None:
        try:
            while not self._stopping:
                self._again.discard(chat_id)
                try:
                    await self._drain(chat_id)
                except Exception:
                    # the database went away: the sweep comes back to this chat
                    log.warning("%s: a chat's work stopped", self.channel, exc_info=True)
                    return
                if chat_id not in self._again:
                    return
        finally:
            if self._tasks.get(chat_id) is asyncio.current_task():
                del self._tasks[chat_id]

    async def _drain(self, chat_id: str) -> None:
        """Sends what is owed to the chat, then handles its next update, until neither is left
        (or a reply has to wait). Watchers hear of an update once its replies went out (or
        had to wait)."""
        settled: tuple[str, Outcome] | None = None
        while not self._stopping:
            delivered = await self._deliver(chat_id)
            if settled is not None and not settled[1].working:
                for watcher in self.on_handled:
                    watcher(*settled)
                settled = None
            if not delivered:
                return
            if settled is not None:
                # the turn asked for heavy work: its notice is out, now the work and what
                # follows it (other chats go on meanwhile)
                key = settled[0]
                settled = (key, await self.engine.finish_work(self.channel, chat_id, key))
                continue
            async with self.sessions() as session:
                row = await inbox.next_pending(session, self.channel, chat_id, self.clock.now())
            if row is None:
                return
            outcome = await self._process(row)
            # None: put off (tried again later), not settled yet
            settled = (row.update_key, outcome) if outcome is not None else None

    async def _process(self, row: InboxUpdate) -> Outcome | None:
        async with self._slots:
            try:
                incoming = await self.decode(row.payload)
            except FileProblem as problem:
                return await self._refuse(row, problem.key, problem.values)
            except Exception:
                log.exception("%s: an update could not be read", self.channel)
                return await self._refuse(row, "error.generic", {})
            return await self._handle(row, incoming)

    async def _handle(self, row: InboxUpdate, incoming: Incoming) -> Outcome | None:
        incoming = replace(incoming, update_id=row.update_key)
        try:
            return await self.engine.handle(incoming, inbox_id=row.id)
        except Exception as error:
            if row.attempts + 1 >= HANDLE_TRIES:
                log.error("%s: an update failed %d times; apologizing", self.channel, HANDLE_TRIES)
                return await self.engine.apologize(incoming, row.id)
            wait = replies.retry_wait(row.attempts + 1, self.retry_base)
            log.warning(
                "%s: an update will be tried again (%s)", self.channel, type(error).__name__
            )
            async with self.sessions() as session, session.begin():
                await inbox.postpone(session, row.id, type(error).__name__, self.clock.now() + wait)
            self._wake_later(row.chat_id, wait.total_seconds())
            return None
        finally:
            for attachment in incoming.attachments:
                attachment.path.unlink(missing_ok=True)

    async def _refuse(self, row: InboxUpdate, key: str, values: Mapping[str, object]) -> Outcome:
        """Settles an update the channel could not read with a polite answer."""
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            if not await inbox.mark_handled(session, row.id, now):
                return Outcome((), ignored=True)
            found = await member_for_chat(session, self.channel, row.chat_id)
            with use_locale(found[0].locale if found else None):
                outcome = Outcome((Reply(_(key, None, **values)),), locale=current())
            msg = Incoming(self.channel, row.chat_id, update_id=row.update_key)
            return await record_replies(session, msg, outcome, now)

    # Out -------------------------------------------------------------------------------------

    async def _deliver(self, chat_id: str) -> bool:
        """Sends the chat's unsent replies in order; False when one has to wait (it is tried
        again later and the chat's next update waits with it)."""
        waited = 0.0
        while not self._stopping:
            async with self.sessions() as session:
                row = await replies.oldest_unsent(session, self.channel, chat_id)
            if row is None:
                return True
            now = self.clock.now()
            gone = row.in_flight_at is not None and holder_gone(row.claimed_by)
            if not replies.may_send(row, now, self.lease, gone):
                return False
            async with self.sessions() as session, session.begin():
                if not await replies.begin_send(session, row, WORKER, now, self.lease, gone):
                    return False
            wait = await self._send_one(row)
            if wait is None:
                continue
            if waited + wait > INLINE_SECONDS:
                async with self.sessions() as session, session.begin():
                    await replies.retry_later(
                        session,
                        row.id,
                        now,
                        "waiting",
                        self.clock.now() + timedelta(seconds=wait),
                        in_doubt=False,
                    )
                self._wake_later(chat_id, wait)
                return False
            waited += wait
            await asyncio.sleep(wait)
        return False

    async def _send_one(self, row: ChatReply) -> float | None:
        """Sends one reply; None when it is settled (sent or given up), else seconds to wait."""
        reply = self._late_note(row, Reply.from_payload(row.payload))
        try:
            async with self._slots:
                platform_id = await self.send(row.chat_id, reply, row.payload)
        except ChatBlocked as error:
            await self._give_up(row, f"blocked: {error}")
            return None
        except SendError as error:
            if error.in_doubt:
                # the platform may well have delivered it: not sent again (see the module)
                async with self.sessions() as session, session.begin():
                    await replies.settle_unconfirmed(session, row.id, self.clock.now(), str(error))
                return None
            if error.permanent or self.clock.now() - row.created_at > GIVE_UP:
                await self._give_up(row, str(error))
                return None
            wait = (
                error.retry_after
                or replies.retry_wait(row.attempts + 1, self.retry_base).total_seconds()
            )
            await self._retry(row, str(error) or type(error).__name__, error.in_doubt)
            return wait
        except Exception as error:
            log.exception("%s: a reply could not be sent", self.channel)
            await self._retry(row, repr(error), in_doubt=False)
            return replies.retry_wait(row.attempts + 1, self.retry_base).total_seconds()
        async with self.sessions() as session, session.begin():
            await replies.mark_sent(session, row.id, self.clock.now(), platform_id)
        return None

    async def _retry(self, row: ChatReply, error: str, in_doubt: bool) -> None:
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            await replies.retry_later(session, row.id, now, error, now, in_doubt)

    async def _give_up(self, row: ChatReply, error: str) -> None:
        log.warning("%s: a reply was given up (%s)", self.channel, error[:100])
        async with self.sessions() as session, session.begin():
            await replies.give_up(session, row.id, self.clock.now(), error)

    def _late_note(self, row: ChatReply, reply: Reply) -> Reply:
        """A reply delivered long after it was written says so, and when the person wrote."""
        if self.clock.now() - row.created_at < timedelta(minutes=LATE_MINUTES) or row.seq:
            return reply
        with use_locale(row.payload.get("locale")):
            at = row.created_at.astimezone(self.tz).strftime("%H:%M %d/%m")
            note = _("channels.late_reply", at=at)
        return replace(reply, text=f"{note}\n\n{reply.text}" if reply.text else note)
