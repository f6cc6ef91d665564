"""A commune's plan as communes write it, through the intake dialog: a header scraped from a PDF
(words broken over lines), "Các thôn: …" owing a task and its report, a civil servant named in
lower case after "Giao", "Mặt trận … và các đoàn thể xã", a body that only "phối hợp". The names
the parser reads resolve to our units: the village heads, the commune's staff, its mass
organisations, its school; what resolves to nobody is flagged before activation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from storage.access import add_unit
from storage.directives import Resolver
from storage.models import Directive, DirectiveTask, TaskTarget
from tests.factories import World, dialog, texts

PLAN = """ỦY
BAN NHÂN DÂN
XÃ HÒA BÌNH
-------
|
CỘNG
HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
|
Số:
57/KH-UBND
|
Hòa
Bình, ngày 20 tháng 11 năm 2026

KẾ HOẠCH
Tổ chức hội diễn văn nghệ mừng Đảng, mừng Xuân năm 2027

TỔ CHỨC THỰC HIỆN
1. Các thôn: đăng ký tiết mục trước ngày 10/12/2026; báo cáo kết quả tập luyện về UBND xã \
chậm nhất ngày 20/12/2026.
2. Giao công chức văn hóa xã chủ trì tổ chức hội diễn, hoàn thành trước ngày 15/01/2027.
3. Đề nghị Mặt trận Tổ quốc và các đoàn thể xã vận động đoàn viên, hội viên tham gia.
4. Trạm Y tế xã phối hợp bảo đảm y tế trong thời gian hội diễn.
5. Các trường trên địa bàn xã chọn tiết mục của học sinh, gửi về UBND xã trước ngày 05/12/2026.

Nơi nhận:
- Các thôn;
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH

Nguyễn Văn Bình
"""


async def _targets(app: App) -> dict[str, set[tuple[int, str]]]:
    async with app.sessions() as session:
        [directive] = (await session.scalars(select(Directive))).all()
        tasks = (
            await session.scalars(
                select(DirectiveTask)
                .where(DirectiveTask.directive_id == directive.id)
                .order_by(DirectiveTask.id)
            )
        ).all()
        out: dict[str, set[tuple[int, str]]] = {}
        for task in tasks:
            rows = await session.scalars(select(TaskTarget).where(TaskTarget.task_id == task.id))
            out[task.ref] = {(t.unit_id, t.role) for t in rows}
        return out


async def test_commune_plan_reaches_villages_staff_organisations_and_school(
    app: App, world: World
) -> None:
    async with app.sessions() as session, session.begin():
        women = await add_unit(
            session, "C1-PN", "Hội Liên hiệp Phụ nữ xã", "agency", world.commune, app.clock.now()
        )
    outcome = await dialog(
        app.engine,
        "staff",
        [(PLAN, ["57/KH-UBND", "20/11/2026", "UBND xã Hòa Bình", "5 nhiệm vụ", "Kích hoạt"])],
    )
    summary = texts(outcome)
    assert "Trưởng thôn (3 đơn vị)" in summary
    assert "Trạm Y tế xã" in summary and "chưa rõ nơi nhận" in summary
    outcome = await dialog(app.engine, "staff", [("Kích hoạt", "Vẫn kích hoạt")])
    await dialog(app.engine, "staff", [("Vẫn kích hoạt", "Đã kích hoạt")])

    villages = {(v.id, "village_head") for v in world.villages}
    targets = await _targets(app)
    assert targets == {
        "1": villages,  # the villages' report date is this task's second deadline
        "2": {(world.commune.id, "staff")},
        "3": {(women.id, "staff")},
        "4": set(),  # nobody of ours: flagged above, staff may give it
        "5": {(world.school.id, "principal")},
    }

    # a village head sees both, the school its own
    await dialog(app.engine, "head1", [("/nhiemvu", ["đăng ký tiết mục", "báo cáo kết quả"])])
    await dialog(app.engine, "principal", [("/nhiemvu", "chọn tiết mục")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Các thôn", "villages"),
        ("các xóm", "villages"),
        ("Trưởng các buôn", "villages"),
        ("các đoàn thể xã", "organisations"),
        ("Các ban, ngành, đoàn thể xã", "organisations"),
        ("các tổ chức chính trị - xã hội xã", "organisations"),
        ("công chức văn hóa xã", "own staff"),
        ("Các trường trên địa bàn xã", "school"),
        ("Trạm Y tế xã", "nobody"),
    ],
)
async def test_names_the_parser_reads_resolve_to_our_units(
    app: App, world: World, text: str, expected: str
) -> None:
    async with app.sessions() as session, session.begin():
        women = await add_unit(
            session, "C1-PN", "Hội Liên hiệp Phụ nữ xã", "agency", world.commune, app.clock.now()
        )
        resolver = await Resolver.load(session, world.commune)
        found = {(t.unit_id, t.role) for t in resolver.resolve(text).targets}
    assert found == {
        "villages": {(v.id, "village_head") for v in world.villages},
        "organisations": {(women.id, "staff")},
        "own staff": {(world.commune.id, "staff")},
        "school": {(world.school.id, "principal")},
        "nobody": set(),
    }[expected]
