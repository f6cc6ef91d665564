"""What the Telegram and Zalo adapters share: answering a message, long texts split, numbered
options, chat order.

Nothing here knows a platform; it only shapes neutral replies for channels with limits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.engine import Engine
from handlers.types import Incoming, Option, Outcome, Reply
from locales import _, use_locale
from storage.access import member_for_chat

log = logging.getLogger(__name__)


class FileProblem(Exception):
    """A received file that could not be fetched; `key` (and `values`) say why, politely."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


async def member_locale(
    sessions: async_sessionmaker[AsyncSession], channel: str, chat_id: str
) -> str | None:
    """The language of the member bound to the chat (None: nobody, the default applies)."""
    async with sessions() as session:
        found = await member_for_chat(session, channel, chat_id)
    return found[0].locale if found else None


async def answer(
    engine: Engine,
    incoming: Incoming,
    deliver: Callable[[str, Outcome], Awaitable[None]],
) -> None:
    """Runs a message through the engine, deletes its downloaded files, delivers the replies."""
    try:
        outcome = await engine.handle(incoming)
    finally:
        for attachment in incoming.attachments:
            attachment.path.unlink(missing_ok=True)
    await deliver(incoming.chat_id, outcome)


async def apologize(
    engine: Engine,
    channel: str,
    chat_id: str,
    say: Callable[[str, Reply], Awaitable[bool]],
    key: str,
    **values: object,
) -> None:
    """A short polite answer from the adapter itself (`say`), in the member's language."""
    try:
        lang = await member_locale(engine.sessions, channel, chat_id)
    except Exception:
        lang = None
    with use_locale(lang):
        await say(chat_id, Reply(_(key, None, **values)))


def units(text: str) -> int:
    """Length as the platforms count it (UTF-16 code units: an emoji counts as two)."""
    return len(text.encode("utf-16-le")) // 2


def _cut_long_line(line: str, limit: int) -> list[str]:
    """A single line longer than the limit: cut at the last space before it, else hard."""
    pieces: list[str] = []
    while units(line) > limit:
        cut = limit
        while units(line[:cut]) > limit:
            cut -= 1
        space = line.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    if line:
        pieces.append(line)
    return pieces


def split_text(text: str, limit: int) -> list[str]:
    """Splits a text into messages of at most `limit` units, only between lines.

    A line longer than the limit on its own is cut at a space (or hard, when it has none).
    Returns at least one piece (an empty text gives [""]).
    """
    if units(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _cut_long_line(line, limit) if units(line) > limit else [line]:
            joined = f"{current}\n{piece}" if current else piece
            if units(joined) <= limit:
                current = joined
                continue
            if current.strip():
                chunks.append(current.rstrip("\n"))
            current = piece
    if current.strip():
        chunks.append(current.rstrip("\n"))
    return chunks or [""]


def either(items: Sequence[str]) -> str:
    """ "1, 2 hoặc 3" in the current language."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_('channel.or')} {items[-1]}"


def numbered(text: str, options: Sequence[Option], by_number: bool) -> str:
    """The text with its options as lines, for channels without buttons.

    `by_number`: the person may answer with the number (numbered lines and the "Trả lời 1, 2
    hoặc 3" hint); otherwise the labels are listed and the person types one.
    """
    if not options:
        return text
    if by_number:
        lines = [f"{n}. {option.label}" for n, option in enumerate(options, 1)]
        hint = _("channel.reply_with", choices=either([str(n) for n in range(1, len(lines) + 1)]))
    else:
        lines = [f"• {option.label}" for option in options]
        hint = _("channels.type_label")
    return "\n".join([text, "", *lines, "", hint]) if text else "\n".join([*lines, "", hint])


class ChatQueues:
    """Runs jobs of one chat one after another, jobs of different chats concurrently.

    A job that raises is logged and the chat's next job still runs.
    """

    def __init__(self) -> None:
        self._queues: dict[str, asyncio.Queue[Callable[[], Awaitable[None]]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}

    def submit(self, chat_id: str, job: Callable[[], Awaitable[None]]) -> None:
        queue = self._queues.get(chat_id)
        if queue is None:
            queue = self._queues[chat_id] = asyncio.Queue()
            self._workers[chat_id] = asyncio.create_task(self._work(chat_id, queue))
        queue.put_nowait(job)

    async def _work(
        self, chat_id: str, queue: asyncio.Queue[Callable[[], Awaitable[None]]]
    ) -> None:
        while True:
            job = await queue.get()
            try:
                await job()
            except Exception:
                log.exception("a job of one chat failed")
            finally:
                queue.task_done()
            if queue.empty():
                # Idle chats do not keep a task; a job submitted meanwhile starts a new worker.
                del self._queues[chat_id]
                del self._workers[chat_id]
                return

    async def drain(self, seconds: float = 10.0) -> None:
        """Waits (at most `seconds`) for the jobs already submitted."""
        workers = list(self._workers.values())
        if workers:
            await asyncio.wait(workers, timeout=seconds)

    async def close(self) -> None:
        for task in list(self._workers.values()):
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        self._queues.clear()
        self._workers.clear()
