"""A scripted day under faults, for the fault-injection test (tests/test_faults.py) and its
longer version (bench/bench_faults.py).

People on Telegram and on Zalo talk to the bot (each a fixed script of dialogs, waiting for
the answers before going on, as people do); a reminder wave and the weekly digest are due in
the outbox. Two `thidua run` processes serve them (Telegram polling in both, the Zalo webhook
in one), killed with SIGKILL at random moments and started again. The fake Bot API servers
inject 429s with retry_after, 5xx answers, timeouts (the message is delivered, the answer
comes too late) and slow answers into a share of all sends.

What the day yields (`Outcome`) is checked against a run of the same scripts on a fresh
database without faults (the golden run): every person must have received exactly the golden
replies, in order; a reply may repeat only right after itself (a send in flight at a kill),
and such repeats are counted and bounded by the doubts the bot recorded; every planned push
must arrive; the overall send rate and the per-chat rate are measured where the messages
arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import build
from bot.channels.common import numbered, split_text
from bot.settings import Settings
from handlers.clock import FixedClock
from handlers.digest import plan_digests
from handlers.types import Outcome as EngineOutcome
from locales import use_locale
from storage.access import add_unit
from storage.migrate import upgrade_async
from storage.models import ChatBinding, ChatReply, InboxUpdate, Member, OutboxMessage, Unit
from storage.templates import load_default_templates
from tests.factories import build_world, make_incoming
from tests.fakes.base import Chaos, free_port
from tests.fakes.telegram_server import TOKEN as TG_TOKEN
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.zalo_server import TOKEN as ZALO_TOKEN
from tests.fakes.zalo_server import FakeZalo

ROOT = Path(__file__).resolve().parent.parent
SECRET = "fault-day-secret"
SCRIPT = [
    "/trogiup",
    "/ngonngu",
    "2",
    "/help",
    "/lang",
    "1",
    "/baocao",
    "khong",
    "3",
    "/huy",
    "/tamdung",
    "/huy",
    "xin chào",
    "/trogiup",
]
# chats the pushes go to: the reminder wave's from PUSHED on, the staff member's digest
PUSHED = 7_000_000
STAFF_CHAT = "8000"
TELEGRAM_SENDS = ("sendMessage", "sendPhoto", "sendDocument")
ZALO_SENDS = ("sendMessage", "sendPhoto")


@dataclass
class Plan:
    """The size of the day."""

    telegram_people: int = 6
    zalo_people: int = 3
    wave: int = 80
    kills: int = 20
    fault_rate: float = 0.3
    seed: int = 13
    kill_every: tuple[float, float] = (1.0, 3.0)


@dataclass
class Person:
    """Who talks, and what the golden run answered: `counts[k]` messages to script line k."""

    channel: str
    chat_id: str
    expected: list[str]
    counts: list[int]


@dataclass
class Outcome:
    """What happened, for the checks and the bench's figures."""

    people: list[Person]
    received: dict[str, list[str]]
    duplicated_replies: int
    mismatches: list[str]
    pushes_expected: Counter[str]
    pushes_received: Counter[str]
    reply_doubts: int
    push_doubts: int
    faults: Counter[str]
    kills: int
    busiest_second: int
    busiest_chat_3s: int
    unsettled: int
    seconds: float
    logs: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pushes_lost(self) -> int:
        return sum(1 for text in self.pushes_expected if self.pushes_received[text] == 0)

    @property
    def pushes_duplicated(self) -> int:
        return sum(max(0, self.pushes_received[t] - 1) for t in self.pushes_expected)

    @property
    def replies_lost(self) -> int:
        """Golden replies that never arrived."""
        lost = 0
        for person in self.people:
            missing = Counter(person.expected) - Counter(self.received[person.chat_id])
            lost += sum(missing.values())
        return lost

    @property
    def replies_delivered(self) -> int:
        return sum(len(p.expected) for p in self.people) - self.replies_lost

    @property
    def pushes_delivered(self) -> int:
        return sum(1 for t in self.pushes_expected if self.pushes_received[t])


# The people and what is due --------------------------------------------------------------------


async def add_people(session: AsyncSession, plan: Plan, now: Any) -> list[tuple[str, str]]:
    """The small commune of tests/factories.py with its templates, and the people: units and
    members bound to chats (each person their own village, so their reports do not meet);
    returns (channel, chat id) of the people who talk."""
    await build_world(session, now)
    await load_default_templates(session, now)
    commune = await session.scalar(select(Unit).where(Unit.code == "C1"))
    assert commune is not None
    people = [("telegram", str(5000 + n)) for n in range(plan.telegram_people)]
    people += [("zalo", f"z{n:04d}") for n in range(plan.zalo_people)]
    for n, (channel, chat_id) in enumerate(people):
        unit = await add_unit(session, f"FD-{n}", f"Thôn Thử {n}", "village", commune, now)
        member = Member(name=f"Người {n}", role="village_head", unit_id=unit.id, created_at=now)
        session.add(member)
        await session.flush()
        session.add(
            ChatBinding(member_id=member.id, channel=channel, chat_id=chat_id, created_at=now)
        )
    return people


async def add_due(session: AsyncSession, plan: Plan, settings: Settings, now: Any) -> Counter[str]:
    """A reminder wave to other chats and the weekly digest to a staff member on Telegram;
    returns the texts that must arrive."""
    commune = await session.scalar(select(Unit).where(Unit.code == "C1"))
    assert commune is not None
    staff = Member(name="Cán bộ", role="staff", unit_id=commune.id, created_at=now)
    session.add(staff)
    await session.flush()
    session.add(
        ChatBinding(member_id=staff.id, channel="telegram", chat_id=STAFF_CHAT, created_at=now)
    )
    expected: Counter[str] = Counter()
    rows = []
    for n in range(plan.wave):
        member = Member(name=f"Nhận {n}", role="village_head", unit_id=commune.id, created_at=now)
        session.add(member)
        await session.flush()
        binding = ChatBinding(
            member_id=member.id, channel="telegram", chat_id=str(PUSHED + n), created_at=now
        )
        session.add(binding)
        await session.flush()
        text = f"Nhắc việc số {n}: Anh/Chị nộp báo cáo tháng trước ngày 25."
        expected[text] += 1
        rows.append(
            {
                "key": f"wave:{n}",
                "binding_id": binding.id,
                "kind": "reminder",
                "payload": {"text": text, "options": []},
                "not_before": now,
                "attempts": 0,
                "created_at": now,
            }
        )
    await session.execute(insert(OutboxMessage), rows)
    await plan_digests(session, settings, now, "weekly")
    digests = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind != "reminder"))
    for row in digests.all():
        chat = await session.get(ChatBinding, row.binding_id)
        if chat is not None and chat.channel == "telegram":
            expected[str(row.payload.get("text") or "")] += 1
    return expected


def rendered(channel: str, outcome: EngineOutcome) -> list[str]:
    """The messages a channel makes of an engine outcome (texts only: no attachments here)."""
    texts: list[str] = []
    for reply in outcome.replies:
        if channel == "zalo":
            with use_locale(outcome.locale):
                by_number = outcome.awaiting in ("choice", "confirm")
                text = numbered(reply.text, reply.options, by_number)
            texts.extend(split_text(text, 2000) if text else [])
        else:
            texts.extend(chunk or "…" for chunk in split_text(reply.text, 4096))
    return texts


async def golden(plan: Plan, folder: Path) -> list[Person]:
    """The scripts run straight through the engine on a fresh database, without faults."""
    url = f"sqlite+aiosqlite:///{folder}/golden.db"
    await upgrade_async(url)
    settings = Settings(database_url=url, files_dir=folder / "golden-files", _env_file=None)  # type: ignore[call-arg]
    app = build(settings, FixedClock(FixedClockNow.now()))
    try:
        async with app.sessions() as session, session.begin():
            people = await add_people(session, plan, app.clock.now())
        result = []
        for channel, chat_id in people:
            expected: list[str] = []
            counts: list[int] = []
            for n, text in enumerate(SCRIPT):
                msg = make_incoming(text, chat_id, channel, update_id=f"g{chat_id}:{n}")
                answer = rendered(channel, await app.engine.handle(msg))
                expected.extend(answer)
                counts.append(len(answer))
            result.append(Person(channel, chat_id, expected, counts))
        return result
    finally:
        await app.close()


class FixedClockNow:
    """The day's date, fixed once (the golden run and the bots must agree on it)."""

    at: Any = None

    @classmethod
    def now(cls) -> Any:
        if cls.at is None:
            from handlers.clock import SystemClock

            cls.at = SystemClock().now()
        return cls.at


# The bots ---------------------------------------------------------------------------------------


class Bot:
    """One `thidua run` process, started again after every kill."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], env=self.env, cwd=ROOT, stdout=out, stderr=out
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None


def environment(settings: Settings, **more: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    return (
        keep
        | {
            "DATABASE_URL": settings.database_url,
            "FILES_DIR": str(settings.files_dir),
            "PYTHONPATH": str(ROOT),
            "WEB_PORT": "0",  # the staff web page on a free port
            "TELEGRAM_TOKEN": TG_TOKEN,
            "TELEGRAM_POLL_TIMEOUT": "1",
            "SEND_TIMEOUT_SECONDS": "1.5",
            "REPLY_LEASE_SECONDS": "10",
            "SWEEP_SECONDS": "0.5",
            "DISPATCH_SECONDS": "1",
            "OUTBOX_CLAIM_SECONDS": "10",
            "OUTBOX_BACKOFF_SECONDS": "1",
            "QUIET_START_HOUR": "0",
            "QUIET_END_HOUR": "0",
        }
        | more
    )


# The day ----------------------------------------------------------------------------------------


async def run_day(settings: Settings, plan: Plan, folder: Path) -> Outcome:
    """Plays the day against the database at `settings.database_url` (migrated, empty)."""
    started = time.monotonic()
    people = await golden(plan, folder)
    app = build(settings, FixedClock(FixedClockNow.now()))
    try:
        async with app.sessions() as session, session.begin():
            await add_people(session, plan, app.clock.now())
            pushes = await add_due(session, plan, settings, app.clock.now())
    finally:
        await app.close()

    with FakeTelegram() as telegram, FakeZalo() as zalo:
        telegram.chaos = Chaos(plan.fault_rate, TELEGRAM_SENDS, timeout_seconds=3.0, seed=plan.seed)
        zalo.chaos = Chaos(plan.fault_rate, ZALO_SENDS, timeout_seconds=3.0, seed=plan.seed + 1)
        port = free_port()
        zalo.push_to(f"http://127.0.0.1:{port}/zalo", SECRET)
        both = environment(settings, TELEGRAM_API_BASE=telegram.base_url)
        first = both | {
            "ZALO_BOT_TOKEN": ZALO_TOKEN,
            "ZALO_API_BASE": zalo.base_url,
            "ZALO_WEBHOOK_URL": "https://bot.example.vn/zalo",
            "ZALO_WEBHOOK_SECRET": SECRET,
            "ZALO_WEBHOOK_LISTEN": "127.0.0.1",
            "ZALO_WEBHOOK_PORT": str(port),
        }
        bots = [Bot(first, folder / "bot-a.log"), Bot(both, folder / "bot-b.log")]
        for bot in bots:
            bot.start()
        chance = random.Random(plan.seed)
        talking = [asyncio.create_task(talk(p, telegram, zalo, chance.random())) for p in people]
        kills = 0
        try:
            while kills < plan.kills:
                await asyncio.sleep(chance.uniform(*plan.kill_every))
                victim = chance.choice(bots)
                await asyncio.to_thread(victim.kill)
                kills += 1
                victim.start()
            await asyncio.wait_for(asyncio.gather(*talking), 240)
            await settled(settings, pushes, telegram, 90 + plan.wave / 10)
        finally:
            for task in talking:
                task.cancel()
            for bot in bots:
                await asyncio.to_thread(bot.stop)
        received = {
            p.chat_id: (telegram if p.channel == "telegram" else zalo).delivered(p.chat_id)
            for p in people
        }
        faults = telegram.chaos.counts + zalo.chaos.counts
        sends = [c for c in telegram.calls if c.method in TELEGRAM_SENDS]
        pushed = Counter(
            str(c.params.get("text") or c.params.get("caption") or "")
            for c in sends
            if c.delivered
            and (str(c.params.get("chat_id")) == STAFF_CHAT or int(c.params["chat_id"]) >= PUSHED)
        )
    doubts = await recorded_doubts(settings)
    duplicated, mismatches = compare(people, received)
    lost = [t for t in pushes if not pushed[t]]
    extra = {"lost_rows": await rows_of(settings, lost)} if lost else {}
    logs = await asyncio.to_thread(
        lambda: "\n".join(p.read_text(errors="replace") for p in folder.glob("bot-*.log"))
    )
    return Outcome(
        people=people,
        received=received,
        duplicated_replies=duplicated,
        mismatches=mismatches,
        pushes_expected=pushes,
        pushes_received=pushed,
        reply_doubts=doubts[0],
        push_doubts=doubts[1],
        faults=faults,
        kills=kills,
        busiest_second=busiest(sorted(c.at for c in sends), 1.0),
        busiest_chat_3s=max(
            busiest(sorted(c.at for c in sends if c.params.get("chat_id") == chat), 3.0)
            for chat in {c.params.get("chat_id") for c in sends}
        ),
        unsettled=doubts[2],
        seconds=time.monotonic() - started,
        logs=logs,
        extra=extra,
    )


async def talk(person: Person, telegram: FakeTelegram, zalo: FakeZalo, seed: float) -> None:
    """Sends the script, each message once its predecessor's answers arrived (or a minute
    passed: then the checks will say what was missing)."""
    chance = random.Random(seed)
    fake: FakeTelegram | FakeZalo = telegram if person.channel == "telegram" else zalo
    owed = 0
    for text, count in zip(SCRIPT, person.counts, strict=True):
        if person.channel == "telegram":
            telegram.text(int(person.chat_id), text)
        else:
            zalo.text(person.chat_id, text)
        owed += count
        with contextlib.suppress(TimeoutError):
            await fake.until(lambda n=owed: len(fake.delivered(person.chat_id)) >= n, 60)
        await asyncio.sleep(chance.uniform(0.0, 0.3))


async def settled(
    settings: Settings, pushes: Counter[str], telegram: FakeTelegram, seconds: float
) -> None:
    """Waits until every push went out and nothing is left to handle or send."""
    from storage.db import create_engine, sessionmaker

    engine = create_engine(settings.database_url)
    sessions = sessionmaker(engine)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            async with sessions() as session:
                left = len(
                    (
                        await session.scalars(
                            select(OutboxMessage.id).where(
                                OutboxMessage.sent_at.is_(None),
                                OutboxMessage.failed_at.is_(None),
                                OutboxMessage.binding_id.in_(
                                    select(ChatBinding.id).where(ChatBinding.channel == "telegram")
                                ),
                            )
                        )
                    ).all()
                )
                left += len(
                    (
                        await session.scalars(
                            select(ChatReply.id).where(ChatReply.sent_at.is_(None))
                        )
                    ).all()
                )
                left += len(
                    (
                        await session.scalars(
                            select(InboxUpdate.id).where(InboxUpdate.handled_at.is_(None))
                        )
                    ).all()
                )
            if not left:
                return
            await asyncio.sleep(0.3)
    finally:
        await engine.dispose()


async def recorded_doubts(settings: Settings) -> tuple[int, int, int]:
    """(reply doubts, push doubts, rows left unsettled) as the bot recorded them."""
    from storage.db import create_engine, sessionmaker

    engine = create_engine(settings.database_url)
    try:
        async with sessionmaker(engine)() as session:
            replies = sum((await session.scalars(select(ChatReply.doubts))).all())
            pushes = sum((await session.scalars(select(OutboxMessage.doubts))).all())
            unsettled = len(
                (
                    await session.scalars(
                        select(ChatReply.id).where(
                            ChatReply.sent_at.is_(None), ChatReply.failed_at.is_(None)
                        )
                    )
                ).all()
            )
        return replies, pushes, unsettled
    finally:
        await engine.dispose()


async def rows_of(settings: Settings, texts: list[str]) -> list[dict[str, Any]]:
    """The outbox rows of these texts, as the bot left them (for a failure's message)."""
    from storage.db import create_engine, sessionmaker

    engine = create_engine(settings.database_url)
    try:
        async with sessionmaker(engine)() as session:
            rows = (await session.scalars(select(OutboxMessage))).all()
            return [
                {
                    "key": r.key,
                    "text": str(r.payload.get("text"))[:40],
                    "sent": r.sent_at,
                    "failed": r.failed_at,
                    "attempts": r.attempts,
                    "doubts": r.doubts,
                    "error": r.last_error,
                    "platform_id": r.platform_message_id,
                    "claimed": (r.claimed_by, r.claimed_until, r.in_flight_at),
                    "not_before": r.not_before,
                    "binding": r.binding_id,
                }
                for r in rows
                if str(r.payload.get("text") or "") in texts
            ]
    finally:
        await engine.dispose()


def compare(people: list[Person], received: dict[str, list[str]]) -> tuple[int, list[str]]:
    """(repeats, mismatches): each person's messages must be the golden ones in order, where a
    message may repeat only right after itself."""
    repeats = 0
    mismatches: list[str] = []
    for person in people:
        got, want = received[person.chat_id], person.expected
        i = j = 0
        while i < len(got):
            if j < len(want) and got[i] == want[j]:
                i, j = i + 1, j + 1
            elif i > 0 and got[i] == got[i - 1]:
                repeats, i = repeats + 1, i + 1
            else:
                wanted = want[j][:60] if j < len(want) else None
                mismatches.append(f"{person.chat_id}: got {got[i][:60]!r}, wanted {wanted!r}")
                break
        else:
            if j < len(want):
                mismatches.append(f"{person.chat_id}: missing {len(want) - j}: {want[j][:60]!r}")
    return repeats, mismatches


def busiest(times: list[float], window: float) -> int:
    """The most events in any `window` seconds."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most
