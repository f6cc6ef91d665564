"""The flow table form: a flow is entry commands, roles, and a table of named states.

A step is ``async def step(ctx) -> Turn``: it reads ``ctx.msg`` and ``ctx.data`` (the flow's JSON
state), asks storage through ``ctx.session``, and returns what to say and which state comes next.
State names are strings such as ``"report:ask_indicator"`` so stored state survives a reordering.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from handlers.commands import Parsed
from handlers.types import Awaiting, Incoming, Option, Reply
from storage.models import Member, Unit


@dataclass
class Context:
    """What a step may use: the message, the member and unit, the flow's data, the session, time."""

    msg: Incoming
    session: AsyncSession
    settings: Settings
    now: datetime
    member: Member | None = None
    unit: Unit | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # in the step a `work(...)` turn named: what the work returned, or the exception that
    # stopped it (`heavy.HeavyFailed` for time or memory, else the function's own)
    work: Any = None
    # Starts a command as if it had been typed (role checked); set by the engine.
    run_command: Callable[[Context, Parsed], Awaitable[Turn]] | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    @property
    def answer(self) -> str:
        """The chosen option id, or else the typed text."""
        return self.msg.choice if self.msg.choice is not None else self.msg.text.strip()


@dataclass(frozen=True)
class Job:
    """Heavy work a step asks for (see `work`): `function` is "module:name", pure, taking
    `args` (plain values: paths, texts, numbers) and returning plain values."""

    function: str
    args: tuple[Any, ...]
    seconds: float
    memory_mb: int
    awaiting: Awaiting

    def to_json(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "args": list(self.args),
            "seconds": self.seconds,
            "memory_mb": self.memory_mb,
            "awaiting": self.awaiting,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Job:
        return cls(
            str(raw["function"]),
            tuple(raw.get("args") or ()),
            float(raw.get("seconds") or 60),
            int(raw.get("memory_mb") or 768),
            raw.get("awaiting") or "text",
        )


@dataclass
class Turn:
    """A step's answer: replies, the next state (None ends the flow) and what it waits for;
    `job`: heavy work to run before the next state's step is called (see `work`)."""

    replies: list[Reply]
    state: str | None = None
    awaiting: Awaiting | None = None
    job: Job | None = None


Step = Callable[[Context], Awaitable[Turn]]


@dataclass(frozen=True)
class Drafts:
    """How a flow keeps a half-filled form (`handlers.drafts`): `key` names the draft in the
    flow's data (None while there is nothing worth keeping); `label` says what it is ("báo cáo
    tháng 11/2026 (4/7 câu)"); `resume` asks again the question state `state` stands at, with
    the draft's data in `ctx.data`."""

    key: Callable[[dict[str, Any]], str | None]
    label: Callable[[Context, dict[str, Any]], Awaitable[str]]
    resume: Callable[[Context, str], Awaitable[Turn]]


@dataclass(frozen=True)
class Flow:
    """One conversation: `commands` are folded words ("baocao", "bao cao", "report") that start it.

    `roles` may start it (empty means any registered member); `menu` is the message id of its
    menu label, or None to keep it off the menu; `english` is the command shown in English help;
    `drafts`, when given, keeps its half-filled form across other commands (`handlers.drafts`).
    """

    name: str
    commands: tuple[str, ...]
    roles: frozenset[str]
    start: Step
    states: Mapping[str, Step]
    menu: str | None = None
    english: str | None = None
    drafts: Drafts | None = None

    def shown_command(self, lang: str) -> str:
        """The command to show in help: the English one for English readers."""
        return self.english if lang == "en" and self.english else self.commands[0]


def ask(
    state: str,
    text: str,
    awaiting: Awaiting = "text",
    options: Iterable[Option] = (),
    before: Iterable[str] = (),
) -> Turn:
    """Says `before` (if any), then asks `text` and waits in `state`."""
    replies = [Reply(t) for t in before]
    replies.append(Reply(text, tuple(options)))
    return Turn(replies, state, awaiting)


def done(*texts: str, options: Iterable[Option] = ()) -> Turn:
    """Ends the flow with these messages; options (if any) go on the last one."""
    opts = tuple(options)
    replies = [Reply(t) for t in texts]
    if opts:
        last = replies.pop() if replies else Reply("")
        replies.append(Reply(last.text, opts))
    return Turn(replies, None, "choice" if opts else None)


def work(
    state: str,
    function: str,
    *args: Any,
    notice: str,
    seconds: float = 60.0,
    memory_mb: int = 768,
    awaiting: Awaiting = "text",
) -> Turn:
    """Says `notice` ("Đang đọc tài liệu…"), then runs `function(*args)` in a worker process
    with these limits, outside this message's transaction and out of the event loop's way
    (other chats are answered meanwhile); then calls `state`'s step, in a new transaction,
    with `ctx.work` set to the result or the exception. If that step stays (`stay`), the
    state waits for `awaiting`. The person's next messages wait until it is done; work cut
    short by a restart is run again."""
    job = Job(function, tuple(args), seconds, memory_mb, awaiting)
    return Turn([Reply(notice)], state, "work", job)


STAY = "__stay__"


def stay(*texts: str) -> Turn:
    """Answers without moving: bad input changes nothing and the same question (and its
    options) stands."""
    return Turn([Reply(t) for t in texts], STAY)
