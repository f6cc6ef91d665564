"""Wards: a tổ dân phố (unit kind `resident_group`) and its Tổ trưởng tổ dân phố (`group_leader`)
do what a thôn and its head do: tasks addressed to "Tổ trưởng các tổ dân phố" or "các thôn, tổ
dân phố", reminders, the "Gia đình văn hóa" list, nominations of residents and households."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from docx import Document
from sqlalchemy import select

from bot.app import App
from handlers.clock import FixedClock
from storage.access import add_unit
from storage.digest import build_digest
from storage.directives import activate, create_draft
from storage.models import ChatBinding, Member, OutboxMessage, Unit
from storage.reminders import plan
from tests.conftest import START
from tests.factories import World, dialog, make_incoming, options, texts


@pytest.fixture
async def group(app: App, world: World) -> Unit:
    """Tổ dân phố số 1 under the commune, its leader bound to the console chat "group1"."""
    async with app.sessions() as session, session.begin():
        now = app.clock.now()
        unit = await add_unit(
            session, "C1-TDP1", "Tổ dân phố số 1", "resident_group", world.commune, now
        )
        leader = Member(name="Đặng Văn Phố", role="group_leader", unit_id=unit.id, created_at=now)
        session.add(leader)
        await session.flush()
        session.add(
            ChatBinding(member_id=leader.id, channel="console", chat_id="group1", created_at=now)
        )
    return unit


def task(text: str, who: list[str], due: str) -> dict[str, object]:
    deadline = {"text": "hạn", "due": due, "every": None, "month": None, "day": None}
    return {"ref": "1", "text": text, "assignees": who, "deadlines": [deadline]}


async def directive(app: App, world: World, *tasks: dict[str, object]) -> None:
    parsed = {
        "kind": "ke_hoach",
        "number": "30/KH-UBND",
        "issuer": "UBND xã Hòa Bình",
        "issued_on": "2026-11-01",
        "subject": "Tổng vệ sinh cuối năm",
        "recipients": [],
        "tasks": list(tasks),
    }
    async with app.sessions() as session, session.begin():
        draft = await create_draft(session, world.commune, parsed, app.clock.now())
        await activate(session, draft, app.clock.now(), None)


async def test_the_group_leader_sees_the_tasks_addressed_to_residential_groups(
    app: App, world: World, group: Unit
) -> None:
    await directive(
        app,
        world,
        task("Tổng vệ sinh khu phố", ["Tổ trưởng các tổ dân phố"], "2026-11-27"),
        task("Họp dân bình xét cuối năm", ["Trưởng thôn, Tổ trưởng tổ dân phố"], "2026-11-28"),
        task("Sửa đường làng", ["Trưởng thôn các thôn"], "2026-11-29"),
    )
    mine = texts(await app.engine.handle(make_incoming("nhiem vu", "group1")))
    assert "Tổ dân phố số 1" in mine and "Tổng vệ sinh khu phố" in mine
    assert "Họp dân bình xét cuối năm" in mine and "Sửa đường làng" not in mine
    village = texts(await app.engine.handle(make_incoming("nhiem vu", "head1")))
    assert "Tổng vệ sinh khu phố" not in village and "Sửa đường làng" in village
    # reminded like a village head: 7 days before the first one
    async with app.sessions() as session, session.begin():
        at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
        planned = await plan(session, app.settings, at)
    assert any(p.chat == "group1" and p.unit == "C1-TDP1" for p in planned.added)
    async with app.sessions() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert any("Tổng vệ sinh khu phố" in r.payload["text"] for r in rows)


async def test_the_group_leader_nominates_residents_households_and_the_group(
    app: App, world: World, group: Unit
) -> None:
    asked = await app.engine.handle(make_incoming("de xuat", "group1"))
    offered = options(asked)
    assert {"Người dân", "Hộ gia đình", "Thôn, tổ dân phố"} <= set(offered)
    assert not any(o.startswith("Cán bộ") for o in offered) and "Học sinh" not in offered


async def test_the_group_leader_posts_the_household_list_signed_as_group_leader(
    app: App, world: World, group: Unit, clock: FixedClock
) -> None:
    await dialog(
        app.engine,
        "group1",
        [
            ("/giadinhvanhoa", ["Gia đình văn hóa” năm 2026", "họp thôn, tổ dân phố"]),
            ("18/11/2026", "Tổ dân phố số 1 có bao nhiêu hộ"),
            ("210, 160", "mỗi hộ một dòng"),
            ("Trần Văn Phú\nNgô Thị Hòa", "Đã nhận 2 hộ"),
            ("Xong", "Gửi và niêm yết 10 ngày"),
        ],
    )
    posted = await app.engine.handle(make_incoming("Gửi và niêm yết 10 ngày", "group1"))
    notice, minutes = [r.attachment for r in posted.replies if r.attachment is not None]
    cells = "\n".join(c.text for t in Document(str(notice.path)).tables for c in t._cells)
    assert "TỔ TRƯỞNG TỔ DÂN PHỐ" in cells and "TỔ DÂN PHỐ SỐ 1" in cells
    assert "Trưởng thôn" not in cells
    said = "\n".join(p.text for p in Document(str(minutes.path)).paragraphs)
    assert "Chủ trì: Ông (bà) Đặng Văn Phố – Tổ trưởng tổ dân phố" in said
    assert "160/210 hộ" in said
    # staff see it among the lists to decide
    staff = options(await app.engine.handle(make_incoming("/gdvh", "staff")))
    assert any(o.startswith("Tổ dân phố số 1: 2 hộ") for o in staff)


async def test_the_group_leader_files_the_groups_report_and_staff_see_it(
    app: App, world: World, group: Unit
) -> None:
    async with app.sessions() as session:
        before = await build_digest(session, app.settings, world.commune, "2026-11", START)
    assert ("Tổ dân phố số 1", "Đặng Văn Phố") in [(m.name, m.head) for m in before.current.missing]
    await dialog(
        app.engine,
        "group1",
        [
            ("bao cao", ["Báo cáo tháng 11/2026 – Tổ dân phố số 1", "Câu 1/11", "an ninh"]),
            ("Không", "Câu 2/11"),
            ("1", "Câu 3/11"),
            ("0", ["Câu 4/11", "tạm trú"]),
            ("6", "Câu 5/11"),
            ("Tốt", "Câu 6/11"),
            ("2", "Câu 7/11"),
            ("1", "Câu 8/11"),
            ("bo qua", "Câu 9/11"),
            ("bo qua", "Câu 10/11"),
            ("Ra quân dọn vệ sinh khu phố.", "Câu 11/11"),
            ("bo qua", "4. Số người mới đến tạm trú trong tháng (đã khai báo): 6"),
            ("Gửi báo cáo", "Đã gửi báo cáo tháng 11/2026 – Tổ dân phố số 1"),
        ],
    )
    async with app.sessions() as session:
        after = await build_digest(session, app.settings, world.commune, "2026-11", START)
    assert "Tổ dân phố số 1" not in [m.name for m in after.current.missing]
    assert {t.key: t.value for t in after.totals}["tam_tru_moi"] == 6
