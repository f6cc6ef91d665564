"""Messages per second through the conversation engine, for a full monthly-report conversation
(open the report, answer every indicator, confirm), on SQLite and PostgreSQL side by side.

Run: .venv/bin/python bench/bench_engine.py [--database-url postgresql+asyncpg://…/emptydb]
     [--chats 100] [--concurrency 10]
Without --database-url only SQLite (a temporary file) is measured. The PostgreSQL database given
is migrated and filled with this run's own units and people (its codes carry a random tag).
Each chat is a village head of their own village; every message is a real engine.handle() call
with its own transaction. Figures: one chat at a time (latency-bound), and --concurrency chats
at once (as a busy bot sees them).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import App, build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.clock import FixedClock  # noqa: E402
from handlers.types import Incoming  # noqa: E402
from storage.access import add_unit  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import ChatBinding, Member  # noqa: E402
from storage.templates import load_default_templates  # noqa: E402

NOW = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # 09:00 in Hanoi, before the due day
CONVERSATION = [
    "bao cao",
    "12 hộ",
    "3",
    "Ông Lò Văn Sáu nhặt được ví, trả lại người mất",
    "15",
    "khong",
    "Bỏ qua",
    "Bỏ qua",
    "1",
]
SUBMITTED = "Đã gửi báo cáo"


@dataclass
class Figures:
    backend: str
    messages: int
    sequential: float  # messages/s, one chat at a time
    concurrent: float  # messages/s, --concurrency chats at once
    p50_ms: float
    p95_ms: float


async def seed(app: App, chats: int, tag: str) -> list[str]:
    """A commune with `chats` villages, each with a village head bound to a console chat."""
    now = app.clock.now()
    names = []
    async with app.sessions() as session, session.begin():
        await load_default_templates(session, now)
        province = await add_unit(session, f"B{tag}", "Tỉnh Đo Tốc Độ", "province", None, now)
        commune = await add_unit(session, f"B{tag}-X", "Xã Đo Tốc Độ", "commune", province, now)
        for i in range(chats):
            village = await add_unit(
                session, f"B{tag}-T{i}", f"Thôn Số {i}", "village", commune, now
            )
            member = Member(name=f"Trưởng thôn {i}", role="village_head", unit_id=village.id,
                            locale="vi", created_at=now)  # fmt: skip
            session.add(member)
            await session.flush()
            chat = f"bench-{tag}-{i}"
            session.add(
                ChatBinding(member_id=member.id, channel="console", chat_id=chat, created_at=now)
            )
            names.append(chat)
    return names


async def converse(app: App, chat: str, latencies: list[float]) -> None:
    last = ""
    for number, text in enumerate(CONVERSATION):
        msg = Incoming(channel="console", chat_id=chat, user_id=chat, text=text,
                       update_id=f"{chat}:{number}")  # fmt: skip
        started = time.perf_counter()
        outcome = await app.engine.handle(msg)
        latencies.append(time.perf_counter() - started)
        last = "\n".join(reply.text for reply in outcome.replies)
    if SUBMITTED not in last:
        raise SystemExit(f"the report conversation did not end as expected: {last!r}")


async def measure(url: str, backend: str, chats: int, concurrency: int) -> Figures:
    await upgrade_async(url)
    settings = Settings(database_url=url, files_dir=Path(tempfile.mkdtemp()) / "files",
                        _env_file=None)  # type: ignore[call-arg]  # fmt: skip
    app = build(settings, FixedClock(NOW))
    try:
        tag = secrets.token_hex(3)
        names = await seed(app, chats, tag)
        half = len(names) // 2
        latencies: list[float] = []

        started = time.perf_counter()
        for chat in names[:half]:
            await converse(app, chat, latencies)
        sequential = half * len(CONVERSATION) / (time.perf_counter() - started)

        queue = list(names[half:])

        busy: list[float] = []

        async def worker() -> None:
            while queue:
                await converse(app, queue.pop(), busy)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        concurrent = (len(names) - half) * len(CONVERSATION) / (time.perf_counter() - started)
    finally:
        await app.close()
    ms = sorted(x * 1000 for x in latencies)
    return Figures(
        backend,
        len(latencies) + len(busy),
        sequential,
        concurrent,
        statistics.median(ms),
        ms[int(len(ms) * 0.95) - 1],
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Engine messages/s for a full monthly-report conversation: SQLite and the"
        " --database-url PostgreSQL side by side."
    )
    parser.add_argument("--database-url", help="an empty PostgreSQL database to measure too")
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        results.append(asyncio.run(measure(sqlite_url, "SQLite", args.chats, args.concurrency)))
    if args.database_url:
        results.append(
            asyncio.run(measure(args.database_url, "PostgreSQL", args.chats, args.concurrency))
        )

    print(
        f"engine: full monthly-report conversation ({len(CONVERSATION)} messages per chat), "
        f"{args.chats} chats, each message its own transaction"
    )
    header = f"{'':34}" + "".join(f"{r.backend:>14}" for r in results)
    print(header)
    rows = [
        ("messages/s, one chat at a time", [f"{r.sequential:.0f}" for r in results]),
        (f"messages/s, {args.concurrency} chats at once", [f"{r.concurrent:.0f}" for r in results]),
        ("latency p50, one at a time (ms)", [f"{r.p50_ms:.1f}" for r in results]),
        ("latency p95, one at a time (ms)", [f"{r.p95_ms:.1f}" for r in results]),
        ("messages", [str(r.messages) for r in results]),
    ]
    for label, values in rows:
        print(f"{label:34}" + "".join(f"{v:>14}" for v in values))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
