"""Digest time for a province of 100 communes × 20 villages with a year of reports.

Builds the province once (2,000 villages with a head each, 12 months of reports with answers,
nominations, some failed deliveries), then times `build_digest` for the province and for one
commune, and the text rendering. Target: the province digest under 200 ms.

Run: .venv/bin/python bench/bench_digest.py [--rounds 10] [--database-url URL]
(a PostgreSQL URL must point at an empty database).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bot.app import build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.clock import FixedClock  # noqa: E402
from handlers.digest import render_text  # noqa: E402
from storage.digest import build_digest  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import (  # noqa: E402
    ChatBinding,
    Member,
    Nomination,
    OutboxMessage,
    Report,
    ReportTemplate,
    Unit,
)
from storage.templates import load_default_templates  # noqa: E402

COMMUNES, VILLAGES = 100, 20
PERIODS = [f"2026-{m:02d}" for m in range(1, 12)] + ["2025-12"]


def answers(rnd: random.Random) -> dict[str, object]:
    """A village's monthly answers (the shipped template), one in ten with an incident."""
    incident = rnd.random() < 0.1
    found: dict[str, object] = {
        "an_ninh_trat_tu": incident,
        "hoa_giai_thanh": rnd.randint(0, 3),
        "vi_pham_huong_uoc": rnd.randint(0, 2),
        "ve_sinh_moi_truong": rnd.choice(["tot", "dat"]),
        "ho_ngheo_ho_tro": rnd.randint(0, 20),
        "xoa_nha_tam": rnd.randint(0, 1),
        "nguoi_tot_viec_tot": rnd.randint(0, 9),
        "kho_khan": None,
        "kien_nghi": None,
        "phuong_huong": "Ra quân làm đường giao thông nông thôn",
    }
    if incident:
        found["an_ninh_chi_tiet"] = "Mất trộm gia súc, đã báo Công an xã."
    return found


async def populate(app: object, now: datetime) -> None:
    rnd = random.Random(7)
    async with app.sessions() as session, session.begin():  # type: ignore[attr-defined]
        await load_default_templates(session, now)
        template = await session.scalar(
            select(ReportTemplate).where(ReportTemplate.unit_kind == "village")
        )
        assert template is not None
        province = Unit(code="P", name="Tỉnh Bench", kind="province", created_at=now)
        session.add(province)
        await session.flush()
        communes = (
            await session.scalars(
                insert(Unit).returning(Unit.id),
                [
                    {
                        "code": f"X{c:03d}",
                        "name": f"Xã số {c}",
                        "kind": "commune",
                        "parent_id": province.id,
                        "created_at": now,
                    }
                    for c in range(COMMUNES)
                ],
            )
        ).all()
        villages = (
            await session.scalars(
                insert(Unit).returning(Unit.id),
                [
                    {
                        "code": f"X{c:03d}-T{v:02d}",
                        "name": f"Thôn {v} xã {c}",
                        "kind": "village",
                        "parent_id": commune,
                        "created_at": now,
                    }
                    for c, commune in enumerate(communes)
                    for v in range(VILLAGES)
                ],
            )
        ).all()
        heads = (
            await session.scalars(
                insert(Member).returning(Member.id),
                [
                    {
                        "name": f"Trưởng thôn {i}",
                        "role": "village_head",
                        "unit_id": unit,
                        "locale": "vi",
                        "active": True,
                        "created_at": now,
                    }
                    for i, unit in enumerate(villages)
                ],
            )
        ).all()
        bindings = (
            await session.scalars(
                insert(ChatBinding).returning(ChatBinding.id),
                [
                    {
                        "member_id": m,
                        "channel": "telegram",
                        "chat_id": str(10_000 + i),
                        "created_at": now,
                    }
                    for i, m in enumerate(heads)
                ],
            )
        ).all()
        staff = [
            {
                "name": f"Cán bộ {c}",
                "role": "staff",
                "unit_id": commune,
                "locale": "vi",
                "active": True,
                "created_at": now,
            }
            for c, commune in enumerate(communes)
        ]
        await session.execute(insert(Member), staff)
        reports = []
        for period in PERIODS:
            current = period == "2026-11"
            for i, unit in enumerate(villages):
                if rnd.random() < (0.55 if current else 0.93):
                    reports.append(
                        {
                            "unit_id": unit,
                            "period": period,
                            "template_id": template.id,
                            "status": "late" if rnd.random() < 0.15 else "on_time",
                            "answers": answers(rnd),
                            "version": 1,
                            "submitted_by": heads[i],
                            "submitted_at": now,
                        }
                    )
        for i in range(0, len(reports), 5000):
            await session.execute(insert(Report), reports[i : i + 5000])
        await session.execute(
            insert(Nomination),
            [
                {
                    "nominator_id": heads[i],
                    "unit_id": villages[i],
                    "kind": "individual",
                    "nominee": f"Người tốt {i}",
                    "position": "Công an viên",
                    "award": "lao_dong_tien_tien",
                    "movement": "",
                    "achievement": "Tích cực",
                    "status": rnd.choice(["pending", "approved", "rejected", "returned"]),
                    "file_ids": [],
                    "created_at": now - timedelta(days=rnd.randint(0, 60)),
                    "updated_at": now,
                }
                for i in range(0, len(villages), 4)
            ],
        )
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "key": f"f{i}",
                    "binding_id": bindings[i],
                    "kind": "reminder",
                    "payload": {"text": "x"},
                    "not_before": now,
                    "attempts": 8,
                    "last_error": "502 Bad Gateway",
                    "failed_at": now - timedelta(hours=i),
                    "created_at": now,
                }
                for i in range(0, 200, 7)
            ],
        )


async def main(rounds: int, url: str | None) -> int:
    folder = Path(tempfile.mkdtemp())
    url = url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await upgrade_async(url)
    now = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)
    settings = Settings(database_url=url, files_dir=folder / "files", _env_file=None)  # type: ignore[call-arg]
    app = build(settings, FixedClock(now))
    t0 = time.perf_counter()
    await populate(app, now)
    print(f"database         {url.split(':')[0]}")
    print(
        f"populated        {COMMUNES} communes × {VILLAGES} villages, {len(PERIODS)} months "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    tz = ZoneInfo(settings.timezone)
    async with app.sessions() as session:
        province = await session.scalar(select(Unit).where(Unit.code == "P"))
        commune = await session.scalar(select(Unit).where(Unit.code == "X042"))
        assert province is not None and commune is not None
        for label, unit in (("province", province), ("commune", commune)):
            await build_digest(session, settings, unit, "2026-11", now)  # warm-up
            times, render = [], []
            for _ in range(rounds):
                start = time.perf_counter()
                digest = await build_digest(session, settings, unit, "2026-11", now)
                times.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                text = render_text(digest, tz)
                render.append((time.perf_counter() - start) * 1000)
            print(
                f"{label:16s} digest median {statistics.median(times):7.1f} ms, "
                f"max {max(times):7.1f} ms; text {statistics.median(render):5.1f} ms "
                f"({len(text)} chars); expected {digest.current.expected}, "
                f"submitted {digest.current.submitted}, missing {len(digest.current.missing)}"
            )
            if label == "province":
                province_ms = statistics.median(times)
    await app.close()
    ok = province_ms < 200
    print(f"result           {'OK' if ok else 'ABOVE TARGET'} (target < 200 ms for the province)")
    return 0 if ok else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    raise SystemExit(asyncio.run(main(args.rounds, args.database_url)))
