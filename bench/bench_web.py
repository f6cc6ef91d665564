"""Staff web page and API times for a province of 100 communes × 20 villages with a year of
reports (the data of bench_digest.py), as a commune's staff and as the province's; the commune
measured is at the end of a school year (200 nominations waiting, a dozen active directives).

Each page is requested through the real ASGI application (FastAPI, Jinja2, the database) with a
signed-in session, as a browser would, without the network. Targets: every page ≤ 300 ms for a
commune, ≤ 1 s for the province (min, median and max printed; the verdict is on medians;
nothing asserted).

Run: .venv/bin/python bench/bench_web.py [--rounds 7] [--database-url URL]
(a PostgreSQL URL must point at an empty database).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from bench_digest import COMMUNES, PERIODS, VILLAGES, populate  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.app import App, build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.web import create_app  # noqa: E402
from handlers.clock import FixedClock  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import Member, Nomination, Report, Unit  # noqa: E402
from storage.webauth import create_link, create_token, redeem_link  # noqa: E402

PAGES = ("/completeness", "/nominations", "/directives", "/downloads")
AWARDS = ("lao_dong_tien_tien", "giay_khen_chu_tich_xa", "nguoi_tot_viec_tot")


async def school_year_end(app: App, code: str) -> None:
    """The issue's busy commune: 200 nominations waiting at the end of a school year and a
    dozen active directives of 5 tasks each for its villages, half of them done; two of the
    province's directives give every commune a task."""
    from storage.directives import activate, create_draft, mark_done, tasks_of
    from storage.nominations import file_nomination

    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        commune = await session.scalar(select(Unit).where(Unit.code == code))
        province = await session.scalar(select(Unit).where(Unit.code == "P"))
        assert commune is not None and province is not None
        heads = (
            await session.scalars(
                select(Member)
                .join(Unit, Unit.id == Member.unit_id)
                .where(Unit.parent_id == commune.id, Member.role == "village_head")
            )
        ).all()
        for i in range(200):
            await file_nomination(session, heads[i % len(heads)], {
                "kind": "individual", "nominee_kind": "nguoi_dan", "nominee": f"Nguyễn Văn {i}",
                "period": "2026", "award": AWARDS[i % 3], "achievement": "Tích cực",
            }, [], now)  # fmt: skip
        for n in range(14):
            issuer = province if n >= 12 else commune
            who = "Chủ tịch UBND các xã" if n >= 12 else "Trưởng thôn các thôn"
            parsed = {
                "kind": "ke_hoach", "number": f"{n + 1}/KH-UBND", "issuer": issuer.name,
                "issued_on": "2026-11-01", "subject": f"kế hoạch số {n + 1}", "recipients": [],
                "tasks": [{
                    "ref": str(t + 1), "text": f"Nhiệm vụ {t + 1} của kế hoạch {n + 1}.",
                    "assignees": [who],
                    "deadlines": [{"text": "trước ngày 25 hằng tháng", "every": "month",
                                   "day": 25}] if t % 2 else
                                 [{"text": "trước ngày 20/12/2026", "due": "2026-12-20"}],
                } for t in range(5)],
            }  # fmt: skip
            draft = await create_draft(session, issuer, parsed, now, "kh.txt", None)
            await activate(session, draft, now, None)
            for task in await tasks_of(session, draft.id):
                for head in heads[::2]:
                    await mark_done(session, task.id, head.unit_id, date(2026, 12, 20),
                                    head.id, now)  # fmt: skip


async def session_cookie(app: App, unit_code: str) -> str:
    """A signed-in session for a staff member of the unit (one is added for the province)."""
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        unit = await session.scalar(select(Unit).where(Unit.code == unit_code))
        assert unit is not None
        member = await session.scalar(
            select(Member).where(Member.unit_id == unit.id, Member.role == "staff")
        )
        if member is None:
            member = Member(name="Cán bộ tỉnh", role="staff", unit_id=unit.id, created_at=now)
            session.add(member)
            await session.flush()
        token = await create_link(session, member, now, 10, None)
        opened = await redeem_link(session, token, now, 12, "vi")
        assert opened is not None
        return opened.token


async def api_token(app: App, unit_code: str) -> str:
    async with app.sessions() as session, session.begin():
        unit = await session.scalar(select(Unit).where(Unit.code == unit_code))
        assert unit is not None
        return (await create_token(session, unit, "bench", app.clock.now()))[1]


async def timed(client: httpx.AsyncClient, path: str, rounds: int, **headers: str) -> list[float]:
    answer = await client.get(path, headers=headers)  # warm-up
    assert answer.status_code == 200, (path, answer.status_code)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        answer = await client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200
    return times


async def main(rounds: int, url: str | None) -> int:
    folder = Path(tempfile.mkdtemp())
    url = url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await upgrade_async(url)
    now = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)
    settings = Settings(database_url=url, files_dir=folder / "files", _env_file=None)  # type: ignore[call-arg]
    settings.api_rate_per_minute = 100_000
    app = build(settings, FixedClock(now))
    t0 = time.perf_counter()
    await populate(app, now)
    await school_year_end(app, "X042")
    print(f"database         {url.split(':')[0]}")
    print(
        f"populated        {COMMUNES} communes × {VILLAGES} villages, {len(PERIODS)} months "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    async with app.sessions() as session:
        report_id = await session.scalar(select(Report.id).limit(1))
        nomination_id = await session.scalar(select(Nomination.id).order_by(Nomination.id.desc()))
    asgi = create_app(app)
    worst: dict[str, float] = {}
    for label, code, target in (("commune", "X042", 300.0), ("province", "P", 1000.0)):
        cookie = await session_cookie(app, code)
        token = await api_token(app, code)
        transport = httpx.ASGITransport(app=asgi)
        async with httpx.AsyncClient(transport=transport, base_url="https://bench") as client:
            client.headers["Cookie"] = f"thidua_session={cookie}"
            paths = [*PAGES, "/nominations?q=nguyen+van+19", f"/nominations?award={AWARDS[2]}"]
            if label == "commune":
                paths.append(f"/nominations/{nomination_id}")
            if label == "province":
                paths.append("/completeness?unit=X042")
                paths.append(f"/reports/{report_id}")
            for path in paths:
                times = await timed(client, path, rounds)
                worst[label] = max(worst.get(label, 0.0), statistics.median(times))
                print(f"{label:9s} page {path:40s} {spread(times)}")
            bearer = {"Authorization": f"Bearer {token}"}
            for path in (
                "/api/v1/completeness?period=2026-11",
                "/api/v1/reports?period=2026-11",
                "/api/v1/nominations",
            ):
                times = await timed(client, path, rounds, **bearer)
                print(f"{label:9s} api  {path:40s} {spread(times)}")
        verdict = "OK" if worst[label] <= target else "ABOVE TARGET"
        slowest = worst[label]
        print(f"{label:9s} slowest page median {slowest:.1f} ms: {verdict} (≤ {target:.0f} ms)")
    await asgi.state.reads.close()
    await app.close()
    shutil.rmtree(folder, ignore_errors=True)
    return 0


def spread(times: list[float]) -> str:
    """min / median / max: on a shared machine the minimum is the page's own cost."""
    low, mid, high = min(times), statistics.median(times), max(times)
    return f"min {low:7.1f}  median {mid:7.1f}  max {high:7.1f} ms"


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    raise SystemExit(asyncio.run(main(args.rounds, args.database_url)))
