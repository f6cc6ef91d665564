"""Who owes a task in the documents communes, wards, schools and Front committees write, on our
own variations: the classes of local units ("các thôn", "các tổ dân phố", "các trường"), the
commune's mass organisations ("các đoàn thể xã"), roles written in lower case after "Giao" /
"Đề nghị", lists joined with "và" or commas, a body that only "phối hợp" (it owes its part, in
that role), and the reporting duty of an item owed by whoever heads it."""

from __future__ import annotations

import pytest

from directives import parse_text

pytestmark = pytest.mark.nodb

HEADER = (
    "UBND XÃ TÂN PHÚ\nSố: 21/KH-UBND\nTân Phú, ngày 05 tháng 01 năm 2026\n"
    "KẾ HOẠCH\nTổ chức Tết năm 2026\n"
)


def _tasks(body: str, header: str = HEADER) -> list[dict[str, object]]:
    return parse_text(header + body)["tasks"]  # type: ignore[return-value]


def names(body: str, header: str = HEADER) -> list[list[str]]:
    return [[str(a["name"]) for a in t["assignees"]] for t in _tasks(body, header)]  # type: ignore[index, union-attr]


def roles(body: str, header: str = HEADER) -> list[list[tuple[str, str]]]:
    return [
        [(str(a["name"]), str(a["role"])) for a in t["assignees"]]  # type: ignore[index, union-attr]
        for t in _tasks(body, header)
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A class of villages heading the item, with or without a colon.
        ("1. Các thôn: đăng ký đội văn nghệ tham gia hội diễn.\n", [["Các thôn"]]),
        ("1. Các thôn đăng ký đội văn nghệ tham gia hội diễn.\n", [["Các thôn"]]),
        ("1. Các bản tổ chức vệ sinh đường làng.\n", [["Các bản"]]),
        ("1. Các ấp vận động nhân dân treo cờ Tổ quốc.\n", [["Các ấp"]]),
        ("1. Các xóm, làng: rà soát hộ nghèo.\n", [["Các xóm", "các làng"]]),
        # A list of local classes shares its "các".
        (
            "1. Các thôn, tổ dân phố: vận động nhân dân tham gia ngày hội.\n",
            [["Các thôn", "các tổ dân phố"]],
        ),
        (
            "1. Các khu phố và tổ dân phố tổ chức tổng vệ sinh.\n",
            [["Các khu phố", "các tổ dân phố"]],
        ),
        # Named villages and a class after a leader's title.
        ("1. Thôn Đông Hòa chuẩn bị địa điểm tổ chức lễ ra quân.\n", [["Thôn Đông Hòa"]]),
        ("1. Trưởng các thôn tổng hợp danh sách.\n", [["Trưởng các thôn"]]),
        # Schools, and the commune's departments and mass organisations.
        (
            "1. Các trường trên địa bàn xã tổ chức cho học sinh trồng cây.\n",
            [["Các trường trên địa bàn xã"]],
        ),
        (
            "1. Các ban, ngành, đoàn thể xã tuyên truyền đến hội viên.\n",
            [["Các ban, ngành, đoàn thể xã"]],
        ),
        (
            "1. Các đoàn thể chính trị - xã hội xã vận động hội viên tham gia.\n",
            [["Các đoàn thể chính trị - xã hội xã"]],
        ),
        # Catch-alls still name nobody.
        ("1. Các cơ quan, đơn vị liên quan phối hợp thực hiện.\n", [[]]),
        ("1. Các ban, ngành tăng cường kiểm tra.\n", [[]]),
    ],
)
def test_classes_of_local_units_are_assignees(body: str, expected: list[list[str]]) -> None:
    assert names(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A role written in lower case after "Giao" or "Đề nghị" / "Yêu cầu".
        (
            "1. Giao công chức văn hóa xã chủ trì tổ chức hội thi văn nghệ.\n",
            [[("công chức văn hóa xã", "chu_tri")]],
        ),
        (
            "1. Giao cán bộ địa chính xã rà soát quỹ đất trồng cây.\n",
            [[("cán bộ địa chính xã", "chu_tri")]],
        ),
        (
            "1. Yêu cầu giáo viên chủ nhiệm các lớp nhắc nhở học sinh.\n",
            [[("giáo viên chủ nhiệm các lớp", "chu_tri")]],
        ),
        (
            "1. Giao trạm y tế xã chuẩn bị thuốc, dụng cụ sơ cứu.\n",
            [[("trạm y tế xã", "chu_tri")]],
        ),
        # A lower-case role continuing a list.
        (
            "1. Các tổ chuyên môn, giáo viên chủ nhiệm các lớp: đăng ký tiết dạy tốt.\n",
            [[("Các tổ chuyên môn", "chu_tri"), ("giáo viên chủ nhiệm các lớp", "chu_tri")]],
        ),
        # "Đề nghị A và các đoàn thể xã": both asked.
        (
            "1. Đề nghị Mặt trận Tổ quốc và các đoàn thể xã tuyên truyền, vận động nhân dân.\n",
            [[("Mặt trận Tổ quốc", "chu_tri"), ("các đoàn thể xã", "chu_tri")]],
        ),
        (
            "1. Đề nghị Ủy ban MTTQ Việt Nam xã và các tổ chức chính trị - xã hội xã "
            "vận động hội viên.\n",
            [
                [
                    ("Ủy ban MTTQ Việt Nam xã", "chu_tri"),
                    ("các tổ chức chính trị - xã hội xã", "chu_tri"),
                ]
            ],
        ),
        (
            "1. Đề nghị Hội Nông dân xã, Hội Cựu chiến binh xã và Đoàn Thanh niên xã "
            "ra quân làm đường.\n",
            [
                [
                    ("Hội Nông dân xã", "chu_tri"),
                    ("Hội Cựu chiến binh xã", "chu_tri"),
                    ("Đoàn Thanh niên xã", "chu_tri"),
                ]
            ],
        ),
        # A body that only cooperates owes its part, as phối hợp.
        (
            "1. Trạm Y tế xã phối hợp bảo đảm y tế trong thời gian tổ chức.\n",
            [[("Trạm Y tế xã", "phoi_hop")]],
        ),
        (
            "1. Công an xã phối hợp giữ gìn an ninh trật tự tại khu vực lễ hội.\n",
            [[("Công an xã", "phoi_hop")]],
        ),
        (
            "1. Đề nghị Công đoàn trường phối hợp vận động đoàn viên tham gia.\n",
            [[("Công đoàn trường", "phoi_hop")]],
        ),
        # … but one that leads and is helped stays the lead.
        (
            "1. Công an xã chủ trì, phối hợp với các thôn tuần tra đêm giao thừa.\n",
            [[("Công an xã", "chu_tri")]],
        ),
    ],
)
def test_roles_in_lower_case_lists_and_cooperation(
    body: str, expected: list[list[tuple[str, str]]]
) -> None:
    assert roles(body) == expected


def test_villages_helping_a_lead_are_its_partners() -> None:
    task = _tasks("1. Công an xã chủ trì, phối hợp với các thôn tuần tra đêm giao thừa.\n")[0]
    assert [p["name"] for p in task["partners"]] == ["các thôn"]  # type: ignore[index, union-attr]


SCHOOL = (
    "PHÒNG VĂN HÓA - XÃ HỘI XÃ TÂN PHÚ\nTRƯỜNG THCS TÂN PHÚ\nSố: 15/KH-THCS\n"
    "Tân Phú, ngày 10 tháng 3 năm 2026\nKẾ HOẠCH\nHội khỏe Phù Đổng cấp trường\n"
)


def test_school_items_name_their_teams_and_teachers() -> None:
    body = (
        "1. Các tổ chuyên môn: chọn học sinh dự thi.\n"
        "2. Giao tổng phụ trách Đội chủ trì tổ chức lễ khai mạc.\n"
        "3. Nhân viên y tế trường học phối hợp sơ cứu khi cần.\n"
        "4. Các lớp: luyện tập theo lịch.\n"
    )
    assert roles(body, SCHOOL) == [
        [("Các tổ chuyên môn", "chu_tri")],
        [("tổng phụ trách Đội", "chu_tri")],
        [("Nhân viên y tế trường học", "phoi_hop")],
        [("Các lớp", "chu_tri")],
    ]


def test_commune_copy_without_diacritics_names_its_villages() -> None:
    header = (
        "UY BAN NHAN DAN\nXA TAN PHU\nSo: 21/KH-UBND\nTan Phu, ngay 05 thang 01 nam 2026\n"
        "KE HOACH\nTo chuc Tet nam 2026\n"
    )
    body = (
        "1. Cac thon: dang ky doi van nghe.\n"
        "2. Giao cong chuc van hoa xa chu tri to chuc hoi thi.\n"
        "3. Tram Y te xa phoi hop bao dam y te.\n"
    )
    assert roles(body, header) == [
        [("Cac thon", "chu_tri")],
        [("cong chuc van hoa xa", "chu_tri")],
        [("Tram Y te xa", "phoi_hop")],
    ]


def _reporting(body: str, header: str = HEADER) -> list[tuple[list[str], list[object]]]:
    out = []
    for r in parse_text(header + body)["reporting"]:  # type: ignore[union-attr]
        owners = [str(a["name"]) for a in r["assignees"]]  # type: ignore[index]
        dues = [d["due"] or (d["every"], d["day"]) for d in r["deadlines"]]  # type: ignore[index]
        out.append((owners, dues))
    return out


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # The item's head owes the report; only the report's own date is its deadline.
        (
            "1. Các thôn: đăng ký đội tham gia trước ngày 25/01/2026; báo cáo kết quả về "
            "UBND xã chậm nhất ngày 20/02/2026.\n",
            [(["Các thôn"], ["2026-02-20"])],
        ),
        # "gửi kết quả về …" without the word "báo cáo".
        (
            "1. Các tổ dân phố tổ chức tổng vệ sinh; gửi kết quả về UBND xã trước ngày "
            "10/02/2026.\n",
            [(["Các tổ dân phố"], ["2026-02-10"])],
        ),
        # "báo cáo Chủ tịch UBND xã" without "về"; a lower-case role after "Giao".
        (
            "1. Giao công chức tư pháp xã theo dõi, tổng hợp, báo cáo Chủ tịch UBND xã "
            "trước ngày 15/02/2026.\n",
            [(["công chức tư pháp xã"], ["2026-02-15"])],
        ),
        # A monthly duty in the item of the villages.
        (
            "1. Các thôn, bản: duy trì tổ tự quản; định kỳ báo cáo UBND xã trước ngày 25 "
            "hằng tháng.\n",
            [(["Các thôn", "các bản"], [("month", 25)])],
        ),
        # Another body named in the reporting clause owes it.
        (
            "1. Các thôn đăng ký cây giống; Công chức Địa chính tổng hợp, báo cáo UBND xã "
            "trước ngày 05/02/2026.\n",
            [(["Công chức Địa chính"], ["2026-02-05"])],
        ),
    ],
)
def test_reporting_duty_owed_by_who_reports(
    body: str, expected: list[tuple[list[str], list[object]]]
) -> None:
    assert _reporting(body) == expected


def test_reporting_section_of_a_school() -> None:
    body = (
        "1. Các tổ chuyên môn: đăng ký tiết dạy tốt.\n"
        "IV. CHẾ ĐỘ BÁO CÁO\n"
        "Các tổ chuyên môn báo cáo tiến độ về Phó Hiệu trưởng trước ngày 25 hằng tháng.\n"
    )
    assert _reporting(body, SCHOOL) == [(["Các tổ chuyên môn"], [("month", 25)])]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # "cùng" joins two bodies as "và" does.
        (
            "1. Đoàn Thanh niên xã cùng Hội Cựu chiến binh xã ra quân dọn vệ sinh.\n",
            [[("Đoàn Thanh niên xã", "chu_tri"), ("Hội Cựu chiến binh xã", "chu_tri")]],
        ),
        # A label before who is asked.
        (
            "1. Chế độ báo cáo: Các thôn báo cáo kết quả về UBND xã trước ngày 25 hằng tháng.\n",
            [[("Các thôn", "chu_tri")]],
        ),
        # The one who leads, then after ";" the ones who help.
        (
            "1. Đề nghị Ủy ban MTTQ xã chủ trì; các đoàn thể xã phối hợp vận động nhân dân.\n",
            [[("Ủy ban MTTQ xã", "chu_tri"), ("các đoàn thể xã", "phoi_hop")]],
        ),
        # Both cooperate, nobody leads: both owe their part.
        (
            "1. Công an xã, Ban Chỉ huy Quân sự xã phối hợp giữ gìn an ninh.\n",
            [[("Công an xã", "phoi_hop"), ("Ban Chỉ huy Quân sự xã", "phoi_hop")]],
        ),
        # A heading of classes over its bullets, named once each.
        (
            "1. Các thôn, khu dân cư\n- Tổ chức ra quân dọn vệ sinh.\n",
            [[("Các thôn", "chu_tri"), ("các khu dân cư", "chu_tri")]],
        ),
        # A ward's group leaders, a Front's work committees.
        (
            "1. Tổ trưởng các tổ dân phố vận động nhân dân treo cờ.\n"
            "2. Ban công tác Mặt trận các khu dân cư: tổ chức ngày hội đại đoàn kết.\n",
            [
                [("Tổ trưởng các tổ dân phố", "chu_tri")],
                [("Ban công tác Mặt trận các khu dân cư", "chu_tri")],
            ],
        ),
    ],
)
def test_more_ways_communes_name_who_does_what(
    body: str, expected: list[list[tuple[str, str]]]
) -> None:
    assert roles(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A recurrence opening the sentence, the day closing it.
        (
            "1. Các thôn tổ chức ra quân.\nIV. CHẾ ĐỘ BÁO CÁO\nĐịnh kỳ hằng tháng, các thôn báo "
            "cáo kết quả về UBND xã (qua Văn phòng) trước ngày 25.\n",
            [(["các thôn"], [("month", 25)])],
        ),
        # A closing sentence asking the villages for their report.
        (
            "1. Các thôn tổ chức ra quân.\nĐề nghị các thôn báo cáo kết quả về UBND xã trước "
            "ngày 15/3/2026.\n",
            [(["các thôn"], ["2026-03-15"])],
        ),
        # In a sub-item, each quarter.
        (
            "1. Các thôn\na) Rà soát hộ nghèo.\nb) Định kỳ hằng quý báo cáo UBND xã trước ngày 20 "
            "tháng cuối quý.\n",
            [(["Các thôn"], [("quarter", 20)])],
        ),
        # A province's letter: the communes report to the department.
        (
            "1. UBND các xã, phường, đặc khu: chỉ đạo các thôn, tổ dân phố tổ chức ra quân; báo "
            "cáo kết quả về Sở Nội vụ trước ngày 30/6/2026.\n",
            [(["UBND các xã, phường, đặc khu"], ["2026-06-30"])],
        ),
    ],
)
def test_reporting_duties_in_other_shapes(
    body: str, expected: list[tuple[list[str], list[object]]]
) -> None:
    assert _reporting(body) == expected


def test_who_cooperates_with_a_named_body_carries_the_task() -> None:
    body = (
        "1. Hội Nông dân xã phối hợp với Hội Liên hiệp Phụ nữ xã vận động hội viên.\n"
        "2. Trưởng thôn các thôn, Tổ trưởng các tổ dân phố tổ chức họp dân.\n"
    )
    tasks = _tasks(body)
    assert roles(body) == [
        [("Hội Nông dân xã", "chu_tri")],
        [("Trưởng thôn các thôn", "chu_tri"), ("Tổ trưởng các tổ dân phố", "chu_tri")],
    ]
    assert [p["name"] for p in tasks[0]["partners"]] == ["Hội Liên hiệp Phụ nữ xã"]  # type: ignore[index, union-attr]


def test_lists_and_partners_in_a_copy_without_diacritics() -> None:
    header = (
        "UY BAN NHAN DAN\nXA TAN PHU\nSo: 30/KH-UBND\nTan Phu, ngay 05 thang 01 nam 2026\n"
        "KE HOACH\nTong ve sinh don Tet\n"
    )
    body = (
        "1. Cac thon, xom: ra quan don ve sinh duong lang.\n"
        "2. De nghi Uy ban MTTQ Viet Nam xa va cac doan the xa van dong hoi vien.\n"
        "3. Cong an xa chu tri, phoi hop voi cac thon tuan tra dem giao thua.\n"
    )
    tasks = _tasks(body, header)
    assert names(body, header) == [
        ["Cac thon", "cac xom"],
        ["Uy ban MTTQ Viet Nam xa", "cac doan the xa"],
        ["Cong an xa"],
    ]
    assert [p["name"] for p in tasks[2]["partners"]] == ["cac thon"]  # type: ignore[index, union-attr]


def test_a_lower_case_role_closing_a_list() -> None:
    body = "1. Nhân viên thư viện, văn thư: sắp xếp phòng đọc.\n"
    assert names(body) == [["Nhân viên thư viện", "văn thư"]]
