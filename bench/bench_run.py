"""`thidua run` as a process against the local fake Bot API, side by side with its baselines.

1. Start-up: `thidua --help` (seconds and peak RSS) beside `python -c pass`; `thidua run` from
   start to its first poll and its idle RSS, beside the bare python-telegram-bot echo bot
   (`bench/echo_bot.py`) on the same fake.
2. Messages: registered people each send `/help` (--chats chats × --each messages, all waiting
   at once); messages answered per second until the last reply reached the fake, beside the
   echo bot answering as many texts. Runs alternate (bot, echo, bot, echo …) and the medians
   are compared: the machine is shared.
3. Pushes: the outbox dispatcher inside `thidua run` at a 30/s limit (share of the limit, idle
   seconds, the longest gap, the busiest second), and its ceiling at a 1,000/s limit beside
   `thidua outbox send` on the same rows.

Run: .venv/bin/python bench/bench_run.py [--rounds 3] [--chats 20] [--each 40]
     [--database-url postgresql+asyncpg://…/emptydb]   (SQLite and PostgreSQL side by side)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, insert, select  # noqa: E402

from bench._report import Row, print_rows  # noqa: E402
from bot.app import build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.clock import FixedClock  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import ChatBinding, Member, OutboxMessage, Unit  # noqa: E402
from tests.fakes.telegram_server import TOKEN, FakeTelegram  # noqa: E402

NOW = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi
SENDS = ("sendMessage", "sendPhoto", "sendDocument")
FIRST_CHAT = 700_000
PUSH_CHAT = 9_000_000


@dataclass
class Proc:
    """A bot process and the fake it talks to."""

    process: subprocess.Popen[bytes]
    fake: FakeTelegram
    started: float
    log: Path

    def ready(self, seconds: float = 30.0) -> float:
        """Seconds from start to the first getUpdates call."""
        polls = self.fake.wait_for(lambda: self.fake.calls_of("getUpdates"), seconds)
        return float(polls[0].at - self.started)

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:")
        return kb / 1024

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


_update_ids = itertools.count(1)


def new_fake() -> FakeTelegram:
    """A fake Bot API whose update ids were never seen before (the inbox remembers them)."""
    fake = FakeTelegram()
    fake._update_ids = itertools.count(next(_update_ids) * 1_000_000)
    fake._server.handle_error = lambda *_args: None  # type: ignore[method-assign]
    return fake


def env_for(url: str, folder: Path, base: str, **more: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    return keep | {
        "DATABASE_URL": url,
        "FILES_DIR": str(folder / "files"),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": base,
        "TELEGRAM_POLL_TIMEOUT": "1",
        "QUIET_START_HOUR": "0",
        "QUIET_END_HOUR": "0",
        **more,
    }


def start(command: Sequence[str], env: dict[str, str], fake: FakeTelegram, log: Path) -> Proc:
    with log.open("ab") as out:
        started = time.monotonic()
        process = subprocess.Popen(list(command), env=env, cwd=ROOT, stdout=out, stderr=out)
    return Proc(process, fake, started, log)


def thidua_run(now: bool = True) -> list[str]:
    return [sys.executable, "-m", "bot", "run", *(["--now", NOW.isoformat()] if now else [])]


ECHO = [sys.executable, str(ROOT / "bench" / "echo_bot.py")]


def sends_of(fake: FakeTelegram) -> list[Any]:
    with fake._cond:
        return [c for c in fake.calls if c.method in SENDS]


def wait_sends(fake: FakeTelegram, count: int, seconds: float, partial: bool = False) -> list[Any]:
    """The sends once `count` arrived; after `seconds`, what arrived (`partial`) or an error."""
    deadline = time.monotonic() + seconds
    while True:
        sent = sends_of(fake)
        if len(sent) >= count or (partial and time.monotonic() > deadline):
            return sent
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(sent)} of {count} sends in {seconds} s")
        time.sleep(0.02)


# Seeding ----------------------------------------------------------------------------------------


async def seed_people(url: str, folder: Path, chats: int) -> None:
    """A unit and `chats` village heads bound to Telegram chats FIRST_CHAT…"""
    settings = Settings(database_url=url, files_dir=folder / "files", _env_file=None)  # type: ignore[call-arg]
    app = build(settings, FixedClock(NOW))
    try:
        async with app.sessions() as session, session.begin():
            unit = Unit(code="BR", name="Thôn Đo", kind="village", created_at=NOW)
            session.add(unit)
            await session.flush()
            await add_members(session, unit.id, [FIRST_CHAT + n for n in range(chats)])
    finally:
        await app.close()


async def add_members(session: Any, unit_id: int, chats: Sequence[int]) -> list[int]:
    """Members bound to the Telegram chats; their binding ids."""
    members = [
        {"name": f"n{c}", "role": "village_head", "unit_id": unit_id, "locale": "vi",
         "active": True, "created_at": NOW}
        for c in chats
    ]  # fmt: skip
    ids = (await session.scalars(insert(Member).returning(Member.id), members)).all()
    rows = [
        {"member_id": m, "channel": "telegram", "chat_id": str(c), "created_at": NOW}
        for m, c in zip(ids, chats, strict=True)
    ]
    return list((await session.scalars(insert(ChatBinding).returning(ChatBinding.id), rows)).all())


async def seed_pushes(url: str, folder: Path, count: int, tag: str) -> None:
    """`count` pushes due now, each to its own chat (the overall limit binds)."""
    settings = Settings(database_url=url, files_dir=folder / "files", _env_file=None)  # type: ignore[call-arg]
    app = build(settings, FixedClock(NOW))
    try:
        async with app.sessions() as session, session.begin():
            await session.execute(delete(OutboxMessage))
            unit_id = await session.scalar(select(Unit.id).where(Unit.code == "BR"))
            assert unit_id is not None
            start_at = PUSH_CHAT + int(tag) * 100_000
            bindings = await add_members(session, unit_id, range(start_at, start_at + count))
            await session.execute(
                insert(OutboxMessage),
                [
                    {"key": f"bench:{tag}:{b}", "binding_id": b, "kind": "bench",
                     "payload": {"text": f"Nhắc việc {n}", "options": []}, "not_before": NOW,
                     "attempts": 0, "created_at": NOW}
                    for n, b in enumerate(bindings)
                ],
            )  # fmt: skip
    finally:
        await app.close()


# Measures ---------------------------------------------------------------------------------------


def timed(command: Sequence[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a command."""
    started = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], cwd=ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    peak = int(result.stderr.strip().splitlines()[-1]) / 1024
    return seconds, peak


def startup(rounds: int, url: str, folder: Path) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in ("help", "help_mb", "pass", "pass_mb",
                                                   "run", "run_mb", "echo", "echo_mb")}  # fmt: skip
    help_cmd = [sys.executable, "-m", "bot", "--help"]
    for _round in range(rounds):
        seconds, mb = timed(help_cmd)
        out["help"].append(seconds)
        out["help_mb"].append(mb)
        seconds, mb = timed([sys.executable, "-c", "pass"])
        out["pass"].append(seconds)
        out["pass_mb"].append(mb)
        for name, command in (("run", thidua_run()), ("echo", ECHO)):
            with new_fake() as fake:
                proc = start(command, env_for(url, folder, fake.base_url), fake, folder / "s.log")
                try:
                    out[name].append(proc.ready())
                    time.sleep(2.0)
                    out[f"{name}_mb"].append(proc.rss_mb())
                finally:
                    proc.stop()
    return out


def answer_rate(command: Sequence[str], url: str, folder: Path, chats: int, each: int,
                text: str) -> float:  # fmt: skip
    """Messages answered per second: every chat sends `each` texts at once."""
    with new_fake() as fake:
        env = env_for(url, folder, fake.base_url, TELEGRAM_RATE_PER_SECOND="100000",
                      TELEGRAM_RATE_PER_CHAT="100000")  # fmt: skip
        proc = start(command, env, fake, folder / "answer.log")
        try:
            proc.ready()
            # one message per chat first: how many messages answer one (and a warm start)
            for n in range(chats):
                fake.text(FIRST_CHAT + n, text)
            first = wait_sends(fake, chats, 60)
            time.sleep(0.5)
            per = max(1, len(sends_of(fake)) // chats)
            before = len(sends_of(fake))
            del first
            started = time.monotonic()
            for _k in range(each):
                for n in range(chats):
                    fake.text(FIRST_CHAT + n, text)
            sent = wait_sends(fake, before + chats * each * per, 300)
            return float(chats * each / (sent[-1].at - started))
        finally:
            proc.stop()


@dataclass
class Pushes:
    sent: int
    rate: float
    idle_seconds: int
    longest_gap: float
    busiest: int
    first_after_ready: float


def push_figures(sent: list[Any], ready_at: float) -> Pushes:
    times = sorted(c.at for c in sent)
    n = len(times)
    rate = (n - 1) / (times[-1] - times[0]) if n > 1 else 0.0
    idle = sum(
        1
        for second in range(int(times[-1] - times[0]))
        if not any(times[0] + second <= t < times[0] + second + 1 for t in times)
    )
    gaps = [b - a for a, b in itertools.pairwise(times)]
    most, j = 0, 0
    for i, at in enumerate(times):
        while at - times[j] >= 1.0:
            j += 1
        most = max(most, i - j + 1)
    return Pushes(n, rate, idle, max(gaps, default=0.0), most, times[0] - ready_at)


def pushes_in_run(url: str, folder: Path, count: int, rate: float, tag: str) -> Pushes:
    asyncio.run(seed_pushes(url, folder, count, tag))
    with new_fake() as fake:
        env = env_for(url, folder, fake.base_url, TELEGRAM_RATE_PER_SECOND=str(rate),
                      TELEGRAM_RATE_PER_CHAT="1")  # fmt: skip
        proc = start(thidua_run(), env, fake, folder / "push.log")
        try:
            ready = proc.started + proc.ready()
            # a slow dispatcher is measured on what it sent in the time given
            sent = wait_sends(fake, count, count / rate * 2 + 30, partial=True)
        finally:
            proc.stop()
    return push_figures(sent, ready)


def pushes_by_cli(url: str, folder: Path, count: int, rate: float, tag: str) -> Pushes:
    asyncio.run(seed_pushes(url, folder, count, tag))
    with new_fake() as fake:
        env = env_for(url, folder, fake.base_url, TELEGRAM_RATE_PER_SECOND=str(rate),
                      TELEGRAM_RATE_PER_CHAT="1")  # fmt: skip
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "bot", "outbox", "send", "--now", NOW.isoformat()],
                       env=env, cwd=ROOT, capture_output=True, check=True)  # fmt: skip
        sent = sends_of(fake)
    return push_figures(sent, started)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure(url: str, folder: Path, args: argparse.Namespace) -> list[Row]:
    asyncio.run(upgrade_async(url))
    asyncio.run(seed_people(url, folder, args.chats))
    rows: list[Row] = []
    parts = set(args.parts.split(","))

    def part(name: str, body: Callable[[], list[Row]]) -> None:
        if name not in parts:
            return
        try:
            rows.extend(body())
        except Exception as error:  # one part failing leaves the others' figures
            rows.append(Row(f"{name}: failed", float("nan"), "", None, note=repr(error)[:300]))

    def starting() -> list[Row]:
        up = startup(args.rounds, url, folder)
        return [
            Row("`thidua --help` (s)", median(up["help"]), "python -c pass",
                median(up["pass"]), goal=0.3, lower=True),
            Row("`thidua --help` peak RSS (MB)", median(up["help_mb"]), "python -c pass",
                median(up["pass_mb"]), lower=True),
            Row("`thidua run` start → first poll (s)", median(up["run"]), "echo bot",
                median(up["echo"]), goal=1.0, lower=True),
            Row("`thidua run` idle RSS (MB)", median(up["run_mb"]), "echo bot",
                median(up["echo_mb"]), goal=100, lower=True),
        ]  # fmt: skip

    def answering() -> list[Row]:
        ours: list[float] = []
        echo: list[float] = []
        for _round in range(args.rounds):
            ours.append(answer_rate(thidua_run(), url, folder, args.chats, args.each, "/help"))
            echo.append(answer_rate(ECHO, url, folder, args.chats, args.each, "xin chào"))
        return [Row(f"`thidua run` /help, {args.chats} chats × {args.each} (msg/s)",
                    median(ours), "echo bot", median(echo),
                    note=f"runs: {', '.join(f'{x:.0f}' for x in ours)} vs "
                    f"{', '.join(f'{x:.0f}' for x in echo)}")]  # fmt: skip

    def pacing() -> list[Row]:
        paced = pushes_in_run(url, folder, args.pushes, 30.0, "1")
        return [
            Row("dispatcher in `thidua run` at 30/s (% of limit)", 100 * paced.rate / 30,
                "limit", 100.0, goal=97),
            Row("  idle seconds within the run", paced.idle_seconds, "", None, goal=0,
                lower=True, note=f"{paced.sent} sent, longest gap {paced.longest_gap:.2f} s, "
                f"busiest second {paced.busiest}, first send "
                f"{paced.first_after_ready:.1f} s after ready"),
        ]  # fmt: skip

    def ceiling() -> list[Row]:
        fast = pushes_in_run(url, folder, args.ceiling, 1000.0, "2")
        cli = pushes_by_cli(url, folder, args.ceiling, 1000.0, "3")
        return [Row("dispatcher ceiling in `thidua run` (sends/s)", fast.rate,
                    "`outbox send`", cli.rate, goal=1000,
                    note=f"{fast.sent} of {args.ceiling} sent by `thidua run`, "
                    f"{cli.sent} by `outbox send`")]  # fmt: skip

    part("startup", starting)
    part("answer", answering)
    part("pace", pacing)
    part("ceiling", ceiling)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description="thidua run against the fake Bot API beside a bare echo bot; SQLite and the"
        " --database-url PostgreSQL side by side."
    )
    parser.add_argument("--database-url", help="an empty PostgreSQL database to measure too")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--each", type=int, default=40)
    parser.add_argument("--pushes", type=int, default=600)
    parser.add_argument("--ceiling", type=int, default=3000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--parts", default="startup,answer,pace,ceiling")
    args = parser.parse_args()
    measured: list[tuple[str, Callable[[], list[Row]]]] = []
    folder = Path(tempfile.mkdtemp(prefix="bench-run-"))
    if args.only != "postgresql":
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        measured.append(("SQLite", lambda: measure(url, folder, args)))
    if args.database_url and args.only != "sqlite":
        pg = args.database_url
        measured.append(("PostgreSQL", lambda: measure(pg, folder, args)))
    for name, run in measured:
        print(f"-- {name}", flush=True)
        print_rows(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
