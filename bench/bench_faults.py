"""The fault-injection day at length: delivered, duplicated and lost over 1,000 injected faults.

The same day as tests/test_faults.py (tests/faultday.py), made big enough that the fake Bot API
servers inject at least --faults faults (30 % of all sends: 429 with retry_after, 5xx,
timeouts after delivery, slow answers) while two `thidua run` processes are killed with
SIGKILL every 1-3 s. Prints, for the people's replies and for the pushes (reminders and the
digest): how many were due, delivered, duplicated and lost; the faults by kind; the kills; the
doubts the bot recorded; the busiest second and the busiest chat as the Telegram fake saw them.

Run: .venv/bin/python bench/bench_faults.py [--faults 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.settings import Settings  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from tests.faultday import Plan, run_day  # noqa: E402

# sends of a day besides the wave (the people's replies and the digest), and how many sends a
# fault costs on average (the fault itself and its retry)
OTHER_SENDS = 600
RATE = 0.3


async def main(faults: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        await upgrade_async(url)
        settings = Settings(database_url=url, files_dir=Path(folder) / "files", _env_file=None)  # type: ignore[call-arg]
        wave = max(200, int(faults / RATE * 0.85) - OTHER_SENDS)
        plan = Plan(telegram_people=24, zalo_people=6, wave=wave, kills=max(20, faults // 20))
        day = await run_day(settings, plan, Path(folder))
    injected = sum(day.faults.values())
    replies = sum(len(p.expected) for p in day.people)
    print(f"database: {url.split(':')[0]}")
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(day.faults.items()))
    print(f"faults injected: {injected} ({kinds})")
    print(f"processes killed -9: {day.kills}")
    print(
        f"replies to people: due {replies}, delivered {day.replies_delivered}, "
        f"duplicated {day.duplicated_replies}, lost {day.replies_lost}"
    )
    print(
        f"pushes (reminders, digest): due {len(day.pushes_expected)}, "
        f"delivered {day.pushes_delivered}, duplicated {day.pushes_duplicated}, "
        f"lost {day.pushes_lost}"
    )
    print(f"doubts recorded by the bot: replies {day.reply_doubts}, pushes {day.push_doubts}")
    print(
        f"busiest second: {day.busiest_second} sends (limit 30); "
        f"busiest chat: {day.busiest_chat_3s} in 3 s"
    )
    print(f"out of order or wrong replies: {len(day.mismatches)}")
    print(f"time: {day.seconds:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faults", type=int, default=1000, help="faults to inject at least")
    parser.add_argument("--database-url", help="a migrated-or-empty database (default SQLite)")
    args = parser.parse_args()
    asyncio.run(main(args.faults, args.database_url))
