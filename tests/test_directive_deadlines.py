"""Directive deadlines from the moment of activation: a recurring deadline starts at its first
occurrence after activation, a one-off date already past is shown to staff as past and never
chased, and reminders name the document by its number and subject (never an internal id)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.app import App
from handlers.clock import FixedClock
from storage.models import Directive, DirectiveTask, OutboxMessage, TaskTarget
from storage.reminders import plan
from tests.factories import World, dialog
from tests.factories import texts as texts_of
from tests.test_directive_intake import doc
from tests.test_dispatcher import local


async def planned_texts(app: App, at: object) -> dict[str, list[str]]:
    """Plans at `at` and returns the texts added, by chat."""
    async with app.sessions() as session, session.begin():
        result = await plan(session, app.settings, at)  # type: ignore[arg-type]
        found: dict[str, list[str]] = {}
        for row in result.added:
            stored = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == row.key))
            assert stored is not None
            found.setdefault(row.chat, []).append(stored.payload["text"])
    return found


async def test_a_one_off_date_already_past_is_flagged_in_the_summary(
    app: App, world: World
) -> None:
    app.clock.set(local(2026, 12, 1, 9, 0))  # type: ignore[attr-defined]
    await dialog(
        app.engine,
        "staff",
        [
            (
                doc(),
                [
                    "hạn 20/11/2026 đã qua",
                    "Có hạn đã qua trước khi kích hoạt",
                    "15/12/2026",  # still to come: not flagged
                    "Sửa hạn",
                ],
            ),
            ("/lang en", ""),
            ("/napvanban", ""),
            (doc(43), ["the deadline 20/11/2026 has passed", "will not remind anyone"]),
        ],
    )


async def test_activation_pushes_nothing_overdue_and_monthly_starts_next_time(
    app: App, world: World
) -> None:
    clock: FixedClock = app.clock  # type: ignore[assignment]
    clock.set(local(2026, 11, 25, 9, 0))  # the day the monthly report of task 4 falls due
    await dialog(
        app.engine,
        "staff",
        [
            (doc(), "hạn 20/11/2026 đã qua"),
            ("Kích hoạt", "Vẫn kích hoạt"),
            ("Vẫn kích hoạt", "Đã kích hoạt"),
        ],
    )
    # nor is it listed as overdue to the school: it was past before the plan reached them
    listing = texts_of(await dialog(app.engine, "principal", [("/nhiemvu", "")]))
    assert "trồng cây" not in listing and "Quá hạn" not in listing
    for at in (
        local(2026, 11, 25, 9, 5),
        local(2026, 11, 26, 8, 0),
        local(2026, 11, 27, 8, 0),
        local(2026, 12, 2, 8, 0),
    ):
        texts = await planned_texts(app, at)
        tasks = [t for chat in texts.values() for t in chat if "42/KH-UBND" in t]
        # 15/12 (7 days before: 8 December) and 25/12 are the only occurrences owed
        assert tasks == [], (at, tasks)
    # the monthly task's first occurrence is 25 December: 7 days before, the village heads
    texts = await planned_texts(app, local(2026, 12, 18, 8, 0))
    [head1] = [t for t in texts["head1"] if "tiến độ" in t]
    assert "Kế hoạch số 42/KH-UBND về Tổ chức phong trào thi đua" in head1
    assert "25/12/2026" in head1 and "#" not in head1


async def test_a_document_without_number_is_named_by_date_and_subject(
    app: App, world: World
) -> None:
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        directive = Directive(
            unit_id=world.commune.id,
            status="active",
            kind="cong_van",
            number=None,
            issuer="UBND xã Hòa Bình",
            issued_on=date(2026, 11, 12),
            subject="Tổng vệ sinh môi trường đón Tết",
            parsed={},
            created_at=now,
            activated_at=now,
        )
        session.add(directive)
        await session.flush()
        task = DirectiveTask(
            directive_id=directive.id,
            ref="1",
            text="Ra quân tổng vệ sinh",
            assignees=["Trưởng thôn các thôn"],
            deadlines=[{"text": "trước 30/11/2026", "due": "2026-11-30", "every": None}],
        )
        session.add(task)
        await session.flush()
        session.add(TaskTarget(task_id=task.id, unit_id=world.villages[0].id, role="village_head"))
        head1 = world.members["head1"]
        await session.merge(head1)
    texts = await planned_texts(app, local(2026, 11, 27, 8, 0))
    [text] = texts["head1"]
    assert "văn bản không số ngày 12/11/2026 về Tổng vệ sinh môi trường đón Tết" in text
    await dialog(
        app.engine,
        "head1",
        [("/nhiemvu", "văn bản không số ngày 12/11/2026 về Tổng vệ sinh"), ("/lang en", "")],
    )
    await dialog(app.engine, "head1", [("/tasks", "the unnumbered document of 12/11/2026 on")])
