"""Whole documents of our own, in the shapes communes receive: a school's plan with an
unnumbered reporting section, a Front committee's plan typed without diacritics, a commune's
letter copied from a web page as Markdown with a table header, bold headings cut over lines, a
data period and a status line. Every field a careful reader can state is checked."""

from __future__ import annotations

import pytest

from directives import parse_text

pytestmark = pytest.mark.nodb


def tasks(result: dict) -> dict[str, tuple[list[str], list[tuple[object, ...]]]]:
    return {
        t["ref"]: (
            [a["name"] for a in t["assignees"]],
            [(d["due"], d["every"], d["month"], d["day"]) for d in t["deadlines"]],
        )
        for t in result["tasks"]
    }


SCHOOL_PLAN = """PHÒNG GIÁO DỤC VÀ ĐÀO TẠO
TRƯỜNG THCS NGUYỄN DU
Số: 45/KH-THCS
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hòa Vang, ngày 12 tháng 9 năm 2026

KẾ HOẠCH
Tổ chức phong trào thi đua “Dạy tốt - Học tốt” năm học 2026 - 2027

Căn cứ Kế hoạch số 120/KH-UBND ngày 05/9/2026 của UBND xã Hòa Vang;
Trường THCS Nguyễn Du xây dựng kế hoạch như sau:

I. MỤC ĐÍCH, YÊU CẦU
1. Tạo khí thế thi đua sôi nổi.
2. Bảo đảm thiết thực.

II. NỘI DUNG THI ĐUA
1. Các tổ chuyên môn đăng ký danh hiệu thi đua trước ngày 30/9.
2. Giáo viên chủ nhiệm tổ chức cho học sinh đăng ký thi đua, hoàn thành trong tháng 10/2026.

III. TỔ CHỨC THỰC HIỆN
1. Phó Hiệu trưởng: chủ trì, phối hợp với Công đoàn trường theo dõi, đánh giá phong trào hằng tháng.
2. Tổ trưởng các tổ chuyên môn
- Tổng hợp kết quả thi đua, gửi về Ban giám hiệu trước ngày 25 hằng tháng.
3. Đề nghị Chi đoàn giáo viên, Liên đội trường phối hợp phát động phong trào trong học sinh.

IV. CHẾ ĐỘ BÁO CÁO
Các tổ chuyên môn báo cáo sơ kết học kỳ I trước ngày 10/01/2027 và tổng kết năm học
trước ngày 20/5/2027.

Nơi nhận:
- Phòng GD&ĐT (b/c);
- Lưu: VT.

HIỆU TRƯỞNG
Lê Thị Hạnh
"""


def test_school_plan() -> None:
    r = parse_text(SCHOOL_PLAN)
    assert (r["kind"], r["number"], r["issuer"]) == (
        "ke_hoach",
        "45/KH-THCS",
        "Trường THCS Nguyễn Du",
    )
    assert (r["place"], r["issued_on"], r["signer"]) == ("Hòa Vang", "2026-09-12", "Lê Thị Hạnh")
    assert r["movements"] == ["Dạy tốt - Học tốt"]
    assert r["references"] == ["Kế hoạch số 120/KH-UBND ngày 05/9/2026"]
    assert tasks(r) == {
        "II.1": (["Các tổ chuyên môn"], [("2026-09-30", None, None, None)]),
        "II.2": (["Giáo viên chủ nhiệm"], [("2026-10-31", None, None, None)]),
        "III.1": (["Phó Hiệu trưởng"], [(None, "month", None, None)]),
        "III.2": (["Tổ trưởng các tổ chuyên môn"], [(None, "month", None, 25)]),
        "III.3": (["Chi đoàn giáo viên", "Liên đội trường"], []),
    }
    partners = {t["ref"]: [p["name"] for p in t["partners"]] for t in r["tasks"]}
    assert partners["III.1"] == ["Công đoàn trường"]
    [duty] = r["reporting"]
    assert [a["name"] for a in duty["assignees"]] == ["Các tổ chuyên môn"]
    assert [d["due"] for d in duty["deadlines"]] == ["2027-01-10", "2027-05-20"]


FRONT_PLAN_NO_DIACRITICS = """UY BAN MTTQ VIET NAM
XA DONG THANH
BAN THUONG TRUC
So: 08/KH-MTTQ
CONG HOA XA HOI CHU NGHIA VIET NAM
Doc lap - Tu do - Hanh phuc
Dong Thanh, ngay 02 thang 10 nam 2026

KE HOACH
To chuc Ngay hoi Dai doan ket toan dan toc nam 2026

1. Ban Thuong truc Uy ban MTTQ xa chu tri, phoi hop voi Doan Thanh nien xa
xay dung chuong trinh, hoan thanh truoc ngay 25/10/2026.
2. Ban cong tac Mat tran cac thon to chuc ngay hoi o khu dan cu truoc ngay 18/11/2026.
3. Hoi Nong dan xa, Hoi Lien hiep Phu nu xa van dong hoi vien tham gia; bao cao ket qua ve
Ban Thuong truc truoc ngay 20/11/2026.

Noi nhan:
- Dang uy xa (b/c);
- Luu: VT.

TM. BAN THUONG TRUC
CHU TICH
Nguyen Van Binh
"""


def test_front_plan_typed_without_diacritics() -> None:
    r = parse_text(FRONT_PLAN_NO_DIACRITICS)
    assert (r["kind"], r["number"]) == ("ke_hoach", "08/KH-MTTQ")
    assert r["issuer"] == "Ban Thuong truc Uy ban MTTQ Viet Nam xa Dong Thanh"
    assert (r["place"], r["issued_on"], r["signer"]) == (
        "Dong Thanh",
        "2026-10-02",
        "Nguyen Van Binh",
    )
    assert tasks(r) == {
        "1": (["Ban Thuong truc Uy ban MTTQ xa"], [("2026-10-25", None, None, None)]),
        "2": (["Ban cong tac Mat tran cac thon"], [("2026-11-18", None, None, None)]),
        "3": (["Hoi Nong dan xa", "Hoi Lien hiep Phu nu xa"], [("2026-11-20", None, None, None)]),
    }
    assert [p["name"] for p in r["tasks"][0]["partners"]] == ["Doan Thanh nien xa"]


COMMUNE_LETTER_MARKDOWN = """| **ỦY BAN NHÂN DÂN** | **CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM** |
|---|---|
| **XÃ QUẢNG PHÚ** | **Độc lập - Tự do - Hạnh phúc** |
| Số: 210/UBND-VHXH | *Quảng Phú, ngày 20 tháng 10 năm 2026* |

V/v bình xét danh hiệu
"Gia đình văn hóa" năm 2026

**Kính gửi:**
- Trưởng thôn các thôn;
- Ban công tác Mặt trận các thôn.

Thực hiện Nghị định số 86/2023/NĐ-CP ngày 07/12/2023 của Chính phủ, UBND xã đề nghị:

**1. Trưởng
thôn các thôn**

- Tổ chức họp bình xét tại thôn, gửi biên bản về UBND xã (qua công chức Văn hóa - Xã
hội) **trước ngày 25/11/2026**.

- Niêm yết công khai danh sách trong 10 ngày
kể từ ngày họp.

**2. Công chức Văn hóa - Xã hội** tổng hợp, trình Chủ tịch UBND xã ban hành quyết định
công nhận chậm nhất ngày 15/12.

Số liệu tính từ 01/01/2026 đến 31/10/2026. Tính đến ngày 30/9/2026, toàn xã có 1.520 hộ đăng ký.

*Nơi nhận:*
- Như trên;
- Lưu: VT.

**KT. CHỦ TỊCH**
**PHÓ CHỦ TỊCH**
**Phạm Văn Tú**
"""


def test_commune_letter_from_a_web_page() -> None:
    r = parse_text(COMMUNE_LETTER_MARKDOWN)
    assert (r["kind"], r["number"], r["issuer"]) == (
        "cong_van",
        "210/UBND-VHXH",
        "UBND xã Quảng Phú",
    )
    assert (r["place"], r["issued_on"], r["signer"]) == ("Quảng Phú", "2026-10-20", "Phạm Văn Tú")
    assert r["recipients"] == ["Trưởng thôn các thôn", "Ban công tác Mặt trận các thôn"]
    # The data period and the status line after the items are no deadlines; "15/12" takes
    # the document's year.
    assert tasks(r) == {
        "1": (["Trưởng thôn các thôn"], [("2026-11-25", None, None, None)]),
        "2": (["Công chức Văn hóa - Xã hội"], [("2026-12-15", None, None, None)]),
    }
    assert r["reporting"] == []


WARD_REPORTING = """UBND PHƯỜNG HÒA KHÁNH
Số: 9/KH-UBND
Hòa Khánh, ngày 02 tháng 02 năm 2026
KẾ HOẠCH
Phong trào thi đua năm 2026
Kính gửi: Tổ trưởng các tổ dân phố
I. NỘI DUNG
1. Công chức Văn hóa - Xã hội theo dõi phong trào.
2. Tổ trưởng các tổ dân phố vận động nhân dân.
**II. CHẾ ĐỘ BÁO CÁO**
Tổ trưởng các tổ dân phố báo cáo sơ kết 6 tháng trước ngày 10/6 và tổng kết năm trước ngày
15/11 hằng năm về UBND phường (qua công chức Văn hóa - Xã hội).
Báo cáo nhanh gửi trước ngày 05 hằng tháng.
"""


def test_reporting_duties_owed_by_who_reports_not_by_the_first_task() -> None:
    r = parse_text(WARD_REPORTING)
    duties = [
        (
            [a["name"] for a in d["assignees"]],
            [(x["due"], x["every"], x["month"], x["day"]) for x in d["deadlines"]],
        )
        for d in r["reporting"]
    ]
    assert duties == [
        (["Tổ trưởng các tổ dân phố"], [(None, "half_year", 6, 10), (None, "year", 11, 15)]),
        # No owner named: the addressees owe it.
        (["Tổ trưởng các tổ dân phố"], [(None, "month", None, 5)]),
    ]
