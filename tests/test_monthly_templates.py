"""The shipped monthly templates a commune recognises (village, tổ dân phố, school): monthly
things only, ending as every real report does; progress on the unit's open tasks asked one by one
(a task answered done is marked done, so its reminders stop); details of an incident asked only
after "Có", and dropped when the answer changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from bot.app import App
from storage.models import Report, TaskCompletion, Unit
from storage.reminders import plan
from storage.templates import TemplateError, default_specs, parse_templates
from tests.factories import VILLAGE_ANSWERS, World, dialog, make_incoming, texts
from tests.test_tasks import VILLAGES, deadline, load


def test_the_templates_ask_monthly_things_and_end_as_a_real_report_does() -> None:
    specs = default_specs()
    assert set(specs) == {"village", "resident_group", "school"}
    for spec in specs.values():
        keys = [i["key"] for i in spec.indicators]
        assert {"kho_khan", "kien_nghi", "phuong_huong"} <= set(keys)
        assert keys[-1] in ("phuong_huong", "anh_minh_chung")
        # yearly titles and the commune's criteria are not monthly questions
        assert not {"gia_dinh_van_hoa", "tieu_chi_nong_thon_moi", "day_tot_hoc_tot"} & set(keys)
        assert spec.indicators[0]["type"] == "tasks"
        for item in spec.indicators:
            if item["type"] in ("integer", "percentage", "yes_no"):
                assert item["aggregate"] != "none", item["key"]
    village = {i["key"]: i for i in specs["village"].indicators}
    assert village["an_ninh_chi_tiet"]["when"] == {"an_ninh_trat_tu": True}
    assert {"hoa_giai_thanh", "vi_pham_huong_uoc", "ho_ngheo_ho_tro", "xoa_nha_tam"} <= set(village)
    school = {i["key"]: i for i in specs["school"].indicators}
    assert {"si_so", "bo_hoc", "tiet_day_mau", "an_toan_thuc_pham"} <= set(school)
    assert specs["school"].schedule.reported("2026-07") is False


@pytest.mark.parametrize(
    ("when", "why"),
    [
        ("{later: true}", "not an earlier indicator"),
        ("{count: 3}", "yes/no"),
        ("{incident: maybe}", "yes/no"),
        ("[incident]", "must map"),
    ],
)
def test_a_condition_must_name_an_earlier_yes_no_or_choice(when: str, why: str) -> None:
    text = f"""
unit_kind: village
indicators:
  - {{key: count, type: integer, label_vi: Số}}
  - {{key: incident, type: yes_no, label_vi: Có không}}
  - {{key: details, type: text, label_vi: Chi tiết, when: {when}}}
  - {{key: later, type: yes_no, label_vi: Sau}}
"""
    with pytest.raises(TemplateError, match=why):
        parse_templates(text)


# Without open tasks the village template asks 11 questions (12 after "Có").
VILLAGE_NO_INCIDENT = [
    ("bao cao", ["Báo cáo tháng 11/2026 – Thôn Đông", "11 câu hỏi", "Câu 1/11", "an ninh"]),
    ("Không", ["Câu 2/11", "hòa giải"]),
    ("1", "Câu 3/11"),
    ("0", ["Câu 4/11", "Tốt"]),
    ("Tốt", "Câu 5/11"),
    ("2", "Câu 6/11"),
    ("0", "Câu 7/11"),
    ("3", "Câu 8/11"),
    ("bo qua", "Câu 9/11"),
    ("Xin hỗ trợ xi măng làm đường xóm 3.", "Câu 10/11"),
    ("Tổng vệ sinh, họp bình xét cuối năm.", ["Câu 11/11", "Ảnh"]),
    ("Bỏ qua", ["Khó khăn, vướng mắc: (bỏ qua)"]),
]


async def test_incident_details_are_asked_after_co_and_dropped_after_khong(
    app: App, world: World
) -> None:
    summary = await dialog(app.engine, "head1", VILLAGE_NO_INCIDENT)
    assert "Vụ việc gì" not in texts(summary)
    await dialog(
        app.engine,
        "head1",
        [
            ("Sửa một câu", "sửa câu nào"),
            ("1", "Câu 1/11"),
            ("Có", ["Câu 2/12", "Vụ việc gì, ở đâu"]),
            ("Trộm 1 con bò ở xóm 2, đã báo Công an xã.", ["xem lại", "2. Vụ việc gì"]),
            ("Sửa một câu", "Vụ việc gì"),
            ("1", "Câu 1/12"),
            ("Không", lambda o: "Vụ việc gì" not in texts(o) and "xem lại" in texts(o)),
            ("Gửi báo cáo", "Đã gửi báo cáo tháng 11/2026"),
        ],
    )
    async with app.sessions() as session:
        report = await session.scalar(select(Report))
    assert report is not None and report.answers["an_ninh_trat_tu"] is False
    assert "an_ninh_chi_tiet" not in report.answers
    assert report.answers["xoa_nha_tam"] == 0 and report.answers["kho_khan"] is None


async def test_task_progress_is_asked_one_by_one_and_done_stops_the_reminders(
    app: App, world: World
) -> None:
    await load(
        app,
        world,
        "20/KH-UBND",
        [
            ("Tổng vệ sinh đường làng", VILLAGES, [deadline("2026-11-24")]),
            ("Họp dân bình xét gia đình văn hóa", VILLAGES, [deadline("2026-11-25")]),
        ],
    )
    await dialog(
        app.engine,
        "head1",
        [
            (
                "bao cao",
                ["12 câu hỏi", "Câu 1/12: Tiến độ", "Việc 1/2: Tổng vệ sinh", "24/11/2026"],
            ),
            ("lam roi", "Đã xong"),  # not a status: asked again
            ("Đã xong", "Ghi chú ngắn"),
            ("Ra quân 40 người, dọn 2 km đường.", ["Việc 2/2", "Họp dân bình xét"]),
            ("đang làm, còn 2 xóm chưa họp", ["Câu 2/12", "an ninh"]),
        ],
    )
    answers = [
        "Có",
        "Đánh nhau ở đám cưới, đã hòa giải.",
        "1",
        "0",
        "Đạt",
        "2",
        "0",
        "3",
        "bo qua",
        "bo qua",
        "Hoàn thành bình xét.",
        "Bỏ qua",
    ]
    summary = await dialog(app.engine, "head1", [(a, "") for a in answers])
    said = texts(summary)
    assert "Tổng vệ sinh đường làng: Đã xong (Ra quân 40 người" in said
    assert "Họp dân bình xét gia đình văn hóa: Đang làm (còn 2 xóm chưa họp)" in said
    await dialog(app.engine, "head1", [("Gửi báo cáo", "Đã gửi")])
    async with app.sessions() as session:
        report = await session.scalar(select(Report))
        done = (await session.scalars(select(TaskCompletion))).all()
    assert report is not None
    statuses = [(i["text"][:9], i["status"], i["note"]) for i in report.answers["nhiem_vu"]]
    assert statuses == [
        ("Tổng vệ s", "done", "Ra quân 40 người, dọn 2 km đường."),
        ("Họp dân b", "doing", "còn 2 xóm chưa họp"),
    ]
    assert [(c.unit_id, str(c.due_on)) for c in done] == [(world.villages[0].id, "2026-11-24")]
    still = texts(await app.engine.handle(make_incoming("/nhiemvu", "head1")))
    assert "Họp dân bình xét" in still and "Tổng vệ sinh" not in still
    # the day before, only the task not done is reminded (other villages still owe both)
    async with app.sessions() as session, session.begin():
        planned = await plan(session, app.settings, datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    mine = [p.key for p in planned.added if p.chat == "head1" and ":task:" in p.key]
    theirs = [p.key for p in planned.added if p.chat == "head2" and ":task:" in p.key]
    assert len(mine) == 1 and len(theirs) == 2


async def test_a_report_left_among_its_tasks_is_kept_and_resumed_at_the_task(
    app: App, world: World
) -> None:
    await load(
        app,
        world,
        "21/KH-UBND",
        [
            ("Dọn kênh mương", VILLAGES, [deadline("2026-11-27")]),
            ("Kiểm tra hộ nghèo", VILLAGES, [deadline("2026-11-28")]),
        ],
    )
    await dialog(
        app.engine,
        "head1",
        [
            ("bao cao", "Việc 1/2: Dọn kênh mương"),
            ("Đang làm", "Ghi chú ngắn"),
            ("/nhiemvu", ["đang làm dở báo cáo tháng 11/2026", "Để sau"]),
            ("Để sau", "Đã lưu bản nháp"),
            ("/tieptuc", ["Ghi chú ngắn cho việc “Dọn kênh mương”", "Bỏ qua"]),
            ("Đã dọn 1 km", "Việc 2/2: Kiểm tra hộ nghèo"),
            ("chua lam", ["Câu 2/12", "an ninh"]),
        ],
    )
    await dialog(app.engine, "head1", [(a, "") for a in VILLAGE_ANSWERS])
    said = texts(await app.engine.handle(make_incoming("Gửi báo cáo", "head1")))
    assert "Đã gửi báo cáo" in said
    async with app.sessions() as session:
        report = await session.scalar(select(Report))
    assert report is not None
    assert [(i["status"], i["note"]) for i in report.answers["nhiem_vu"]] == [
        ("doing", "Đã dọn 1 km"),
        ("todo", None),
    ]


async def test_an_older_month_filed_late_is_not_asked_todays_tasks(app: App, world: World) -> None:
    await load(app, world, "22/KH-UBND", [("Dọn kênh mương", VILLAGES, [deadline("2026-11-27")])])
    async with app.sessions() as session, session.begin():
        await session.execute(update(Unit).values(created_at=datetime(2026, 9, 1, tzinfo=UTC)))
    await dialog(app.engine, "head1", [("bao cao", ["tháng 09/2026", "Câu 1/11", "an ninh"])])
    await dialog(app.engine, "head2", [("/baocao 11/2026", ["Câu 1/12", "Dọn kênh mương"])])
