"""Who owes a task, on our own variations of the ways Vietnamese documents assign one: the body
heading an item or sub-item, labels, "Giao" / "Đề nghị" / "Yêu cầu", the subject of an
instruction (also after an opening phrase), shared prefixes, partners after "phối hợp", at a
commune, a Front committee and a school, and in copies that lost their diacritics, broke their
lines or kept Markdown marks."""

from __future__ import annotations

import pytest

from directives import parse_text

pytestmark = pytest.mark.nodb

HEADER = (
    "UBND XÃ TÂN PHÚ\nSố: 12/KH-UBND\nTân Phú, ngày 03 tháng 3 năm 2026\n"
    "KẾ HOẠCH\nThi đua năm 2026\n"
)


def leads(body: str) -> list[list[str]]:
    result = parse_text(HEADER + body)
    return [[a["name"] for a in t["assignees"]] for t in result["tasks"]]


def partners(body: str) -> list[list[str]]:
    result = parse_text(HEADER + body)
    return [[a["name"] for a in t["partners"]] for t in result["tasks"]]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # The item's heading names the body, the work follows on its own lines.
        (
            "1. Công chức Văn hóa - Xã hội\n- Tổng hợp danh sách gia đình văn hóa.\n"
            "2. Trưởng thôn các thôn\n- Tổ chức bình xét tại thôn.\n",
            [["Công chức Văn hóa - Xã hội"], ["Trưởng thôn các thôn"]],
        ),
        # "Giao …" and "… chủ trì, phối hợp với …".
        (
            "1. Giao Văn phòng HĐND và UBND xã chủ trì, phối hợp với Công an xã kiểm tra.\n",
            [["Văn phòng HĐND và UBND xã"]],
        ),
        # "Đề nghị" the Front and its member organisations, a generic tail dropped.
        (
            "1. Đề nghị Ủy ban MTTQ Việt Nam xã, Hội Liên hiệp Phụ nữ xã và các tổ chức "
            "chính trị - xã hội vận động hội viên tham gia.\n",
            [["Ủy ban MTTQ Việt Nam xã", "Hội Liên hiệp Phụ nữ xã"]],
        ),
        # The subject of the instruction, after an opening phrase.
        (
            "1. Trên cơ sở kết quả bình xét, Ban công tác Mặt trận các khu dân cư lập danh sách "
            "gửi về Ủy ban MTTQ xã.\n",
            [["Ban công tác Mặt trận các khu dân cư"]],
        ),
        # A school: the principal and the Youth Union branch.
        (
            "1. Hiệu trưởng Trường Tiểu học Tân Phú chỉ đạo giáo viên chủ nhiệm rà soát.\n"
            "2. Chi đoàn giáo viên phát động phong trào.\n",
            [["Hiệu trưởng Trường Tiểu học Tân Phú"], ["Chi đoàn giáo viên"]],
        ),
        # Labels of a plan's table turned into lines.
        (
            "1. Tổ chức Ngày hội Đại đoàn kết\n- Cơ quan chủ trì: Ủy ban MTTQ xã.\n"
            "- Cơ quan phối hợp: Đoàn Thanh niên xã, Hội Nông dân xã.\n",
            [["Ủy ban MTTQ xã"]],
        ),
        # A shared prefix: "các thôn: A, B" and "Trưởng thôn các thôn: …".
        (
            "1. Yêu cầu Trưởng thôn các thôn: Đông, Tây và Nam hoàn thành trước ngày 20/3/2026.\n",
            [["Trưởng thôn thôn Đông", "Trưởng thôn thôn Tây", "Trưởng thôn thôn Nam"]],
        ),
        # Catch-alls name nobody; a gloss in brackets is not part of the name.
        (
            "1. Các cơ quan, đơn vị có liên quan phối hợp thực hiện.\n"
            "2. Công an xã (cơ quan thường trực Ban Chỉ đạo) triển khai tuần tra.\n",
            [[], ["Công an xã"]],
        ),
        # Common words that look like bodies are not: "Phòng ngừa", "Bộ tiêu chí", "Ban hành".
        (
            "1. Phòng ngừa bạo lực gia đình trên địa bàn.\n2. Bộ tiêu chí được áp dụng.\n"
            "3. Ban hành quy chế thi đua.\n",
            [[], [], []],
        ),
        # "Đối với …" says what a rule is about, not who carries it out.
        (
            "1. Tiêu chí thi đua\na) Đối với các trường học: đạt chuẩn quốc gia.\n"
            "b) Đối với Hội Nông dân xã: phát triển hội viên.\n",
            [[]],
        ),
        # Persons named by their office in a committee's plan.
        (
            "1. Đồng chí Phó Chủ tịch UBND xã - Trưởng ban: phụ trách chung.\n"
            "2. Đồng chí Chủ tịch Hội Cựu chiến binh xã - Ủy viên: phụ trách tuyên truyền.\n",
            [
                ["Phó Chủ tịch UBND xã - Trưởng ban"],
                ["Chủ tịch Hội Cựu chiến binh xã - Ủy viên"],
            ],
        ),
    ],
)
def test_who_leads_a_task(body: str, expected: list[list[str]]) -> None:
    assert leads(body) == expected


def test_partners_are_kept_apart_and_never_doubled_as_leads() -> None:
    body = (
        "1. Giao Công chức Tư pháp - Hộ tịch chủ trì, phối hợp với Công an xã rà soát.\n"
        "a) Phối hợp với Trường Mầm non Tân Phú tuyên truyền.\n"
        "b) Công an xã báo cáo kết quả.\n"
    )
    assert leads(body) == [["Công chức Tư pháp - Hộ tịch", "Công an xã"]]
    assert partners(body) == [["Trường Mầm non Tân Phú"]]


def test_ministries_with_and_or_a_comma_in_their_name_stay_whole() -> None:
    body = (
        "1. Yêu cầu các Bộ: Giáo dục và Đào tạo; Văn hóa, Thể thao và Du lịch; Y tế rà soát.\n"
        "2. Bộ trưởng các Bộ: Tài chính, Khoa học và Công nghệ chỉ đạo thực hiện.\n"
    )
    assert leads(body) == [
        ["Bộ Giáo dục và Đào tạo", "Bộ Văn hóa, Thể thao và Du lịch", "Bộ Y tế"],
        ["Bộ trưởng Bộ Tài chính", "Bộ trưởng Bộ Khoa học và Công nghệ"],
    ]


def test_a_copy_without_diacritics() -> None:
    body = (
        "1. Giao Cong chuc Van hoa - Xa hoi chu tri, phoi hop voi Doan Thanh nien xa to chuc "
        "hoi thi.\n2. Truong thon cac thon tuyen truyen den tung ho gia dinh.\n"
        "3. Dang uy xa chi dao cac chi bo.\n"
    )
    assert leads(body) == [
        ["Cong chuc Van hoa - Xa hoi"],
        ["Truong thon cac thon"],
        ["Dang uy xa"],
    ]


def test_broken_lines_and_markdown_heading_the_item() -> None:
    body = (
        "**1. Ủy ban\nMặt trận Tổ quốc Việt Nam xã**\nChủ trì giám sát việc bình xét.\n\n"
        "**2. Hội Liên\nhiệp Phụ nữ xã**\n- Vận động hội viên.\n"
    )
    assert leads(body) == [["Ủy ban Mặt trận Tổ quốc Việt Nam xã"], ["Hội Liên hiệp Phụ nữ xã"]]


def test_the_issuers_closing_words_belong_to_no_task() -> None:
    body = (
        "1. Trạm Y tế xã tổ chức tiêm chủng.\n"
        "Ủy ban nhân dân xã yêu cầu Trưởng thôn các thôn, Thủ trưởng các đơn vị nghiêm túc "
        "triển khai thực hiện Kế hoạch này./.\n"
    )
    assert leads(body) == [["Trạm Y tế xã"]]


def test_a_generic_heading_over_named_sub_items() -> None:
    body = (
        "1. Các phòng chuyên môn\na) Phòng Văn hóa - Xã hội: tổng hợp danh sách;\n"
        "b) Phòng Kinh tế: bố trí kinh phí;\nc) Văn phòng HĐND và UBND xã: theo dõi, đôn đốc.\n"
    )
    assert leads(body) == [["Phòng Văn hóa - Xã hội", "Phòng Kinh tế", "Văn phòng HĐND và UBND xã"]]


def test_some_diacritics_lost_by_ocr() -> None:
    body = (
        "1. Uy ban nhân dân các thôn báo cáo.\n2. Truong thôn các thôn tổ chức họp.\n"
        "3. Công an xã chủ trì, phoi hop voi Ban chỉ huy Quân sự xã tuần tra.\n"
    )
    assert leads(body) == [["Uy ban nhân dân các thôn"], ["Truong thôn các thôn"], ["Công an xã"]]
    assert partners(body)[2] == ["Ban chỉ huy Quân sự xã"]


def test_who_assigns_is_not_who_carries_out() -> None:
    body = (
        "1. Chủ tịch UBND xã giao Công chức Tài chính - Kế toán bố trí kinh phí.\n"
        "2. Đảng ủy xã lãnh đạo, chỉ đạo các chi bộ.\n"
    )
    assert leads(body) == [["Công chức Tài chính - Kế toán"], ["Đảng ủy xã"]]
