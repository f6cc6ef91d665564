"""The parser reads each phrasing class seen in real directives, on our own variations of them:
deadlines (fixed, labelled, periods, recurrences, relative and working-day), assignees heading
an item or named by "Giao", "chủ trì, phối hợp", sub-items; headers from several kinds of issuer
laid out as tables or split over lines; reporting duties in an unnumbered section."""

from __future__ import annotations

from datetime import date

import pytest

from directives import parse_text
from directives.deadlines import DateContext, find_deadlines
from directives.holidays import add_working_days, is_working_day

pytestmark = pytest.mark.nodb

CTX = DateContext(issued=date(2026, 3, 9), year=2026, received=date(2026, 3, 12))


def keys(text: str, ctx: DateContext = CTX) -> list[tuple[object, ...]]:
    return [(d["due"], d["every"], d["month"], d["day"]) for d in find_deadlines(text, ctx)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gửi về Phòng Nội vụ trước 9 giờ 30 ngày 20/3/2026.", [("2026-03-20", None, None, None)]),
        ("Hoàn thành chậm nhất đến hết ngày 30/4/2026.", [("2026-04-30", None, None, None)]),
        ("Thời hạn nộp báo cáo: ngày 05/4/2026.", [("2026-04-05", None, None, None)]),
        ("Hạn cuối nhận hồ sơ: 16h30 ngày 27/3/2026.", [("2026-03-27", None, None, None)]),
        ("Hạn chót: 08 giờ, thứ Hai ngày 16/3/2026", [("2026-03-16", None, None, None)]),
        ("Thời gian thực hiện: Quý II/2026.", [("2026-06-30", None, None, None)]),
        ("Tổ chức tập huấn trong quý 3 năm 2026.", [("2026-09-30", None, None, None)]),
        ("Hoàn thành việc rà soát trong tháng 5/2026.", [("2026-05-31", None, None, None)]),
        ("Báo cáo trước ngày 18 của tháng cuối quý.", [(None, "quarter", None, 18)]),
        ("Gửi số liệu trước ngày 03 của tháng đầu quý sau.", [(None, "quarter", 1, 3)]),
        ("Nộp danh sách trước ngày 10 tháng 4.", [("2026-04-10", None, None, None)]),
        ("Gửi bảng tổng hợp vào ngày 22 hàng tháng.", [(None, "month", None, 22)]),
        ("Báo cáo trước ngày 25/12 hằng năm.", [(None, "year", 12, 25)]),
        (
            "Báo cáo định kỳ 6 tháng (trước 10/6) và hằng năm (trước 10/12).",
            [(None, "half_year", 6, 10), (None, "year", 12, 10)],
        ),
        ("Phấn đấu đến hết năm 2027 đạt 90% hộ gia đình.", [("2027-12-31", None, None, None)]),
        ("Thời gian thực hiện: năm 2026 - 2027.", [("2027-12-31", None, None, None)]),
        ("Hoàn thành từ ngày 01/4/2026 đến ngày 30/6/2026.", [("2026-06-30", None, None, None)]),
        # A period without its year takes the document's.
        ("Tổ chức tháng cao điểm từ ngày 10/4 đến ngày 10/5.", [("2026-05-10", None, None, None)]),
        # Election plans: a span, with "khóa XVI" before it and a time of day inside.
        (
            "Hiệp thương bầu cử đại biểu Quốc hội khóa XVI trong khoảng thời gian từ ngày "
            "02/02/2027 đến 17 giờ 00, ngày 08/02/2027.",
            [("2027-02-08", None, None, None)],
        ),
        # One recurrence opens the sentence, the date without a year closes it.
        (
            "Hằng năm, các thôn tổng hợp kết quả bình xét, gửi về Ủy ban nhân dân xã (qua công "
            "chức Văn hóa - Xã hội) trước ngày 25/11 để tổng hợp.",
            [(None, "year", 11, 25)],
        ),
        (
            "Báo cáo định kỳ 6 tháng (trước ngày 25/6) và năm (trước ngày 25/12).",
            [(None, "half_year", 6, 25), (None, "year", 12, 25)],
        ),
        # "6 tháng đầu năm" names a report, not day 6 of a month.
        ("Báo cáo 6 tháng đầu năm gửi trước ngày 10/6/2026.", [("2026-06-10", None, None, None)]),
        (
            "Bản tin chuyên đề phát hành vào tuần cuối của tháng thứ 3 trong quý.",
            [(None, "quarter", None, None)],
        ),
    ],
)
def test_deadline_phrasings(text: str, expected: list[tuple[object, ...]]) -> None:
    assert keys(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Số liệu tính từ 01/01/2026 đến 28/02/2026.",
        "Tính đến ngày 28/02/2026, toàn phường có 1.240 hộ nghèo.",
        "Kinh phí bố trí từ dự toán ngân sách hằng năm của xã.",
        "Thời gian thực hiện: năm 2026 và các năm tiếp theo.",
        "Quyết định số 12/QĐ-UBND ngày 05/01/2026 của UBND tỉnh.",
        "Số liệu báo cáo tính từ ngày 15/12/2025 đến ngày 14/6/2026.",
        "Tính đến 30/9/2026, toàn xã còn 12 hộ nghèo.",
        "Chỉ tiêu 2: 100% thôn mỗi quý có ít nhất 02 buổi sinh hoạt chuyên đề.",
        "Đối với các nhiệm vụ triển khai trong năm 2026, các thôn chủ động bố trí kinh phí.",
        "Kinh phí bố trí từ nguồn ngân sách nhà nước hằng năm.",
        "Kiểm kê tài sản tại thời điểm 0h00 ngày 01/01/2027.",
    ],
)
def test_periods_status_lines_and_qualifiers_are_not_deadlines(text: str) -> None:
    assert keys(text) == []


def test_weekly_deadline_keeps_its_weekday() -> None:
    [d] = find_deadlines("Các thôn báo cáo vào thứ Sáu hằng tuần.", CTX)
    assert (d["every"], d["weekday"]) == ("week", 4)


def test_relative_deadlines_count_from_signing_or_receipt() -> None:
    [signed] = find_deadlines("Hoàn thành trong vòng 10 ngày kể từ ngày ký.", CTX)
    assert signed["due"] == "2026-03-19"
    [received] = find_deadlines("Trả lời trong 05 ngày làm việc kể từ ngày nhận được văn bản.", CTX)
    assert received["due"] == "2026-03-19"
    assert received["after"] == {"days": 5, "working": True, "from": "receipt"}
    [unknown] = find_deadlines(
        "Trả lời trong 05 ngày làm việc kể từ ngày nhận được văn bản.", DateContext()
    )
    assert unknown["due"] is None and unknown["after"]["from"] == "receipt"


def test_working_days_skip_weekends_and_public_holidays() -> None:
    assert not is_working_day(date(2026, 4, 30))
    assert not is_working_day(date(2026, 2, 17))  # Tết
    assert add_working_days(date(2026, 4, 28), 2) == date(2026, 5, 4)
    assert add_working_days(date(2025, 11, 18), 5) == date(2025, 11, 25)


def names(task: dict) -> list[str]:
    return [a["name"] for a in task["assignees"]]


WARD_PLAN = """| ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |
|---|---|
| PHƯỜNG HẠC THÀNH | Độc lập - Tự do - Hạnh phúc |
| Số: 45/KH-UBND | Hạc Thành, ngày 09 tháng 3 năm 2026 |

KẾ HOẠCH
Tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026

I. MỤC ĐÍCH, YÊU CẦU
1. Phát huy truyền thống đoàn kết.
2. Bảo đảm thiết thực, tiết kiệm.

II. NỘI DUNG
1. Tổ chức ngày hội ở 100% tổ dân phố, hoàn thành trong tháng 11/2026.
2. Biểu dương hộ gia đình tiêu biểu.

III. TỔ CHỨC THỰC HIỆN
1. Ủy ban Mặt trận Tổ quốc phường: chủ trì, phối hợp với Đoàn Thanh niên phường
xây dựng nội dung; báo cáo kết quả trước ngày 20/11/2026.
2. Giao Văn phòng HĐND và UBND phường bố trí kinh phí.
3. Ban công tác Mặt trận các tổ dân phố:
a) Tổ chức ngày hội ở khu dân cư;
b) Trạm Y tế phường bảo đảm y tế tại ngày hội.

IV. CHẾ ĐỘ BÁO CÁO
Ban công tác Mặt trận các tổ dân phố gửi báo cáo về Ủy ban Mặt trận Tổ quốc phường
trước ngày 25 hằng tháng.

Nơi nhận:
- UBND tỉnh (b/c);
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Lê Văn Tâm
"""


def test_ward_plan_with_table_header_sections_and_reporting() -> None:
    result = parse_text(WARD_PLAN)
    assert result["issuer"] == "UBND phường Hạc Thành"
    assert (result["place"], result["issued_on"]) == ("Hạc Thành", "2026-03-09")
    assert result["number"] == "45/KH-UBND"
    tasks = {t["ref"]: t for t in result["tasks"]}
    assert list(tasks) == ["II.1", "II.2", "III.1", "III.2", "III.3"]
    assert tasks["II.1"]["deadlines"][0]["due"] == "2026-11-30"
    assert tasks["III.1"]["assignees"] == [
        {"name": "Ủy ban Mặt trận Tổ quốc phường", "role": "chu_tri"}
    ]
    assert [p["name"] for p in tasks["III.1"]["partners"]] == ["Đoàn Thanh niên phường"]
    assert names(tasks["III.2"]) == ["Văn phòng HĐND và UBND phường"]
    assert names(tasks["III.3"]) == ["Ban công tác Mặt trận các tổ dân phố", "Trạm Y tế phường"]
    reporting = result["reporting"]
    assert {(d["every"], d["day"]) for r in reporting for d in r["deadlines"]} >= {("month", 25)}
    monthly = next(r for r in reporting if r["deadlines"][0]["every"] == "month")
    assert [a["name"] for a in monthly["assignees"]] == ["Ban công tác Mặt trận các tổ dân phố"]
    assert result["signer"] == "Lê Văn Tâm"


DEPARTMENT_LETTER = """SỞ GIÁO DỤC VÀ ĐÀO TẠO
TỈNH QUẢNG TRỊ
CỘNG HÒA XÃ HỘI
CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 310/SGDĐT-VP
V/v tổng kết phong trào thi đua năm học 2025 - 2026
Quảng Trị, ngày 02
tháng 4 năm 2026

Kính gửi:
- Hiệu trưởng các trường trung học phổ thông;
- Phòng Giáo dục các xã, phường.

Để chuẩn bị tổng kết năm học, Sở Giáo dục và Đào tạo đề nghị các đơn vị thực hiện
một số nội dung sau:

1. Hiệu trưởng các trường trung học phổ thông tổ chức bình xét danh hiệu thi đua,
gửi hồ sơ về Sở (qua Văn phòng) chậm nhất ngày 15/5/2026.

2. Văn phòng Sở chủ trì, phối hợp với Phòng Tổ chức cán bộ thẩm định hồ sơ,
hoàn thành trong vòng 10 ngày làm việc kể từ ngày hết hạn nhận hồ sơ.

Nơi nhận:
- Như trên;
- Lưu: VT.

KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Trần Thị Hoa
"""


def test_department_letter_with_split_header_and_roles() -> None:
    result = parse_text(DEPARTMENT_LETTER)
    assert result["kind"] == "cong_van"
    assert result["issued_on"] == "2026-04-02"
    assert result["place"] == "Quảng Trị"
    assert result["recipients"] == [
        "Hiệu trưởng các trường trung học phổ thông",
        "Phòng Giáo dục các xã, phường",
    ]
    tasks = result["tasks"]
    assert names(tasks[0]) == ["Hiệu trưởng các trường trung học phổ thông"]
    assert tasks[0]["deadlines"][0]["due"] == "2026-05-15"
    assert tasks[1]["assignees"] == [{"name": "Văn phòng Sở", "role": "chu_tri"}]
    assert [p["name"] for p in tasks[1]["partners"]] == ["Phòng Tổ chức cán bộ"]
    assert result["signer"] == "Trần Thị Hoa"


def test_ministry_shared_prefix_is_expanded() -> None:
    text = (
        "BỘ NỘI VỤ\nSố: 77/BNV-TĐKT\nHà Nội, ngày 05 tháng 01 năm 2026\n\n"
        "1. Đề nghị các Bộ: Tài chính; Xây dựng; Y tế rà soát hồ sơ khen thưởng, "
        "gửi về Bộ Nội vụ trước ngày 30/01/2026.\n2. Thường xuyên theo dõi.\n"
    )
    result = parse_text(text)
    assert names(result["tasks"][0]) == ["Bộ Tài chính", "Bộ Xây dựng", "Bộ Y tế"]
    assert result["issuer"] == "Bộ Nội vụ"
