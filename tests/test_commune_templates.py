"""The commune templates (storage/data/templates_commune.yaml): monthly things only, with what
every real report has (khó khăn, vướng mắc; kiến nghị; phương hướng tháng tới)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app import App
from storage.models import Report
from storage.templates import load_templates, parse_templates
from tests.factories import World, dialog

COMMUNE = Path(__file__).resolve().parents[1] / "storage" / "data" / "templates_commune.yaml"


def test_the_commune_templates_ask_monthly_things_and_end_as_a_real_report_does() -> None:
    specs = {s.unit_kind: s for s in parse_templates(COMMUNE.read_text("utf-8"))}
    assert set(specs) == {"village", "school"}
    for spec in specs.values():
        keys = [i["key"] for i in spec.indicators]
        assert {"kho_khan", "kien_nghi", "phuong_huong"} <= set(keys)
        assert "gia_dinh_van_hoa" not in keys and "tieu_chi_nong_thon_moi" not in keys
    village = [i["key"] for i in specs["village"].indicators]
    assert {"nhiem_vu_xa_giao", "an_ninh_chi_tiet", "hoa_giai_thanh", "vi_pham_huong_uoc"} <= set(
        village
    )
    school = [i["key"] for i in specs["school"].indicators]
    assert {"si_so", "bo_hoc", "tiet_day_mau", "an_toan_thuc_pham"} <= set(school)


async def test_a_village_head_files_the_commune_village_report(app: App, world: World) -> None:
    async with app.sessions() as session, session.begin():
        await load_templates(session, parse_templates(COMMUNE.read_text("utf-8")), app.clock.now())
    await dialog(
        app.engine,
        "head1",
        [
            ("bao cao", ["Báo cáo tháng 11/2026 – Thôn Đông", "Câu 1/13", "nhiệm vụ UBND xã giao"]),
            ("Đã họp dân triển khai Kế hoạch 215, hoàn thành 2/3 việc.", "Câu 2/13"),
            ("Có", "Câu 3/13"),
            ("Trộm 1 con bò ở xóm 2, đã báo Công an xã.", "Câu 4/13"),
            ("1", "Câu 5/13"),
            ("0", "Câu 6/13"),
            ("Tốt", "Câu 7/13"),
            ("2", "Câu 8/13"),
            ("1", "Câu 9/13"),
            ("1", "Câu 10/13"),
            ("Bỏ qua", "Câu 11/13"),
            ("Xin hỗ trợ xi măng làm đường xóm 3.", "Câu 12/13"),
            ("Tổ chức tổng vệ sinh, họp bình xét cuối năm.", "Câu 13/13"),
            ("Bỏ qua", ["Khó khăn, vướng mắc", "Phương hướng, nhiệm vụ tháng tới"]),
            ("Gửi báo cáo", "Đã gửi báo cáo tháng 11/2026"),
        ],
    )
    async with app.sessions() as session:
        report = await session.scalar(select(Report))
    assert report is not None and report.answers["an_ninh_chi_tiet"].startswith("Trộm 1 con bò")
    assert report.answers["kho_khan"] is None
