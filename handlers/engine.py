"""The conversation engine: one incoming message in, replies out, in one transaction.

For each message it ignores an update already processed, keeps one chat's messages in order
(an in-process lock and a row lock on the chat's state), finds the member, resolves the locale,
checks the role for a command, runs the step, and saves the state with everything the step
wrote. A failing step rolls back and the person gets a short apology, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from dataclasses import replace
from typing import cast

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings, worker_environment
from handlers import core, directive_intake, drafts, jobs
from handlers.clock import Clock
from handlers.commands import Parsed, parse
from handlers.flow import STAY, Context, Flow, Job, Step, Turn
from handlers.numbers import whole
from handlers.receipts import record_replies
from handlers.text import fold, sanitize
from handlers.types import Awaiting, Incoming, Option, Outcome, Reply
from locales import _, current, normalize, use_locale
from storage import inbox
from storage.access import member_for_chat
from storage.conversations import lock_conversation, mark_processed
from storage.models import ConversationState

log = logging.getLogger(__name__)

MAX_TEXT = 4000


class Engine:
    """Runs flows for incoming messages; flows are given explicitly (see `handlers.FLOWS`)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        flows: Sequence[Flow],
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.flows = list(flows)
        # heavy work reads (exports) the database these settings name
        self.worker_env = worker_environment(settings)
        self.by_command: dict[str, Flow] = {}
        self.steps: dict[str, Step] = {}
        for flow in self.flows:
            for command in flow.commands:
                self.by_command[fold(command).replace(" ", "")] = flow
            for name, step in flow.states.items():
                if not name.startswith(f"{flow.name}:"):
                    raise ValueError(f"state {name!r} must start with {flow.name!r}:")
                self.steps[name] = step
        self.known = set(self.by_command) | set(core.GLOBAL_COMMANDS)
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def handle(self, msg: Incoming, inbox_id: int | None = None) -> Outcome:
        """Answers one message. Never raises for anything the person sent.

        `inbox_id`: the message was stored in the inbox (see `bot/channels/conveyor.py`): the
        turn marks it handled and records its replies in its own transaction (their ids are
        in `Outcome.reply_ids`), and a database that cannot be reached raises instead of
        apologizing, so the stored message is tried again later.
        """
        msg = sanitize(msg)
        key = (msg.channel, msg.chat_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            try:
                try:
                    return await self._handle(msg, inbox_id)
                except jobs.WorkPending as pending:
                    earlier = await self._continue(msg.channel, msg.chat_id, pending.job, None)
                    return _joined(earlier, await self._handle(msg, inbox_id))
            except DBAPIError:
                if inbox_id is not None:
                    raise
                log.exception("message on %s could not be handled", msg.channel)
                return Outcome((Reply(_("error.generic")),))
            except Exception:
                log.exception("message on %s could not be handled", msg.channel)
                if inbox_id is not None:
                    return await self.apologize(msg, inbox_id)
                return Outcome((Reply(_("error.generic")),))

    async def resume_work(self, channel: str) -> int:
        """Runs the work a restart cut short in `channel`'s chats (their replies are recorded
        for the channel to send); returns for how many chats."""
        async with self.sessions() as session:
            chats = await jobs.pending(session, channel)
        for chat_id in chats:
            try:
                await self.finish_work(channel, chat_id, "resumed")
            except Exception:
                log.exception("work on %s could not be resumed", channel)
        return len(chats)

    async def apologize(self, msg: Incoming, inbox_id: int) -> Outcome:
        """Settles a stored message that cannot be handled: marked handled, with the apology
        recorded as its reply (in the member's language)."""
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            if not await inbox.mark_handled(session, inbox_id, now):
                return Outcome((), ignored=True)
            found = await member_for_chat(session, msg.channel, msg.chat_id)
            with use_locale(found[0].locale if found else None):
                outcome = Outcome((Reply(_("error.generic")),), locale=current())
            return await record_replies(session, msg, outcome, now)

    async def _handle(self, msg: Incoming, inbox_id: int | None) -> Outcome:
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            conv = await lock_conversation(session, msg.channel, msg.chat_id, now)
            left = jobs.job_of(conv)
            if left is not None:
                raise jobs.WorkPending(left)
            if inbox_id is not None:
                if not await inbox.mark_handled(session, inbox_id, now):
                    return Outcome((), ignored=True)
            elif msg.update_id is not None and not await mark_processed(
                session, msg.channel, msg.update_id, now
            ):
                return Outcome((), ignored=True)
            found = await member_for_chat(session, msg.channel, msg.chat_id)
            member, unit = found if found else (None, None)
            with use_locale(member.locale if member else None):
                ctx = Context(
                    msg,
                    session,
                    self.settings,
                    now,
                    member,
                    unit,
                    dict(conv.data or {}),
                    run_command=self._run_command,
                )
                turn = await self._dispatch(ctx, conv)
                outcome = self._save(conv, ctx, turn, now)
            if turn.job is not None:
                conv.data = {**(conv.data or {}), jobs.JOB_KEY: turn.job.to_json()}
            if inbox_id is not None:
                outcome = await record_replies(session, msg, outcome, now)
        if turn.job is None:
            return outcome
        if inbox_id is not None:
            # the channel sends the notice first, then calls `finish_work`
            return replace(outcome, working=True)
        # the turn is committed; the work runs with no transaction open
        return _joined(outcome, await self._continue(msg.channel, msg.chat_id, turn.job, None))

    async def finish_work(self, channel: str, chat_id: str, update_key: str) -> Outcome:
        """Runs the work the chat's last turn asked for and the step waiting for it; the
        replies are recorded (under `update_key`) for the channel to send."""
        key = (channel, chat_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            return await self._continue(channel, chat_id, None, update_key)

    async def _continue(
        self, channel: str, chat_id: str, job: Job | None, record: str | None
    ) -> Outcome:
        """Runs the work the chat's state awaits (`job`, or the one stored), then the step
        waiting for it; the replies are recorded (with update key `record`) when given."""
        outcome = Outcome(())
        for _chain in range(5):
            if job is None:
                async with self.sessions() as session:
                    conv = await lock_conversation(session, channel, chat_id, self.clock.now())
                    job = jobs.job_of(conv)
                    await session.rollback()
                if job is None:
                    return outcome
            result = await jobs.execute(job, self.worker_env)
            try:
                later, job = await self._after_work(channel, chat_id, job, result, record)
            except Exception:
                log.exception("the step after heavy work on %s failed", channel)
                return _joined(outcome, await self._drop_work(channel, chat_id, record))
            outcome = _joined(outcome, later)
            if job is None:
                return outcome
            if record is not None:
                # the next work's notice ("reading 3 pages…") goes out before it runs: the
                # channel sends these replies, then calls `finish_work` again
                return replace(outcome, working=True)
        return outcome

    async def _after_work(
        self, channel: str, chat_id: str, job: Job, result: object, record: str | None
    ) -> tuple[Outcome, Job | None]:
        """The step waiting for `job`, given its result, in a new transaction; the outcome and
        the next work it asks for (if any)."""
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            conv = await lock_conversation(session, channel, chat_id, now)
            if jobs.job_of(conv) != job:
                return Outcome(()), None  # the state moved on meanwhile (another process)
            data = dict(conv.data or {})
            data.pop(jobs.JOB_KEY, None)
            conv.awaiting = job.awaiting
            found = await member_for_chat(session, channel, chat_id)
            member, unit = found if found else (None, None)
            with use_locale(member.locale if member else None):
                msg = Incoming(channel, chat_id, update_id=record)
                ctx = Context(msg, session, self.settings, now, member, unit, data)
                ctx.work = result
                step = self.steps.get(conv.state or "")
                turn = await step(ctx) if step else core.menu(ctx, self.flows)
                conv.data = data
                later = self._save(conv, ctx, turn, now)
            if turn.job is not None:
                conv.data = {**(conv.data or {}), jobs.JOB_KEY: turn.job.to_json()}
            if record is not None:
                later = await record_replies(session, msg, later, now)
        return later, turn.job

    async def _drop_work(self, channel: str, chat_id: str, record: str | None) -> Outcome:
        """The step after the work failed: the chat leaves that flow (it would fail again on
        every message) with the apology."""
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            conv = await lock_conversation(session, channel, chat_id, now)
            conv.state, conv.flow, conv.awaiting, conv.data, conv.options = None, None, None, {}, []
            found = await member_for_chat(session, channel, chat_id)
            with use_locale(found[0].locale if found else None):
                outcome = Outcome((Reply(_("error.generic")),), locale=current())
            if record is not None:
                outcome = await record_replies(
                    session, Incoming(channel, chat_id, update_id=record), outcome, now
                )
        return outcome

    async def _dispatch(self, ctx: Context, conv: ConversationState) -> Turn:
        msg = ctx.msg
        if msg.group:
            return core.in_group(msg, self._command(msg))
        if msg.kind != "text" and not msg.attachments:
            return core.unsupported()
        if len(msg.text) > MAX_TEXT:
            return core.too_long(MAX_TEXT)
        choice = msg.choice if msg.choice is not None else self._match_option(msg.text, conv)
        if choice is not None:
            ctx.msg = msg = _with_choice(msg, choice)
        command = self._command(msg)
        if ctx.member is None:
            return await core.unregistered(ctx, command, self.flows)
        if command is not None:
            kept = await drafts.intercept(ctx, conv.state, command)
            return kept if kept is not None else await self._run_command(ctx, command)
        if msg.choice is not None and conv.options and not _offered(msg.choice, conv):
            return core.stale_choice()
        step = self.steps.get(conv.state or "")
        if step is None:
            started = await directive_intake.maybe_start(ctx)
            return started if started is not None else core.menu(ctx, self.flows)
        return await step(ctx)

    async def _run_command(self, ctx: Context, command: Parsed) -> Turn:
        assert ctx.member is not None
        ctx.msg = _with_command(ctx.msg, command)
        if command.command in core.GLOBAL_COMMANDS:
            return await core.GLOBAL_COMMANDS[command.command](ctx, self.flows)
        flow = self.by_command.get(command.command)
        if flow is None:
            return core.unknown_command()
        if flow.roles and ctx.member.role not in flow.roles:
            return core.not_allowed()
        ctx.data = {}
        return await flow.start(ctx)

    def _command(self, msg: Incoming) -> Parsed | None:
        if msg.command is not None:
            return Parsed(fold(msg.command).replace(" ", ""), msg.args)
        if msg.choice is not None:
            if msg.choice.startswith("cmd:"):
                return Parsed(msg.choice[4:], "")
            return None
        return parse(msg.text, self.known)

    @staticmethod
    def _match_option(text: str, conv: ConversationState) -> str | None:
        """An option picked by typing its number (when a choice is awaited) or its label."""
        options = conv.options or []
        folded = fold(text)
        typed = folded.rstrip(".)")
        if not options or not typed:
            return None
        number = whole(typed)
        if conv.awaiting in ("choice", "confirm") and number is not None:
            return options[number - 1][0] if 0 < number <= len(options) else None
        for option_id, label in options:
            if fold(label) in (folded, typed):
                return option_id
        return None

    def _save(self, conv: ConversationState, ctx: Context, turn: Turn, now: object) -> Outcome:
        replies = list(turn.replies)
        if turn.state == STAY:
            awaiting = cast(Awaiting | None, conv.awaiting)
            if conv.options and replies:
                options = tuple(Option(i, label) for i, label in conv.options)
                replies[-1] = Reply(replies[-1].text, options, replies[-1].attachment)
        else:
            awaiting = turn.awaiting
            conv.state = turn.state
            conv.flow = turn.state.split(":", 1)[0] if turn.state else None
            conv.data = ctx.data if turn.state else {}
            conv.awaiting = awaiting
            last = replies[-1].options if replies else ()
            conv.options = [[o.id, o.label] for o in last]
            conv.version += 1
            conv.updated_at = ctx.now
        # the member's language, which /ngonngu may have just changed
        locale = normalize(ctx.member.locale) if ctx.member is not None else current()
        return Outcome(tuple(replies), awaiting, locale=locale)


def _joined(first: Outcome, then: Outcome) -> Outcome:
    """Two outcomes as one: the replies of both, the rest of the later one."""
    if first.ignored or not first.replies:
        return then
    return replace(
        then,
        replies=first.replies + then.replies,
        reply_ids=first.reply_ids + then.reply_ids,
        ignored=False,
        locale=then.locale or first.locale,
    )


def _offered(choice: str, conv: ConversationState) -> bool:
    return any(option_id == choice for option_id, _label in conv.options)


def _with_choice(msg: Incoming, choice: str) -> Incoming:
    return replace(msg, choice=choice)


def _with_command(msg: Incoming, command: Parsed) -> Incoming:
    return replace(msg, command=command.command, args=command.args)
