"""Outbox dispatcher throughput against a configured rate limit, in real time.

An in-process fake Sender records the monotonic time of every send. Rows go to many chats
(so the per-chat limit does not bind) plus a few chats with several rows each (so it does).
Prints sustained throughput as a share of the limit (target ≥ 97 %), the most sends seen in any
one-second window (must not exceed the limit) and the closest spacing per chat.

Run: .venv/bin/python bench/bench_dispatch.py [--rate 30] [--messages 600] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.app import build  # noqa: E402
from bot.dispatcher import Dispatcher  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.clock import FixedClock  # noqa: E402
from handlers.types import Reply  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import ChatBinding, Member, OutboxMessage, Unit  # noqa: E402


class RecordingSender:
    channel = "telegram"

    def __init__(self, rate: float, per_chat: float) -> None:
        self.rate_per_second = rate
        self.rate_per_chat = per_chat
        self.times: list[tuple[float, str]] = []

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        self.times.append((time.monotonic(), chat_id))
        await asyncio.sleep(0.002)  # a little network latency
        return str(len(self.times))


async def main(rate: float, messages: int, url: str | None) -> int:
    folder = Path(tempfile.mkdtemp())
    url = url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await upgrade_async(url)
    now = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi, outside quiet hours
    settings = Settings(database_url=url, files_dir=folder / "files", _env_file=None)  # type: ignore[call-arg]
    app = build(settings, FixedClock(now))
    busy_chats, per_busy = 5, 8
    async with app.sessions() as session, session.begin():
        unit = Unit(code="B", name="Bench", kind="commune", created_at=now)
        session.add(unit)
        await session.flush()
        chats = messages - busy_chats * (per_busy - 1)
        members = [
            {
                "name": f"n{i}",
                "role": "village_head",
                "unit_id": unit.id,
                "locale": "vi",
                "active": True,
                "created_at": now,
            }
            for i in range(chats)
        ]
        ids = (await session.scalars(insert(Member).returning(Member.id), members)).all()
        bindings = (
            await session.scalars(
                insert(ChatBinding).returning(ChatBinding.id),
                [
                    {"member_id": m, "channel": "telegram", "chat_id": f"c{i}", "created_at": now}
                    for i, m in enumerate(ids)
                ],
            )
        ).all()
        rows = []
        for i, binding in enumerate(bindings):
            repeat = per_busy if i < busy_chats else 1
            for j in range(repeat):
                rows.append(
                    {
                        "key": f"k{i}:{j}",
                        "binding_id": binding,
                        "kind": "bench",
                        "payload": {"text": f"tin {i}.{j}"},
                        "not_before": now,
                        "attempts": 0,
                        "created_at": now,
                    }
                )
        await session.execute(insert(OutboxMessage), rows)
    sender = RecordingSender(rate, 1.0)
    dispatcher = Dispatcher(app.sessions, settings, app.clock, {"telegram": sender}, "bench")
    started = time.monotonic()
    stats = await dispatcher.run_until_idle(max_runs=1000)
    elapsed = time.monotonic() - started
    await app.close()

    times = sorted(t for t, _c in sender.times)
    n = len(times)
    sustained = (n - 1) / (times[-1] - times[0]) if n > 1 else 0.0
    worst = 0
    j = 0
    for i in range(n):
        while times[j] <= times[i] - 1.0:
            j += 1
        worst = max(worst, i - j + 1)
    over = sum(1 for i in range(n) if i + int(rate) < n and times[i + int(rate)] - times[i] < 1.0)
    by_chat: dict[str, list[float]] = {}
    for t, chat in sender.times:
        by_chat.setdefault(chat, []).append(t)
    gaps = [b - a for ts in by_chat.values() for a, b in pairwise(ts)]
    spacing = min(gaps, default=float("inf"))
    print(f"database          {url.split(':')[0]}")
    print(f"messages          {n} sent ({stats.sent} marked), {elapsed:.2f} s wall")
    print(f"limit             {rate:.1f}/s overall, 1/s per chat")
    print(
        f"sustained         {sustained:.2f}/s = {100 * sustained / rate:.1f} % of the limit "
        f"(target ≥ 97 %)"
    )
    print(f"max in any 1 s    {worst} (limit {int(rate)}); windows over the limit: {over}")
    print(f"min chat spacing  {spacing:.3f} s (limit 1.000 s)")
    ok = sustained >= 0.97 * rate and worst <= int(rate) and over == 0 and spacing >= 0.999
    print("result            " + ("OK" if ok else "BELOW TARGET"))
    return 0 if ok else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=30.0)
    ap.add_argument("--messages", type=int, default=600)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    raise SystemExit(asyncio.run(main(args.rate, args.messages, args.database_url)))
