"""A commune's month, replayed hour by hour from 10 November to 25 December 2026.

Xã Hòa Bình has ten villages, two schools and a staff member; the units were set up on
1 November. Village heads file November's report on different days, some late, some never;
one leaves the report half done for a task and comes back; on 18 November staff activate a plan
with a monthly task (before the 20th), a one-off task for the schools (before 5 December) and a
task whose date had already passed (15 November). Every hour the scheduler plans and the
dispatcher sends. Then we check what a commune would: nobody was reminded of what they had filed
or finished, nobody at night, everybody who owed something at each step exactly once, late
reports accepted and marked late, the digest's figures equal to the stored answers, nothing
overdue at activation.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from statistics import mean

import pytest
from sqlalchemy import select

from bot.app import App
from bot.dispatcher import Dispatcher
from handlers.clock import FixedClock
from storage.access import add_unit
from storage.digest import build_digest
from storage.models import ChatBinding, Member, OutboxMessage, Report, Unit
from storage.reminders import plan
from tests.factories import dialog, texts
from tests.test_dispatcher import TZ, FakeSender, VirtualTime, local

VILLAGES = [f"T{n:02d}" for n in range(1, 11)]
SCHOOLS = ["TH1", "TH2"]
SET_UP = local(2026, 11, 1, 8, 0)
START, END = local(2026, 11, 10, 8, 0), local(2026, 12, 25, 0, 0)
ACTIVATED = local(2026, 11, 18, 10, 0)
PLAN = """ỦY BAN NHÂN DÂN
XÃ HÒA BÌNH

Số: 42/KH-UBND

Hòa Bình, ngày 16 tháng 11 năm 2026

KẾ HOẠCH
Phát động phong trào thi đua "Xây dựng thôn sạch đẹp" năm 2026

1. Trưởng thôn các thôn báo cáo kết quả ra quân vệ sinh môi trường về Ủy ban nhân dân xã \
trước ngày 20 hằng tháng.

2. Hiệu trưởng các trường học gửi danh sách học sinh tiêu biểu về Ủy ban nhân dân xã trước \
ngày 05/12/2026.

3. Trưởng thôn các thôn nộp danh sách hộ đăng ký gia đình văn hóa trước ngày 15/11/2026.

Nơi nhận:
- Các thôn, các trường;
- Lưu: VT.

KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Nguyễn Văn Bình
"""


def village_answers(n: int) -> list[str]:
    """Incident? (and what, after "co"), mediations, breaches, hygiene, poor households helped,
    houses replaced, good deeds, (skip), (skip), next month's plan, (skip the photo)."""
    incident = ["co", f"Mất trộm ở xóm {n}, đã báo Công an xã."] if n % 3 == 0 else ["khong"]
    return [*incident, f"{n % 4}", f"{n % 3}", "Tốt", f"{100 + n}", f"{n % 2}", f"{n % 5}",
            "bo qua", "bo qua", "Tổng vệ sinh cuối năm.", "bo qua"]  # fmt: skip


def school_answers(n: int) -> list[str]:
    """Pupils, drop-outs, attendance (%), model lessons, no incident (twice), (skip) × 4, plan."""
    return [f"1.{n}00", "0", f"9{n},5", f"{n}", "khong", "khong", "bo qua", "bo qua", "bo qua",
            "bo qua", "Ôn tập học kỳ I."]  # fmt: skip


class Commune:
    """The commune, its people, and the hourly loop of scheduler and dispatcher."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.clock: FixedClock = app.clock  # type: ignore[assignment]
        self.sender = FakeSender(self.clock, VirtualTime())
        self.dispatcher = Dispatcher(
            app.sessions, app.settings, app.clock, {"console": self.sender}, "replay",
            self.sender.time.pacer(),
        )  # fmt: skip
        self.units: dict[str, int] = {}
        self.filed: dict[tuple[str, str], datetime] = {}  # (chat, period) → when
        self.done: dict[tuple[str, str], datetime] = {}  # (chat, task text) → when

    async def set_up(self) -> None:
        async with self.app.sessions() as session, session.begin():
            commune = await add_unit(session, "C9", "Xã Hòa Bình", "commune", None, SET_UP)
            people = [("staff", "Nguyễn Thị Hoa", "staff", commune)]
            for n, code in enumerate(VILLAGES, 1):
                unit = await add_unit(
                    session, f"C9-{code}", f"Thôn {n}", "village", commune, SET_UP
                )
                people.append((code, f"Trưởng thôn {n}", "village_head", unit))
            for n, code in enumerate(SCHOOLS, 1):
                unit = await add_unit(
                    session, f"C9-{code}", f"Trường {n}", "school", commune, SET_UP
                )
                people.append((code, f"Hiệu trưởng {n}", "principal", unit))
            for chat, name, role, unit in people:
                member = Member(name=name, role=role, unit_id=unit.id, created_at=SET_UP)
                session.add(member)
                await session.flush()
                session.add(ChatBinding(member_id=member.id, channel="console", chat_id=chat,
                                        created_at=SET_UP))  # fmt: skip
                self.units[chat] = unit.id

    async def hour(self) -> None:
        async with self.app.sessions() as session, session.begin():
            await plan(session, self.app.settings, self.clock.now())
        await self.dispatcher.run_until_idle()

    async def until(self, at: datetime) -> None:
        while self.clock.now() < at:
            await self.hour()
            self.clock.set(self.clock.now() + timedelta(hours=1))
        self.clock.set(at)

    async def say(self, chat: str, *lines: str) -> str:
        outcome = await dialog(self.app.engine, chat, [(line, "") for line in lines])
        return texts(outcome)

    async def open_report(self, chat: str) -> str:
        """Opens the report and says how each open task stands (in progress, with a note: the
        tasks are marked done from /nhiemvu here); returns what the bot said first."""
        said = first = await self.say(chat, "bao cao")
        while "Việc " in said:
            said = await self.say(chat, "đang làm, còn một xóm")
        return first

    async def file(self, chat: str, period: str, answers: list[str], opens: str) -> None:
        """Files the report the bot opens first, checking it is `period`'s."""
        said = await self.open_report(chat)
        assert opens in said, said
        await self.say(chat, *answers)
        assert "Đã" in await self.say(chat, "1")
        self.filed[(chat, period)] = self.clock.now()

    async def finish_task(self, chat: str, task: str) -> None:
        """Marks the task whose text contains `task` done, from /nhiemvu."""
        listing = await self.say(chat, "nhiem vu")
        number = next(line.split(".", 1)[0] for line in listing.splitlines() if task in line)
        said = await self.say(chat, number, "Đúng, đã xong")
        assert "Đã ghi nhận hoàn thành" in said, said
        self.done[(chat, task)] = self.clock.now()

    async def sent_rows(self) -> list[OutboxMessage]:
        async with self.app.sessions() as session:
            rows = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.sent_at.isnot(None))
            )
            return list(rows.all())


@pytest.mark.slow
async def test_a_commune_month_replayed_hour_by_hour(app: App) -> None:
    app.clock.set(START)  # type: ignore[attr-defined]
    commune = Commune(app)
    await commune.set_up()
    nov = "tháng 11/2026"

    # 16–17 November: the first villages file as soon as the report opens (15th).
    await commune.until(local(2026, 11, 16, 9, 0))
    await commune.file("T01", "2026-11", village_answers(1), nov)
    await commune.until(local(2026, 11, 17, 10, 0))
    await commune.file("T02", "2026-11", village_answers(2), nov)

    # 18 November, 10:00: staff load the plan; one date in it has already passed.
    await commune.until(ACTIVATED)
    said = await commune.say("staff", PLAN)
    assert "hạn 15/11/2026 đã qua" in said and "Kích hoạt" in said
    assert "Đã kích hoạt" in await commune.say("staff", "Kích hoạt")
    await commune.until(local(2026, 11, 18, 14, 0))
    await commune.file("T03", "2026-11", village_answers(3), nov)
    await commune.file("TH1", "2026-11", school_answers(1), nov)

    # 19 November: five villages report the monthly task done before the 20th.
    await commune.until(local(2026, 11, 19, 9, 0))
    for chat in VILLAGES[:5]:
        await commune.finish_task(chat, "vệ sinh môi trường")
    await commune.until(local(2026, 11, 20, 20, 0))
    await commune.file("T04", "2026-11", village_answers(4), nov)

    # 22 November: Thôn 8 starts, is called away to a task, keeps the draft, ends it next day.
    await commune.until(local(2026, 11, 22, 8, 0))
    await commune.open_report("T08")
    await commune.say("T08", *village_answers(8)[:3])
    assert "đang làm dở báo cáo tháng 11/2026 (4/12 câu)" in await commune.say("T08", "nhiem vu")
    assert "Đã lưu bản nháp" in await commune.say("T08", "Để sau")
    await commune.until(local(2026, 11, 23, 9, 0))
    assert "Câu 5/12" in await commune.say("T08", "/tieptuc")
    await commune.say("T08", *village_answers(8)[3:])
    assert "đúng hạn" in await commune.say("T08", "1")
    commune.filed[("T08", "2026-11")] = commune.clock.now()

    # 24 November, evening: Thôn 5 files on the last day but one; the 25th is the due day.
    await commune.until(local(2026, 11, 24, 19, 0))
    await commune.file("T05", "2026-11", village_answers(5), nov)

    # 28 November and 3 December: two villages file late; the bot accepts and marks it.
    await commune.until(local(2026, 11, 28, 10, 0))
    await commune.file("T06", "2026-11", village_answers(6), nov)
    await commune.until(local(2026, 12, 1, 9, 0))
    await commune.finish_task("TH1", "học sinh tiêu biểu")
    await commune.until(local(2026, 12, 3, 9, 0))
    await commune.file("T07", "2026-11", village_answers(7), "Báo cáo tháng 11/2026 – Thôn 7")

    # 16–20 December: December's report (open from the 15th); Thôn 9, 10 and Trường 2 never.
    await commune.until(local(2026, 12, 16, 9, 0))
    for n, chat in enumerate(VILLAGES[:5], 1):
        await commune.file(chat, "2026-12", village_answers(n), "tháng 12/2026")
        await commune.until(commune.clock.now() + timedelta(days=1))
    await commune.until(END)

    rows = await commune.sent_rows()
    sent = commune.sender.sent
    chat_of = {b.id: b.chat_id for b in await _bindings(app)}

    # Nobody is reminded at night.
    assert sent and all(7 <= s.at.astimezone(TZ).hour < 21 for s in sent)

    # Every owed person is reminded once at each stage of November's report; nobody after filing.
    stages = {
        "d7": local(2026, 11, 18, 7, 30),
        "d3": local(2026, 11, 22, 7, 30),
        "d1": local(2026, 11, 24, 7, 30),
        "due": local(2026, 11, 25, 7, 30),
        "overdue": local(2026, 11, 26, 7, 30),
    }
    reminded = Counter(
        (chat_of[r.binding_id], r.key.split(":")[4])
        for r in rows
        if r.key.startswith("remind:report:") and r.key.split(":")[3] == "2026-11"
    )
    for chat in VILLAGES + SCHOOLS:
        filed = commune.filed.get((chat, "2026-11"))
        for stage, starts in stages.items():
            owed = filed is None or filed > starts
            assert reminded[(chat, stage)] == (1 if owed else 0), (chat, stage, filed)
    for row in rows:
        if row.key.startswith("remind:report:"):
            period = row.key.split(":")[3]
            filed = commune.filed.get((chat_of[row.binding_id], period))
            assert filed is None or row.sent_at is None or row.sent_at < filed, row.key

    # Staff are told once, on the 27th, which five units are still missing, with their heads.
    [escalation] = [
        r for r in rows if r.key.startswith("escalate:report:") and ":2026-11:" in r.key
    ]
    text = escalation.payload["text"]
    assert "còn 5 đơn vị chưa gửi" in text
    for name in ("Thôn 6 — Trưởng thôn 6", "Thôn 7", "Thôn 9", "Thôn 10", "Trường 2"):
        assert name in text
    assert escalation.sent_at is not None
    assert (
        escalation.sent_at.astimezone(TZ).date() == local(2026, 11, 27, 9, 0).astimezone(TZ).date()
    )

    # Nothing is overdue at activation; the past date is never chased; the first monthly
    # occurrence after activation is the 20th, and who finished it hears no more of it.
    tasks = [r for r in rows if ":task:" in r.key]
    assert tasks
    assert not any(r.key.split(":")[-2] in ("overdue",) and r.sent_at is not None
                   and r.sent_at < ACTIVATED + timedelta(days=1) for r in tasks)  # fmt: skip
    assert not any("2026-11-15" in r.key for r in tasks)
    assert not any("15/11/2026" in s.text for s in sent)
    first_monthly = {r.key.split(":")[4] for r in tasks if r.key.startswith("remind:task:")}
    assert "2026-11-20" in first_monthly and min(first_monthly) >= "2026-11-20"
    for (chat, task), when in commune.done.items():
        for s in sent:
            if s.chat == chat and task in s.text and s.at > when:
                assert "12/2026" in s.text, (chat, s.text)  # only the next occurrence
    for s in sent:
        assert "#" not in s.text.split("\n")[0], s.text

    # Late reports are accepted and marked late; the rest on time.
    async with app.sessions() as session:
        stored = (
            (
                await session.execute(
                    select(
                        Unit.code, Report.period, Report.status, Report.answers, Report.unit_id
                    ).join(Unit, Unit.id == Report.unit_id)
                )
            )
            .tuples()
            .all()
        )
    status = {(code.split("-")[1], period): s for code, period, s, _a, _u in stored}
    assert status[("T06", "2026-11")] == "late" and status[("T07", "2026-11")] == "late"
    assert all(status[(c, "2026-11")] == "on_time" for c in ("T01", "T02", "T05", "T08", "TH1"))
    assert ("T09", "2026-11") not in status and ("TH2", "2026-11") not in status

    # The digest's figures are the sum, mean or count of the stored answers.
    async with app.sessions() as session:
        root = await session.scalar(select(Unit).where(Unit.code == "C9"))
        assert root is not None
        digest = await build_digest(session, app.settings, root, "2026-11", END)
    november = [a for code, period, _s, a, _u in stored if period == "2026-11"]
    villages = [a for a in november if "ho_ngheo_ho_tro" in a]
    schools = [a for a in november if "ty_le_chuyen_can" in a]
    totals = {t.key: t for t in digest.totals}
    assert totals["ho_ngheo_ho_tro"].value == sum(a["ho_ngheo_ho_tro"] for a in villages)
    assert totals["ho_ngheo_ho_tro"].reports == len(villages) == 8
    assert totals["an_ninh_trat_tu"].value == sum(a["an_ninh_trat_tu"] for a in villages)
    assert totals["ty_le_chuyen_can"].how == "mean"
    assert totals["ty_le_chuyen_can"].value == mean(a["ty_le_chuyen_can"] for a in schools) == 91.5
    assert totals["si_so"].value == 1100
    # what a village said after "Có" is in the digest; nothing for a question never asked
    incidents = [a for a in villages if a["an_ninh_trat_tu"]]
    assert len(digest.details) == len(incidents) >= 1
    assert all("an_ninh_chi_tiet" not in a for a in villages if not a["an_ninh_trat_tu"])
    assert (digest.current.expected, digest.current.submitted, digest.current.late) == (12, 9, 2)


async def _bindings(app: App) -> list[ChatBinding]:
    async with app.sessions() as session:
        return list((await session.scalars(select(ChatBinding))).all())
