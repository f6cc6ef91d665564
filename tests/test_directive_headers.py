"""Header fields read from the layouts real copies come in, on our own samples: a Front standing
committee's draft with blank number and day, a web page's data block in place of the letter's
header, a công điện's addressees, a notice of a chair's conclusions, a decision's authority line,
Markdown bold runs wrapped over lines, signers whose surname is also a title, quoted names that are
or are not movements, wrapped "Nơi nhận" items."""

from __future__ import annotations

import pytest

from directives import parse_text

pytestmark = pytest.mark.nodb


FRONT_DRAFT = """UỶ BAN MTTQ VIỆT NAM

XÃ TÂN HƯNG

BAN THƯỜNG TRỰC

Số:        /KH-MTTQ-BTT

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM

Độc lập - Tự do - Hạnh phúc

Tân Hưng, ngày      tháng 4 năm 2026

KẾ HOẠCH

Giám sát việc bình xét hộ nghèo năm 2026

1. Ban Thường trực Ủy ban MTTQ Việt Nam xã chủ trì giám sát tại các thôn.
"""


def test_front_standing_committee_draft_keeps_place_and_no_number_or_day() -> None:
    result = parse_text(FRONT_DRAFT)
    assert result["issuer"] == "Ban Thường trực Uỷ ban MTTQ Việt Nam xã Tân Hưng"
    assert result["place"] == "Tân Hưng"
    assert result["issued_on"] is None
    assert result["number"] is None
    assert result["kind"] == "ke_hoach"


WEB_COPY = """Trang chủ | Văn bản pháp luật
**Số hiệu:**
|
215/SNV-TĐKT
|
**Loại văn bản:**
|
Công văn
|
**Nơi ban hành:**
|
Sở Nội vụ tỉnh Quảng Trị
|
**Người ký:**
|
Hoàng Văn Bình
|
**Ngày ban hành:**
|
03/03/2026
|
**Kính gửi:** Ủy ban nhân dân các xã, phường
Thực hiện Kế hoạch số 20/KH-UBND ngày 10/01/2026 của UBND tỉnh, Sở Nội vụ tỉnh Quảng
Trị đề nghị các địa phương thực hiện một số nội dung sau:
1. Rà soát hồ sơ đề nghị khen thưởng, gửi về Sở trước ngày 20/3/2026.
"""


def test_web_page_data_block_stands_in_for_a_missing_header() -> None:
    result = parse_text(WEB_COPY)
    assert result["number"] == "215/SNV-TĐKT"
    assert result["issued_on"] == "2026-03-03"
    assert result["signer"] == "Hoàng Văn Bình"
    assert result["issuer"] == "Sở Nội vụ tỉnh Quảng Trị"
    assert result["recipients"] == ["Ủy ban nhân dân các xã, phường"]


def test_the_body_that_speaks_names_the_issuer_of_a_headerless_copy() -> None:
    text = (
        "Kính gửi: Các trường tiểu học\n"
        "Thực hiện Kế hoạch năm học 2025 - 2026, Phòng Văn hóa - Xã hội phường "
        "Nam Định yêu cầu các trường thực hiện:\n"
        "1. Tổng hợp danh sách giáo viên dạy giỏi trước ngày 10/4/2026.\n"
    )
    assert parse_text(text)["issuer"] == "Phòng Văn hóa - Xã hội phường Nam Định"


PROVINCE_CABLE = """CHỦ TỊCH
ỦY BAN NHÂN DÂN TỈNH NINH BÌNH
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 12/CĐ-UBND
Ninh Bình, ngày 20 tháng 9 năm 2026
CÔNG ĐIỆN
Về việc chủ động ứng phó với bão số 7
CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH điện:
- Chủ tịch Ủy ban nhân dân các xã, phường;
- Giám đốc các Sở: Nông nghiệp và Môi trường, Xây dựng,
Công Thương.
Theo bản tin của Trung tâm Dự báo khí tượng thủy văn quốc gia, bão số 7 đang di chuyển.
1. Chủ tịch Ủy ban nhân dân các xã, phường ven biển kêu gọi tàu thuyền về nơi tránh trú.
"""


def test_cable_addressees_follow_the_authority_that_cables() -> None:
    result = parse_text(PROVINCE_CABLE)
    assert result["recipients"] == [
        "Chủ tịch Ủy ban nhân dân các xã, phường",
        "Giám đốc các Sở: Nông nghiệp và Môi trường, Xây dựng, Công Thương",
    ]
    assert result["number"] == "12/CĐ-UBND"


def test_notice_of_a_chairs_conclusions_is_issued_by_the_office() -> None:
    text = (
        "THÔNG BÁO\n"
        "KẾT LUẬN CỦA CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH THANH HÓA TẠI HỘI NGHỊ TRỰC TUYẾN "
        "VỀ CÔNG TÁC THI ĐUA\n\n"
        "Ngày 02 tháng 3 năm 2026, Chủ tịch UBND tỉnh chủ trì hội nghị. Chủ tịch kết luận:\n"
        "1. Sở Nội vụ tổng hợp kết quả trước ngày 15/3/2026.\n"
    )
    result = parse_text(text)
    assert result["kind"] == "thong_bao"
    assert result["issuer"] == "Văn phòng UBND tỉnh Thanh Hóa"


DECISION = """ỦY BAN NHÂN DÂN
XÃ HÒA AN
Số: 31/QĐ-UBND
Hòa An, ngày 04 tháng 5 năm 2026

QUYẾT ĐỊNH
Ban hành Kế hoạch tổ chức phong trào thi đua
“Xã Hòa An chung sức xây dựng nông thôn mới kiểu mẫu”

CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ HÒA AN

Căn cứ Luật Thi đua, khen thưởng ngày 15/6/2022;
"""


def test_decision_subject_stops_at_the_authority_line() -> None:
    result = parse_text(DECISION)
    assert result["subject"] == (
        "Ban hành Kế hoạch tổ chức phong trào thi đua “Xã Hòa An chung sức xây dựng nông "
        "thôn mới kiểu mẫu”"
    )
    assert result["issuer"] == "UBND xã Hòa An"
    assert result["movements"] == ["Xã Hòa An chung sức xây dựng nông thôn mới kiểu mẫu"]


MARKDOWN_COPY = """|
**ỦY BAN
NHÂN DÂN XÃ PHÚ LỘC**
-------
|
**CỘNG
HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**
Độc lập - Tự do - Hạnh phúc
|
Số: 88/UBND-VP
|
*Phú Lộc, ngày 06
tháng 10 năm 2026*
|
**Kính gửi:** Trưởng thôn các thôn

Thực hiện chương trình “Nâng cao chất lượng bữa ăn học đường”, UBND xã đề nghị:

**1. Trưởng
thôn các thôn**
Rà soát các hộ có con em đi học, gửi danh sách trước ngày 15/10/2026.
|
*Nơi nhận:*
- Như trên;
- Lưu: VT.
|
**TM. ỦY BAN NHÂN
DÂN**
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
**Trương Thị Mai**
"""


def test_markdown_bold_runs_wrapped_over_lines() -> None:
    result = parse_text(MARKDOWN_COPY)
    assert result["issuer"] == "UBND xã Phú Lộc"
    assert (result["place"], result["issued_on"]) == ("Phú Lộc", "2026-10-06")
    assert result["signer"] == "Trương Thị Mai"
    assert result["movements"] == []  # a programme's name, not a movement's
    [task] = result["tasks"]
    assert [a["name"] for a in task["assignees"]] == ["Trưởng thôn các thôn"]
    assert task["deadlines"][0]["due"] == "2026-10-15"


def test_wrapped_copies_items_are_put_back_together() -> None:
    text = (
        "UBND XÃ AN BÌNH\nSố: 5/UBND\nAn Bình, ngày 02 tháng 02 năm 2026\n"
        "Kính gửi: Các thôn\n1. Các thôn báo cáo.\n"
        "Nơi nhận:\n- Như trên;\n- Chi bộ, Ban công tác Mặt trận các thôn: Đông, Tây,\n"
        "Nam, Bắc;\n- VP: + CVP, PCVP;\n+ Cổng TTĐT xã;\n- Lưu: VT.\n"
        "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\nLê Văn An\n"
    )
    assert parse_text(text)["copies_to"] == [
        "Như trên",
        "Chi bộ, Ban công tác Mặt trận các thôn: Đông, Tây, Nam, Bắc",
        "VP: CVP, PCVP",
        "Cổng TTĐT xã",
        "Lưu: VT.",
    ]


def test_references_listed_under_one_kind_named_laws_and_dotted_numbers() -> None:
    text = (
        "UBND XÃ ĐÔNG SƠN\nSố: 14/KH-UBND\nĐông Sơn, ngày 10 tháng 01 năm 2026\nKẾ HOẠCH\n"
        "Thi đua năm 2026\n"
        "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15/6/2022;\n"
        "Căn cứ các Nghị quyết của HĐND tỉnh: số 12/2025/NQ-HĐND ngày 10/7/2025; số "
        "15/2025/NQ-HĐND và số 18/2025/NQ-HĐND ngày 08/12/2025;\n"
        "Thực hiện Quyết định số 45/QĐ-UBND của UBND tỉnh và Nghị quyết số 66.7/2025/NQ-CP;\n"
        "1. Triển khai Quyết định số 45/QĐ-UBND ngày 05/01/2026 đến các thôn.\n"
    )
    assert parse_text(text)["references"] == [
        "Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15/6/2022",
        "Nghị quyết số 12/2025/NQ-HĐND ngày 10/7/2025",
        "Nghị quyết số 15/2025/NQ-HĐND",
        "Nghị quyết số 18/2025/NQ-HĐND ngày 08/12/2025",
        "Quyết định số 45/QĐ-UBND ngày 05/01/2026",
        "Nghị quyết số 66.7/2025/NQ-CP",
    ]


def test_named_days_and_election_day_are_events() -> None:
    text = (
        "UBND PHƯỜNG AN HẢI\nSố: 3/KH-UBND\nAn Hải, ngày 02 tháng 10 năm 2026\nKẾ HOẠCH\n"
        "Tuyên truyền\n"
        "1. Hưởng ứng “Ngày Pháp luật nước Cộng hòa xã hội chủ nghĩa Việt Nam” (ngày 09/11).\n"
        "2. Tuyên truyền liên tục đến ngày bầu cử 15/3/2027.\n"
        "3. Ngày 20/10/2026, các tổ dân phố tổng vệ sinh.\n"
    )
    events = parse_text(text)["events"]
    assert [e["date"] for e in events] == ["2026-11-09", "2027-03-15"]
