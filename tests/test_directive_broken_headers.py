"""Headers as copies scraped from a PDF or a web table lay them out, on our own samples: words
broken over lines ("ỦY\\nBAN NHÂN DÂN"), the two columns read row by row, the number on the line
after "Số:", the place broken before its comma, copies without diacritics. The national motto
("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"), however broken, is
never the issuer."""

from __future__ import annotations

import pytest

from directives import parse_text

pytestmark = pytest.mark.nodb

BODY = "\nKẾ HOẠCH\nTổ chức Tết trồng cây năm 2026\n1. Các thôn đăng ký cây giống.\n"

PDF_COMMUNE = """ỦY
BAN NHÂN DÂN
XÃ ĐÔNG SƠN
-------
|
CỘNG
HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
|
Số:
15/KH-UBND
|
Đông
Sơn, ngày 02 tháng 3 năm 2026
|
"""

ROWS_WARD = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
PHƯỜNG AN KHÁNH Độc lập - Tự do - Hạnh phúc
Số: 31/KH-UBND An Khánh, ngày 10 tháng 02 năm 2026
"""

PDF_WARD_BARE = """UY
BAN NHAN DAN
PHUONG AN KHANH
-------
CONG
HOA XA HOI CHU NGHIA VIET NAM
Doc lap - Tu do - Hanh phuc
So:
31/KH-UBND
An Khanh, ngay 10 thang 02 nam 2026
"""

PDF_SCHOOL = """UBND XÃ ĐÔNG SƠN
TRƯỜNG MẦM
NON HOA SEN
| CỘNG HÒA XÃ
HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do -
Hạnh phúc
Số: 04/KH-MNHS
Đông Sơn, ngày 05 tháng 01 năm 2026
"""

PDF_FRONT = """ỦY BAN MTTQ VIỆT
NAM XÃ ĐÔNG SƠN
BAN THƯỜNG TRỰC
CỘNG HÒA XÃ HỘI CHỦ
NGHĨA VIỆT NAM
Số:   07/KH-MTTQ-BTT
Đông Sơn, ngày 12 tháng 01 năm 2026
"""


@pytest.mark.parametrize(
    ("header", "issuer", "number", "place", "issued_on"),
    [
        (PDF_COMMUNE, "UBND xã Đông Sơn", "15/KH-UBND", "Đông Sơn", "2026-03-02"),
        (ROWS_WARD, "UBND phường An Khánh", "31/KH-UBND", "An Khánh", "2026-02-10"),
        (PDF_WARD_BARE, "UBND phuong An Khanh", "31/KH-UBND", "An Khanh", "2026-02-10"),
        (PDF_SCHOOL, "Trường Mầm non Hoa Sen", "04/KH-MNHS", "Đông Sơn", "2026-01-05"),
        (
            PDF_FRONT,
            "Ban Thường trực Ủy ban MTTQ Việt Nam xã Đông Sơn",
            "07/KH-MTTQ-BTT",
            "Đông Sơn",
            "2026-01-12",
        ),
    ],
)
def test_broken_header_fields(
    header: str, issuer: str, number: str, place: str, issued_on: str
) -> None:
    result = parse_text(header + BODY)
    assert (result["issuer"], result["number"], result["place"], result["issued_on"]) == (
        issuer,
        number,
        place,
        issued_on,
    )


@pytest.mark.parametrize(
    "motto",
    [
        "CỘNG\nHÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n",
        "CỘNG HÒA XÃ HỘI\nCHỦ NGHĨA VIỆT NAM\n",
        "CONG HOA XA\nHOI CHU NGHIA VIET NAM\nDoc lap - Tu do -\nHanh phuc\n",
        "ĐẢNG CỘNG\nSẢN VIỆT NAM\n",
    ],
)
def test_the_motto_is_never_the_issuer(motto: str) -> None:
    text = motto + "Số: 09/KH-UBND\nĐông Sơn, ngày 02 tháng 3 năm 2026\n" + BODY
    issuer = parse_text(text)["issuer"]
    assert issuer is None or not any(
        w in issuer.lower() for w in ("chủ nghĩa", "chu nghia", "việt nam", "viet nam", "sản")
    )
