"""A whole country on SQLite: planning reminders and the national digest with its exports.

The country: 34 provinces, 3,321 communes, ~70,000 villages each with a head on Telegram, a staff
member per commune, a year of monthly reports (~93 % filed each month), a nomination for every
fourth village. Built once and kept under data/bench/ (keyed by the migrations and this file's
seed version); every measure runs on a fresh copy, as its own `thidua` command (what a person
runs, start-up included), with wall time and peak RSS:

- `thidua reminders plan` on 18 November (every village owes November's report: ~70,000 rows),
  then again with nothing new to plan; beside a bare INSERT … SELECT of as many rows (the floor
  of writing them);
- `thidua digest --unit VN --xlsx --png` on 27 November, beside the text digest alone;
- the chart alone in a fresh process (what a worker pays for it).

Run: .venv/bin/python bench/bench_national.py [--rounds 3] [--villages-per-commune 21]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bench._report import Row, print_rows  # noqa: E402
from bot.app import build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.clock import FixedClock  # noqa: E402
from storage.migrate import MIGRATIONS, upgrade_async  # noqa: E402
from storage.models import (  # noqa: E402
    ChatBinding,
    Member,
    Nomination,
    Report,
    ReportTemplate,
    Unit,
)
from storage.nominations import STATUSES  # noqa: E402
from storage.templates import load_default_templates  # noqa: E402

SEED_VERSION = 2
PROVINCES, COMMUNES = 34, 3321
BUILT = datetime(2025, 10, 1, 1, 0, tzinfo=UTC)
PLAN_AT = "2026-11-18T08:00"
DIGEST_AT = "2026-11-27T08:00"
PERIODS = [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 11)]


def cache_path(per_commune: int) -> Path:
    names = sorted(p.name for p in (MIGRATIONS / "versions").glob("*.py"))
    key = hashlib.sha256(f"{SEED_VERSION}:{per_commune}:{names}".encode()).hexdigest()[:12]
    return ROOT / "data" / "bench" / f"national-{key}.db"


async def populate(url: str, per_commune: int) -> int:
    """Builds the country; returns how many villages."""
    await upgrade_async(url)
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    app = build(settings, FixedClock(BUILT))
    rnd = random.Random(7)
    now = BUILT
    try:
        async with app.sessions() as session, session.begin():
            await load_default_templates(session, now)
            template = await session.scalar(
                select(ReportTemplate.id).where(ReportTemplate.unit_kind == "village")
            )
            country = Unit(code="VN", name="Cả nước", kind="agency", created_at=now)
            session.add(country)
            await session.flush()

            async def units(rows: list[dict[str, object]]) -> list[int]:
                return list((await session.scalars(insert(Unit).returning(Unit.id), rows)).all())

            provinces = await units(
                [{"code": f"P{p:02d}", "name": f"Tỉnh số {p}", "kind": "province",
                  "parent_id": country.id, "created_at": now} for p in range(PROVINCES)]
            )  # fmt: skip
            communes = await units(
                [{"code": f"X{c:04d}", "name": f"Xã số {c}", "kind": "commune",
                  "parent_id": provinces[c % PROVINCES], "created_at": now}
                 for c in range(COMMUNES)]
            )  # fmt: skip
            villages: list[int] = []
            for start in range(0, COMMUNES, 500):
                villages += await units(
                    [{"code": f"X{c:04d}-T{v:02d}", "name": f"Thôn {v} xã {c}",
                      "kind": "village", "parent_id": communes[c], "created_at": now}
                     for c in range(start, min(COMMUNES, start + 500))
                     for v in range(per_commune)]
                )  # fmt: skip
            heads: list[int] = []
            for start in range(0, len(villages), 10_000):
                chunk = villages[start : start + 10_000]
                heads += list(
                    (
                        await session.scalars(
                            insert(Member).returning(Member.id),
                            [{"name": f"Trưởng thôn {start + i}", "role": "village_head",
                              "unit_id": u, "locale": "vi", "active": True, "created_at": now}
                             for i, u in enumerate(chunk)],
                        )
                    ).all()
                )  # fmt: skip
            for start in range(0, len(heads), 10_000):
                await session.execute(
                    insert(ChatBinding),
                    [{"member_id": m, "channel": "telegram", "chat_id": str(1_000_000 + start + i),
                      "created_at": now} for i, m in enumerate(heads[start : start + 10_000])],
                )  # fmt: skip
            await session.execute(
                insert(Member),
                [{"name": f"Cán bộ {c}", "role": "staff", "unit_id": commune, "locale": "vi",
                  "active": True, "created_at": now} for c, commune in enumerate(communes)],
            )  # fmt: skip
            for period in PERIODS:
                rows = [
                    {"unit_id": unit, "period": period, "template_id": template,
                     "status": "late" if rnd.random() < 0.15 else "on_time",
                     "answers": {"gia_dinh_van_hoa": rnd.randint(50, 400),
                                 "nguoi_tot_viec_tot": rnd.randint(0, 9),
                                 "tieu_chi_nong_thon_moi": rnd.randint(10, 19),
                                 "an_ninh_trat_tu": rnd.random() < 0.1,
                                 "noi_bat": "Ra quân làm đường giao thông nông thôn"},
                     "version": 1, "submitted_by": heads[i], "submitted_at": now}
                    for i, unit in enumerate(villages)
                    if rnd.random() < 0.93
                ]  # fmt: skip
                for start in range(0, len(rows), 10_000):
                    await session.execute(insert(Report), rows[start : start + 10_000])
            await session.execute(
                insert(Nomination),
                [{"nominator_id": heads[i], "unit_id": villages[i], "kind": "individual",
                  "nominee": f"Người tốt {i}", "position": "Công an viên",
                  "award": "lao_dong_tien_tien", "movement": "", "achievement": "Tích cực",
                  "status": rnd.choice(STATUSES), "nominee_kind": "can_bo", "period": "2026",
                  "file_ids": [], "created_at": now + timedelta(days=rnd.randint(0, 400)),
                  "updated_at": now}
                 for i in range(0, len(villages), 4)],
            )  # fmt: skip
        return len(villages)
    finally:
        await app.close()


def country(per_commune: int) -> Path:
    """The cached country database (built when missing)."""
    path = cache_path(per_commune)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        started = time.perf_counter()
        count = asyncio.run(populate(f"sqlite+aiosqlite:///{building}", per_commune))
        with sqlite3.connect(building) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        building.rename(path)
        print(f"built the country ({count:,} villages) in {time.perf_counter() - started:.0f} s")
    return path


def fresh_copy(source: Path, folder: Path) -> Path:
    target = folder / "country.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def thidua(db: Path, folder: Path, *args: str) -> tuple[float, float, str]:
    """Runs a `thidua` command on the database: wall seconds, peak RSS (MB), its output."""
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{db}", "FILES_DIR": str(folder / "files"),
           "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(folder)}  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "bot", *args],
        cwd=folder, env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"thidua {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    peak = int(result.stderr.strip().splitlines()[-1]) / 1024
    return seconds, peak, result.stdout


def bare_insert_select(db: Path, rows: int) -> float:
    """The floor of planning: one INSERT … SELECT writing `rows` outbox-like rows."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE floor (key TEXT PRIMARY KEY, binding_id INT, payload TEXT,"
                     " not_before TEXT)")  # fmt: skip
        started = time.perf_counter()
        conn.execute(
            "INSERT INTO floor SELECT 'remind:report:' || m.unit_id || ':2026-11:d7:b' || b.id,"
            " b.id, json_object('text', 'Nhắc báo cáo ' || m.name, 'options', json('[]')),"
            " '2026-11-18 00:30:00' FROM chat_bindings b JOIN members m ON m.id = b.member_id"
            " WHERE m.role = 'village_head' LIMIT ?",
            (rows,),
        )
        conn.commit()
        return time.perf_counter() - started


CHART = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from bot.chart import Bar, completeness_png
bars = [Bar(f"Tỉnh số {p}", 1500 + p, 300, 2050) for p in range(34)]
completeness_png(bars, Path(sys.argv[1]), "Hoàn thành báo cáo tháng 11/2026 – Cả nước",
                 "Đúng hạn", "Muộn", "% đơn vị đã báo cáo")
print(time.perf_counter() - started)
"""


def chart_alone(folder: Path) -> tuple[float, float]:
    started = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-c", CHART, str(folder / "chart.png")],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - started, int(result.stderr.strip().splitlines()[-1]) / 1024


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description="Planning and the national digest, SQLite.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--villages-per-commune", type=int, default=21)
    args = parser.parse_args()
    source = country(args.villages_per_commune)
    folder = Path(tempfile.mkdtemp(prefix="bench-national-"))
    try:
        first, first_mb, again, again_mb, floor, planned = [], [], [], [], [], 0
        for _round in range(args.rounds):
            db = fresh_copy(source, folder)
            seconds, mb, out = thidua(db, folder, "reminders", "plan", "--now", PLAN_AT)
            planned = int(out.strip().splitlines()[-1].split()[0])
            first.append(seconds)
            first_mb.append(mb)
            seconds, mb, out = thidua(db, folder, "reminders", "plan", "--now", PLAN_AT)
            again.append(seconds)
            again_mb.append(mb)
            floor.append(bare_insert_select(fresh_copy(source, folder), planned))
        full, full_mb, text, text_mb, chart, chart_mb = [], [], [], [], [], []
        db = fresh_copy(source, folder)
        for _round in range(args.rounds):
            out_dir = folder / "out"
            seconds, mb, _out = thidua(
                db, folder, "digest", "--unit", "VN", "--period", "2026-11", "--now", DIGEST_AT,
                "--xlsx", str(out_dir / "d.xlsx"), "--png", str(out_dir / "d.png"),
            )  # fmt: skip
            full.append(seconds)
            full_mb.append(mb)
            seconds, mb, _out = thidua(
                db, folder, "digest", "--unit", "VN", "--period", "2026-11", "--now", DIGEST_AT
            )
            text.append(seconds)
            text_mb.append(mb)
            seconds, mb = chart_alone(folder)
            chart.append(seconds)
            chart_mb.append(mb)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{args.villages_per_commune * COMMUNES:,} villages; {planned:,} reminders planned")
    print_rows(
        [
            Row("`reminders plan`, first (s)", median(first), "bare INSERT…SELECT",
                median(floor), goal=5, lower=True),
            Row("`reminders plan`, first (peak MB)", median(first_mb), "", None, goal=200,
                lower=True),
            Row("`reminders plan`, again (s)", median(again), "", None, goal=1, lower=True),
            Row("national digest + .xlsx + chart (s)", median(full), "text digest",
                median(text), goal=5, lower=True),
            Row("national digest + .xlsx + chart (peak MB)", median(full_mb), "text digest",
                median(text_mb), goal=250, lower=True),
            Row("chart alone, fresh process (s)", median(chart), "", None, goal=1, lower=True,
                note=f"peak {median(chart_mb):.0f} MB"),
        ]
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
