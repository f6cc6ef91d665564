"""`/nhiemvu`: a unit's open tasks, nearest deadline first; marking one done hides it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import App
from storage.directives import activate, archive, create_draft, owed_occurrences
from storage.models import Directive, DirectiveTask, TaskCompletion
from tests.factories import World, dialog, texts

# The clock stands at 2026-11-10 (Hanoi).


def deadline(
    due: str | None = None, every: str | None = None, day: int | None = None
) -> dict[str, Any]:
    return {"text": "hạn", "due": due, "every": every, "month": None, "day": day}


def parsed(number: str, tasks: list[tuple[str, list[str], list[dict[str, Any]]]]) -> dict[str, Any]:
    return {
        "kind": "ke_hoach",
        "number": number,
        "issuer": "UBND xã Hòa Bình",
        "issued_on": "2026-11-01",
        "subject": "Thử nghiệm",
        "recipients": [],
        "tasks": [
            {"ref": str(n), "text": text, "assignees": who, "deadlines": when}
            for n, (text, who, when) in enumerate(tasks, 1)
        ],
    }


VILLAGES = ["Trưởng thôn các thôn"]
SCHOOLS = ["Hiệu trưởng các trường"]


async def load(
    app: App,
    world: World,
    number: str,
    tasks: Any,
    status: str = "active",
    activated: datetime | None = None,
) -> int:
    async with app.sessions() as session, session.begin():
        now = app.clock.now()
        draft = await create_draft(session, world.commune, parsed(number, tasks), now)
        if status != "draft":
            await activate(session, draft, activated or now, None)
        if status == "archived":
            await archive(session, draft, now, None)
        return draft.id


async def world_with_tasks(app: App, world: World) -> None:
    await load(
        app,
        world,
        "10/KH-UBND",
        [
            ("Dọn vệ sinh đường làng", VILLAGES, [deadline("2026-12-15")]),
            ("Báo cáo tiến độ phong trào", VILLAGES, [deadline(every="month", day=25)]),
            ("Nộp danh sách hộ gia đình văn hóa", VILLAGES, [deadline("2026-11-05")]),
            ("Tuyên truyền trên loa truyền thanh", VILLAGES, []),
            ("Trồng cây xanh trong trường", SCHOOLS, [deadline("2026-11-20")]),
        ],
        activated=datetime(2026, 11, 2, 2, 0, tzinfo=UTC),  # the 5 November date was ahead
    )


def order(outcome_text: str, *fragments: str) -> list[int]:
    return [outcome_text.index(f) for f in fragments]


async def test_open_tasks_nearest_first(app: App, world: World) -> None:
    await world_with_tasks(app, world)
    outcome = await dialog(
        app.engine,
        "head1",
        [
            (
                "/nhiemvu",
                [
                    "Nhiệm vụ của Thôn Đông",
                    "Quá hạn 15 ngày (05/11/2026)",
                    "Hạn 25/11/2026, còn 5 ngày",
                    "Không có hạn",
                    "Kế hoạch số 10/KH-UBND về Thử nghiệm",
                ],
            )
        ],
    )
    said = texts(outcome)
    positions = order(said, "Nộp danh sách", "Báo cáo tiến độ", "Dọn vệ sinh", "Tuyên truyền")
    assert positions == sorted(positions)
    assert "Trồng cây" not in said
    assert outcome.awaiting == "choice"


async def test_marking_done_hides_it_and_a_monthly_task_moves_on(app: App, world: World) -> None:
    await world_with_tasks(app, world)
    await dialog(
        app.engine,
        "head1",
        [
            ("nhiem vu", "Nộp danh sách"),
            ("1", ["Xác nhận đã hoàn thành: Nộp danh sách", "05/11/2026"]),
            ("Đúng, đã xong", ["Đã ghi nhận hoàn thành", "Báo cáo tiến độ"]),
        ],
    )
    outcome = await dialog(
        app.engine,
        "head1",
        [
            ("/nhiemvu", lambda o: "Nộp danh sách" not in texts(o)),
            ("1", "Báo cáo tiến độ"),
            ("Chưa", "Hạn 25/11/2026"),
            ("1", "Báo cáo tiến độ"),
            ("1", "Đã ghi nhận hoàn thành (hạn 25/11/2026)"),
        ],
    )
    said = texts(outcome)
    assert "Hạn 25/12/2026" in said
    assert order(said, "Dọn vệ sinh", "Báo cáo tiến độ") == sorted(
        order(said, "Dọn vệ sinh", "Báo cáo tiến độ")
    )
    async with app.sessions() as session:
        done = (await session.scalars(select(TaskCompletion))).all()
        assert {(c.unit_id, str(c.due_on)) for c in done} == {
            (world.villages[0].id, "2026-11-05"),
            (world.villages[0].id, "2026-11-25"),
        }
    # another village still owes them
    await dialog(app.engine, "head2", [("/nhiemvu", ["Nộp danh sách", "Hạn 25/11/2026"])])


async def test_a_task_without_deadline_is_done_once(app: App, world: World) -> None:
    await load(app, world, "11/KH-UBND", [("Tuyên truyền", VILLAGES, [])])
    await dialog(
        app.engine,
        "head3",
        [
            ("/nhiemvu", "Không có hạn"),
            ("1", "Tuyên truyền"),
            ("1", ["Đã ghi nhận", "không có nhiệm vụ nào"]),
            ("/nhiemvu", "không có nhiệm vụ nào"),
        ],
    )


async def test_only_own_unit_and_active_directives(app: App, world: World) -> None:
    await world_with_tasks(app, world)
    await load(app, world, "12/KH-UBND", [("Việc bản nháp", VILLAGES, [])], status="draft")
    await load(app, world, "13/KH-UBND", [("Việc đã lưu trữ", VILLAGES, [])], status="archived")
    outcome = await dialog(app.engine, "principal", [("/nhiemvu", "Trồng cây xanh")])
    assert "Dọn vệ sinh" not in texts(outcome)
    outcome = await dialog(app.engine, "head1", [("/nhiemvu", "Dọn vệ sinh")])
    assert "bản nháp" not in texts(outcome) and "lưu trữ" not in texts(outcome)
    await dialog(app.engine, "outsider", [("/nhiemvu", "không có nhiệm vụ nào")])


async def test_a_stale_choice_changes_nothing(app: App, world: World) -> None:
    await world_with_tasks(app, world)
    await dialog(
        app.engine, "head1", [("/nhiemvu", "Nộp danh sách"), ("xin chào", "chọn một việc")]
    )
    async with app.sessions() as session:
        directive = (await session.scalars(select(Directive))).one()
        await archive(session, directive, app.clock.now(), None)
        await session.commit()
    await dialog(app.engine, "head1", [("1", ["không còn", "không có nhiệm vụ nào"])])
    async with app.sessions() as session:
        assert (await session.scalars(select(TaskCompletion))).all() == []


async def test_village_heads_may_not_load_but_see_tasks(app: App, world: World) -> None:
    await world_with_tasks(app, world)
    await dialog(
        app.engine,
        "head1",
        [("/napvanban", "vai trò"), ("/tasks", "Dọn vệ sinh"), ("/huy", "Đã hủy")],
    )


async def test_a_bare_yearly_task_is_open_without_a_day_and_never_reminded(
    app: App, world: World
) -> None:
    yearly = {"text": "hằng năm", "due": None, "every": "year", "month": None, "day": None}
    await load(app, world, "12/KH-UBND", [("Tổng kết phong trào", VILLAGES, [yearly])])
    await dialog(app.engine, "head1", [("/nhiemvu", ["Tổng kết phong trào", "Không có hạn"])])
    async with app.sessions() as session:
        task = (await session.scalars(select(DirectiveTask))).one()
        directive = await session.get_one(Directive, task.directive_id)
        tz = ZoneInfo("Asia/Ho_Chi_Minh")
        assert owed_occurrences(directive, task, date(2026, 1, 1), date(2028, 12, 31), tz) == []


async def test_reporting_duties_are_followed_and_partners_owe_nothing(
    app: App, world: World
) -> None:
    monthly = {"text": "trước ngày 25 hằng tháng", "due": None, "every": "month", "day": 25}
    doc = parsed(
        "13/KH-UBND",
        [("Dọn vệ sinh", [*VILLAGES, {"name": "Hiệu trưởng các trường", "role": "phoi_hop"}], [])],
    )
    doc["reporting"] = [
        {
            "text": "Các thôn báo cáo trước ngày 25 hằng tháng",
            "assignees": VILLAGES,
            "deadlines": [monthly],
        },
    ]
    async with app.sessions() as session, session.begin():
        draft = await create_draft(session, world.commune, doc, app.clock.now())
        await activate(session, draft, app.clock.now(), None)
    async with app.sessions() as session:
        tasks = (await session.scalars(select(DirectiveTask).order_by(DirectiveTask.id))).all()
        assert [(t.ref, t.assignees) for t in tasks] == [
            ("1", ["Trưởng thôn các thôn"]),
            ("BC1", ["Trưởng thôn các thôn"]),
        ]
    await dialog(app.engine, "head1", [("/nhiemvu", ["Các thôn báo cáo", "Hạn 25/11/2026"])])
    await dialog(app.engine, "principal", [("/nhiemvu", lambda o: "Dọn vệ sinh" not in texts(o))])
