"""The parser on our own documents, in the shapes people paste them: clean, flattened, Markdown,
hard-wrapped, OCR-damaged, wrapped in a web page; and on garbage."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directives import empty_result, parse_text


def names(task: dict) -> list[str]:
    """The assignees' names of one parsed task (each is {"name", "role"})."""
    return [a["name"] for a in task["assignees"]]

pytestmark = pytest.mark.nodb

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(__file__).resolve().parent / "directive_samples"

HEADER = """ỦY BAN NHÂN DÂN
XÃ ĐÔNG TIẾN

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 356/UBND-VHXH

Đông Tiến, ngày 03 tháng 10 năm 2026

V/v triển khai phong trào thi đua “Dân vận khéo” và bình xét khen thưởng năm 2026
"""

BODY = """Kính gửi:
- Trưởng thôn các thôn;
- Hiệu trưởng các trường học trên địa bàn xã.

Thực hiện Kế hoạch số 45/KH-UBND ngày 12/9/2026 của Ủy ban nhân dân huyện về công tác thi đua, khen thưởng năm 2026, Ủy ban nhân dân xã đề nghị các đơn vị thực hiện tốt các nội dung sau:

1. Phòng Văn hóa - Thông tin phối hợp tuyên truyền phong trào “Dân vận khéo” trên hệ thống loa truyền thanh của xã.

2. Trưởng thôn các thôn tổng hợp, báo cáo kết quả thực hiện phong trào trước ngày 20 hằng tháng.

3. Giao Công chức Văn phòng - Thống kê chủ trì tổng hợp hồ sơ đề nghị khen thưởng, trình Hội đồng Thi đua - Khen thưởng xã trước ngày 15/11/2026.

Ủy ban nhân dân xã đề nghị các đơn vị nghiêm túc thực hiện./.

Nơi nhận:
- Như trên;
- Đảng ủy xã (b/c);
- Lưu: VT.

KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Hoàng Minh Đức
"""  # noqa: E501

DOC = HEADER + "\n" + BODY


def items(value: object) -> list[Any]:
    assert isinstance(value, list)
    return value


def check_core(result: dict[str, object]) -> None:
    assert result["kind"] == "cong_van"
    assert result["number"] == "356/UBND-VHXH"
    assert result["issuer"] == "UBND xã Đông Tiến"
    assert result["place"] == "Đông Tiến"
    assert result["issued_on"] == "2026-10-03"
    assert str(result["subject"]).startswith("triển khai phong trào thi đua")
    assert result["signer"] == "Hoàng Minh Đức"
    assert result["recipients"] == [
        "Trưởng thôn các thôn",
        "Hiệu trưởng các trường học trên địa bàn xã",
    ]
    assert result["copies_to"] == ["Như trên", "Đảng ủy xã (b/c)", "Lưu: VT."]
    assert result["references"] == ["Kế hoạch số 45/KH-UBND ngày 12/9/2026"]
    assert result["movements"] == ["Dân vận khéo"]
    tasks = result["tasks"]
    assert isinstance(tasks, list)
    assert [t["ref"] for t in tasks] == ["1", "2", "3"]
    assert names(tasks[0]) == ["Phòng Văn hóa - Thông tin"]
    assert names(tasks[1]) == ["Trưởng thôn các thôn"]
    assert names(tasks[2]) == ["Công chức Văn phòng - Thống kê"]
    keys = [[(d["due"], d["every"], d["month"], d["day"]) for d in t["deadlines"]] for t in tasks]
    assert keys == [[], [(None, "month", None, 20)], [("2026-11-15", None, None, None)]]


def test_clean_document() -> None:
    check_core(parse_text(DOC))


def test_flattened_header() -> None:
    flat = " ".join(line.strip() for line in HEADER.splitlines() if line.strip())
    check_core(parse_text(flat + "\n\n" + BODY))


def test_markdown_marks() -> None:
    md = (
        DOC.replace("ỦY BAN NHÂN DÂN\nXÃ ĐÔNG TIẾN", "**ỦY BAN NHÂN DÂN  \nXÃ ĐÔNG TIẾN**")
        .replace("Số: 356/", "Số: *356* /")
        .replace("Đông Tiến, ngày", "*Đông Tiến, ngày")
        .replace("năm 2026\n\nV/v", "năm 2026*\n\nV/v")
        .replace("Nơi nhận:", "**Nơi nhận:**")
        .replace("1. Phòng", "## 1. Phòng")
        .replace("Hoàng Minh Đức", "**Hoàng Minh Đức**")
        .replace("- Như trên", "* Như trên")
    )
    check_core(parse_text(md))


def test_hard_line_breaks() -> None:
    wrapped = "\n".join(
        textwrap.fill(line, 70) if len(line) > 70 else line for line in DOC.splitlines()
    )
    check_core(parse_text(wrapped))


def test_double_spaced_hard_wrapped_copy() -> None:
    wrapped = "\n\n".join(
        textwrap.fill(line, 60) if len(line) > 60 else line for line in DOC.splitlines()
    )
    check_core(parse_text(wrapped))


def test_ocr_slips() -> None:
    ocr = (
        DOC.replace("Phòng Văn hóa", "Phịng Văn hóa")
        .replace("công tác", "cơng tác")
        .replace("Đảng ủy", "Đảng uỷ")
        .replace("CỘNG HÒA", "CỘNG HOÀ")
    )
    result = parse_text(ocr)
    copies = [str(c).replace("uỷ", "ủy") for c in items(result["copies_to"])]
    check_core({**result, "copies_to": copies})


def test_web_page_noise() -> None:
    page = (
        "Trang chủ | Giới thiệu | Tin tức | Thông báo | Văn bản\n"
        "THÔNG BÁO\nBạn đang xem: Văn bản chỉ đạo\n\n"
        + DOC
        + "\nTin liên quan:\n- Kế hoạch số 99/KH-UBND ngày 01/01/2026 về chuyển đổi số\n"
        "Bản quyền © Trang thông tin điện tử xã. Điện thoại: 0237 3 888 999\n"
    )
    check_core(parse_text(page))


def test_markdown_table_header() -> None:
    header = (
        "| **ỦY BAN NHÂN DÂN<br>XÃ ĐÔNG TIẾN** | **CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>"
        "Độc lập - Tự do - Hạnh phúc** |\n|---|---|\n"
        "| Số: 356/UBND-VHXH<br>V/v triển khai phong trào thi đua “Dân vận khéo” và bình xét"
        " khen thưởng năm 2026 | *Đông Tiến, ngày 03 tháng 10 năm 2026* |\n"
    )
    check_core(parse_text(header + "\n" + BODY))


def test_unsigned_body_without_header() -> None:
    body = BODY.split("Nơi nhận:")[0]
    result = parse_text(body)
    assert result["kind"] == "cong_van"
    assert result["number"] is None and result["issued_on"] is None
    assert result["signer"] is None
    assert len(items(result["tasks"])) == 3


KH = """ỦY BAN NHÂN DÂN
PHƯỜNG HẠC THÀNH

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 88/KH-UBND

Hạc Thành, ngày 5 tháng 11 năm 2026

KẾ HOẠCH
Tổ chức các hoạt động kỷ niệm và tổng kết phong trào thi đua năm 2026

Hưởng ứng phong trào "Cả nước chung tay vì người nghèo - Không để ai bị bỏ lại phía sau",
Ủy ban nhân dân phường xây dựng kế hoạch như sau:

1. Tổ chức chào mừng kỷ niệm 80 năm Ngày Toàn quốc kháng chiến (19/12/1946 - 19/12/2026).

2. Đại hội Thi đua yêu nước phường lần thứ III diễn ra vào ngày 28/11/2026.

3. Tổ dân phố báo cáo định kỳ 6 tháng; báo cáo tổng kết chậm nhất ngày 15/3 năm sau.

4. Các đơn vị gửi danh sách đề nghị khen thưởng trước ngày 10/11 hằng năm.

5. Phấn đấu đến năm 2030 có 100% tổ dân phố đạt danh hiệu văn hóa.

6. Tổ chức tuyên truyền từ ngày 01/12/2026 đến ngày 19/12/2026; hội nghị tổng kết
ngày 05 tháng 01 năm 2027, hoàn thành trước ngày 05-1-2027; nộp báo cáo trước ngày 5/1/2027.

7. Các khu phố tổ chức họp dân hàng tháng; rà soát hộ nghèo từng quý, hằng quý báo cáo;
trước ngày 10 hằng tháng cập nhật số liệu.

Nơi nhận:
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH

Ngô Thị Hồng Vân
"""


def _deadline_keys(result: dict[str, object]) -> dict[str, list[tuple[object, ...]]]:
    tasks = result["tasks"]
    assert isinstance(tasks, list)
    return {
        t["ref"]: [(d["due"], d["every"], d["month"], d["day"]) for d in t["deadlines"]]
        for t in tasks
    }


def test_every_deadline_phrase() -> None:
    result = parse_text(KH)
    assert result["kind"] == "ke_hoach"
    assert result["subject"] == (
        "Tổ chức các hoạt động kỷ niệm và tổng kết phong trào thi đua năm 2026"
    )
    assert result["issuer"] == "UBND phường Hạc Thành"
    assert result["signer"] == "Ngô Thị Hồng Vân"
    keys = _deadline_keys(result)
    assert keys["3"] == [(None, "half_year", None, None), ("2027-03-15", None, None, None)]
    assert keys["4"] == [(None, "year", 11, 10)]
    assert keys["5"] == [("2030-12-31", None, None, None)]
    assert keys["6"] == [("2026-12-19", None, None, None), ("2027-01-05", None, None, None)]
    assert sorted(keys["7"], key=str) == sorted(
        [(None, "month", None, 10), (None, "quarter", None, None)], key=str
    )
    assert result["movements"] == [
        "Cả nước chung tay vì người nghèo - Không để ai bị bỏ lại phía sau"
    ]
    events = result["events"]
    assert isinstance(events, list)
    assert [e["date"] for e in events] == ["2026-12-19", "2026-11-28"]


def test_deadline_date_spellings() -> None:
    for written in ("ngày 05 tháng 3 năm 2026", "ngày 5/3/2026", "ngày 05-3-2026", "ngày 5.3.2026"):
        text = f"1. Phòng Nội vụ tổng hợp, báo cáo trước {written}.\n2. Lưu trữ hồ sơ."
        keys = _deadline_keys(parse_text(text))
        assert keys["1"] == [("2026-03-05", None, None, None)], written
        assert keys["2"] == []


def test_recurring_phrases() -> None:
    cases = {
        "báo cáo hằng tháng": (None, "month", None, None),
        "báo cáo hàng tháng": (None, "month", None, None),
        "báo cáo trước ngày 20 hằng tháng": (None, "month", None, 20),
        "báo cáo định kỳ 6 tháng": (None, "half_year", None, None),
        "báo cáo từng quý": (None, "quarter", None, None),
        "báo cáo hằng quý": (None, "quarter", None, None),
        "báo cáo trước ngày 10/11 hằng năm": (None, "year", 11, 10),
        "phấn đấu đến năm 2025 hoàn thành": ("2025-12-31", None, None, None),
        "tuyên truyền từ ngày 01/11/2026 đến ngày 30/11/2026": ("2026-11-30", None, None, None),
    }
    for phrase, key in cases.items():
        keys = _deadline_keys(parse_text(f"1. Trưởng thôn các thôn {phrase}."))
        assert keys["1"] == [key], phrase


def test_next_year_is_relative_to_issue_date() -> None:
    text = HEADER + "\n1. Các thôn nộp báo cáo chậm nhất ngày 15/3 năm sau.\n"
    assert _deadline_keys(parse_text(text))["1"] == [("2027-03-15", None, None, None)]
    # Without an issue date there is no year to count from.
    assert _deadline_keys(parse_text("1. Nộp báo cáo chậm nhất ngày 15/3 năm sau."))["1"] == []


def test_no_deadline_from_cited_dates() -> None:
    text = "1. Quán triệt Chỉ thị số 09-CT/TU ngày 09/01/2017; định kỳ báo cáo Chủ tịch UBND xã."
    result = parse_text(text)
    assert _deadline_keys(result)["1"] == []
    assert result["references"] == ["Chỉ thị số 09-CT/TU ngày 09/01/2017"]


def test_demo_sample_parses() -> None:
    text = (ROOT / "bot" / "demo_data" / "sample_directive.txt").read_text("utf-8")
    result = parse_text(text)
    assert result["kind"] == "ke_hoach"
    assert result["number"] == "215/KH-UBND"
    assert result["issuer"] == "UBND xã Lam Sơn"
    assert result["place"] == "Lam Sơn"
    assert str(result["issued_on"]).startswith("2026-11-")
    assert result["signer"] == "Lê Văn Minh"
    assert result["recipients"] == [
        "Trưởng thôn các thôn",
        "Tổ trưởng các tổ dân phố",
        "Hiệu trưởng Trường Tiểu học Lam Sơn",
    ]
    assert result["movements"] == [
        "Toàn dân đoàn kết xây dựng đời sống văn hóa",
        "Người tốt, việc tốt",
    ]
    tasks = result["tasks"]
    assert isinstance(tasks, list) and 4 <= len(tasks) <= 5
    assignees = {a for t in tasks for a in names(t)}
    assert {
        "Trưởng thôn các thôn",
        "Tổ trưởng các tổ dân phố",
        "Hiệu trưởng Trường Tiểu học Lam Sơn",
        "Phòng Văn hóa – Xã hội",
    } <= assignees
    keys = {k for ks in _deadline_keys(result).values() for k in ks}
    assert (None, "month", None, 25) in keys
    assert ("2026-12-10", None, None, None) in keys
    assert (None, "quarter", None, None) in keys
    assert ("2026-11-25", None, None, None) in keys  # Gia đình văn hóa: the legal 25/11
    assert ("2026-12-31", None, None, None) in keys


def test_own_samples() -> None:
    web = parse_text((SAMPLES / "web_cong_van.txt").read_text("utf-8"))
    assert (web["kind"], web["issuer"], web["signer"]) == (
        "cong_van",
        "UBND huyện Tân Phú",
        "Phạm Thị Thu Hà",
    )
    assert [e["date"] for e in items(web["events"])] == ["2026-03-26"]
    assert web["references"] == ["Hướng dẫn số 12/HD-HĐTĐKT ngày 20/02/2026"]
    table = parse_text((SAMPLES / "table_ke_hoach.md").read_text("utf-8"))
    assert (table["kind"], table["number"], table["signer"]) == (
        "ke_hoach",
        "48/KH-PGDĐT",
        "Nguyễn Thị Lan Anh",
    )
    assert [t["ref"] for t in items(table["tasks"])] == ["II.1", "II.2", "III.1", "III.2"]
    ocr = parse_text((SAMPLES / "ocr_chi_thi.txt").read_text("utf-8"))
    assert (ocr["kind"], ocr["issuer"], ocr["issued_on"]) == (
        "chi_thi",
        "UBND tỉnh Ninh Bình",
        "2026-01-14",
    )
    assert names(items(ocr["tasks"])[1]) == ["Phòng Thi đua - Khen thưởng (Sở Nội vụ)"]
    assert sorted(e["date"] for e in items(ocr["events"])) == ["2026-01-06", "2026-04-25"]


def test_empty_and_junk_give_the_empty_shape() -> None:
    for junk in ("", "   \n\n", "🎉🎉🎉", "\x00\x01\x02", "|||", "1.\n2.\n3."):
        result = parse_text(junk)
        assert set(result) == set(empty_result())
    assert parse_text("") == empty_result()


def test_a_megabyte_of_text() -> None:
    big = (BODY * 400)[:1_000_000]
    result = parse_text(big + "🙂" * 1000)
    assert set(result) == set(empty_result())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_never_raises(text: str) -> None:
    result = parse_text(text)
    assert set(result) == set(empty_result())
    assert isinstance(result["tasks"], list)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(re.split(r"(\s+)", DOC)), max_size=400))
def test_never_raises_on_shuffled_directive_words(parts: list[str]) -> None:
    result = parse_text("".join(parts))
    assert set(result) == set(empty_result())
