"""Nominating someone for commendation, as dialog tables on the console channel: each nominee
kind is offered only what the law gives it, and the checks the catalogue allows are made."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from locales import _, use_locale
from storage.awards import catalogue
from storage.models import AuditEntry, Member, Nomination
from tests.factories import World, dialog, options, restarted, texts
from tests.test_report import JPEG, PDF, load_defaults, send_file, write

ACHIEVEMENT = "Ông An hiến 200 m2 đất làm đường liên thôn và vận động 5 hộ cùng làm."


async def nominations(app: App) -> list[Nomination]:
    async with app.sessions() as session:
        return list((await session.scalars(select(Nomination).order_by(Nomination.id))).all())


# A village head proposes a resident for the commune chair's Giấy khen, an ad-hoc achievement.
INDIVIDUAL_TO_FILES = [
    ("de xuat", ["đề xuất cho ai", "Người dân", "Hộ gia đình", "Thôn, tổ dân phố"]),
    ("1", "Họ và tên"),
    ("Nguyễn Văn An", "Nam hay nữ"),
    ("Nam", "Năm sinh"),
    ("1965", "Chức vụ và đơn vị"),
    (
        "Nông dân, thôn Đông",
        [
            "hình thức khen thưởng",
            "Giấy khen của Chủ tịch UBND xã",
            "Không xét cho Người dân",
            "“Lao động tiên tiến”",
        ],
    ),
    ("1", ["loại nào", "Đột xuất"]),
    ("Đột xuất", ["phong trào", "Toàn dân đoàn kết xây dựng đời sống văn hóa", "Khác"]),
    ("Người tốt, việc tốt", "tóm tắt thành tích"),
    (ACHIEVEMENT, ["minh chứng", "Xong"]),
]


async def test_village_head_nominates_a_resident_for_an_ad_hoc_giay_khen(
    app: App, world: World, tmp_path: Path
) -> None:
    await load_defaults(app)
    award_question = await dialog(app.engine, "head1", INDIVIDUAL_TO_FILES[:6])
    assert "Lao động tiên tiến" not in options(award_question)
    assert "Chiến sĩ thi đua cơ sở" not in options(award_question)
    assert "Gia đình văn hóa" not in options(award_question)
    await dialog(app.engine, "head1", INDIVIDUAL_TO_FILES[6:])
    one = await send_file(app, "head1", write(tmp_path, "anh.jpg", JPEG))
    assert "Đã nhận 1 tệp" in texts(one) and options(one) == ["Xong"]
    two = await send_file(app, "head1", write(tmp_path, "giay.pdf", PDF), "document")
    assert "Đã nhận 2 tệp" in texts(two)
    summary = await dialog(
        app.engine,
        "head1",
        [
            (
                "Xong",
                [
                    "Đối tượng: Người dân",
                    "Họ tên / tên tập thể: Nguyễn Văn An",
                    "Giới tính: Nam; năm sinh: 1965",
                    "Chức vụ, đơn vị: Nông dân, thôn Đông",
                    "Hình thức đề nghị: Giấy khen của Chủ tịch UBND xã (Đột xuất)",
                    "Năm (năm học): 2026",
                    "Phong trào: Người tốt, việc tốt",
                    f"Thành tích: {ACHIEVEMENT}",
                    "Minh chứng: 2 tệp",
                ],
            )
        ],
    )
    assert options(summary) == ["Gửi đề xuất", "Sửa một mục", "Hủy"]
    await dialog(
        app.engine,
        "head1",
        [("1", ["Đã gửi đề xuất #1 cho Nguyễn Văn An", "Hội đồng Thi đua – Khen thưởng xã"])],
    )
    [nomination] = await nominations(app)
    assert nomination.status == "pending" and nomination.kind == "individual"
    assert nomination.nominee_kind == "nguoi_dan" and nomination.gender == "nam"
    assert nomination.award == "giay_khen_chu_tich_xa"
    assert nomination.achievement_type == "dot_xuat" and nomination.period == "2026"
    assert nomination.birth_year == 1965 and len(nomination.file_ids) == 2
    assert nomination.unit_id == world.villages[0].id
    async with app.sessions() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "nomination.filed")
        )
    assert audit is not None and audit.entity_id == nomination.id


# A principal proposes a teacher for LĐTT of the school year, then for CSTĐCS.
def teacher_for(award: str, *then: tuple[str, object]) -> list[tuple[str, object]]:
    return [
        ("/dexuat", ["Cán bộ, công chức, viên chức, người lao động", "Học sinh"]),
        ("1", "Họ và tên"),
        ("Trần Thị Mai", "Nam hay nữ"),
        ("Nữ", "Năm sinh"),
        ("1985", "Chức vụ"),
        ("Giáo viên, Trường Tiểu học Hòa Bình", ["Lao động tiên tiến", "Chiến sĩ thi đua cơ sở"]),
        (award, ["năm (năm học) nào", "Năm học 2025-2026", "Năm học 2026-2027"]),
        *then,
    ]


FINISH = [
    ("1", "thành tích"),
    ("Dạy giỏi cấp xã, 100% học sinh lớp chủ nhiệm hoàn thành chương trình.", "minh chứng"),
    ("Xong", "Gửi đề xuất"),
]


async def test_cstdcs_asks_for_the_initiative_and_the_same_round_advanced_worker_title(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "principal",
        teacher_for(
            "Chiến sĩ thi đua cơ sở",
            ("Năm học 2025-2026", ["cần “Lao động tiên tiến”", "Đã đề xuất trong đợt"]),
            ("Đã đề xuất trong đợt 2025-2026", ["Chưa thấy đề xuất “Lao động tiên tiến”"]),
            ("/huy", "Bỏ bản nháp"),
            ("Bỏ bản nháp", "Đã bỏ bản nháp"),
        ),
    )
    await dialog(
        app.engine,
        "principal",
        [
            *teacher_for("Lao động tiên tiến", ("Năm học 2025-2026", "phong trào")),
            *FINISH,
            ("Gửi đề xuất", "Đã gửi đề xuất #1"),
        ],
    )
    await dialog(
        app.engine,
        "principal",
        [
            *teacher_for(
                "Chiến sĩ thi đua cơ sở",
                ("Năm học 2025-2026", "Đã đề xuất trong đợt"),
                ("Đã đề xuất trong đợt 2025-2026", "Sáng kiến"),
                ("hay", "ít nhất 10 ký tự"),
                (
                    "Dạy đọc hiểu qua trò chơi, Hội đồng sáng kiến trường công nhận 2026",
                    "phong trào",
                ),
            ),
            *FINISH,
            ("Gửi đề xuất", "Đã gửi đề xuất #2"),
        ],
    )
    first, second = await nominations(app)
    assert (first.award, first.period, first.nominee_kind) == (
        "lao_dong_tien_tien",
        "2025-2026",
        "can_bo",
    )
    assert second.award == "chien_si_thi_dua_co_so" and second.gender == "nu"
    assert second.initiative and "trò chơi" in second.initiative


async def test_cstdcs_rests_on_a_decision_number_when_the_title_was_given_before(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "principal",
        [
            *teacher_for(
                "Chiến sĩ thi đua cơ sở",
                ("Năm học 2025-2026", "Đã đề xuất trong đợt"),
                ("12", "số và ngày quyết định"),
                ("Sổ tay điện tử chủ nhiệm lớp", "số và ngày quyết định"),  # no number cited
                ("QĐ 45/QĐ-UBND ngày 30/5/2025", "có trước đợt 2025-2026"),  # last year's
                ("QĐ 98/QĐ-UBND ngày 20/6/2027", "chưa đến"),
                ("QĐ 98/QĐ-UBND ngày 20/6/2026", "Sáng kiến"),
                ("Sổ tay điện tử chủ nhiệm lớp, trường công nhận", "phong trào"),
            ),
            *FINISH,
            ("Gửi đề xuất", "Đã gửi đề xuất #1"),
        ],
    )
    [nomination] = await nominations(app)
    assert nomination.prior_title == "QĐ 98/QĐ-UBND ngày 20/6/2026"


# nominator, nominee kind → awards offered, awards refused (the law's answer, by key)
OFFERED_BY_KIND = {
    ("head1", "nguoi_dan"): (
        ["giay_khen_chu_tich_xa", "bang_khen_chu_tich_tinh", "nguoi_tot_viec_tot"],
        ["lao_dong_tien_tien", "chien_si_thi_dua_co_so", "gia_dinh_van_hoa"],
    ),
    ("head1", "ho_gia_dinh"): (
        ["giay_khen_chu_tich_xa", "nguoi_tot_viec_tot"],
        ["gia_dinh_van_hoa", "lao_dong_tien_tien"],
    ),
    ("head1", "thon_to_dan_pho"): (
        ["thon_to_dan_pho_van_hoa", "giay_khen_chu_tich_xa"],
        ["tap_the_lao_dong_tien_tien", "tap_the_lao_dong_xuat_sac"],
    ),
    ("head1", "chi_hoi_doan_the"): (
        ["giay_khen_chu_tich_xa", "bang_khen_chu_tich_tinh"],
        ["tap_the_lao_dong_tien_tien", "thon_to_dan_pho_van_hoa"],
    ),
    ("principal", "can_bo"): (
        ["lao_dong_tien_tien", "chien_si_thi_dua_co_so", "chien_si_thi_dua_tinh"],
        ["tap_the_lao_dong_tien_tien", "gia_dinh_van_hoa", "thon_to_dan_pho_van_hoa"],
    ),
    ("principal", "hoc_sinh"): (
        ["giay_khen_chu_tich_xa"],
        ["lao_dong_tien_tien", "chien_si_thi_dua_co_so"],
    ),
    ("principal", "co_quan_don_vi"): (
        ["tap_the_lao_dong_tien_tien", "tap_the_lao_dong_xuat_sac"],
        ["lao_dong_tien_tien", "thon_to_dan_pho_van_hoa"],
    ),
    ("principal", "chi_hoi_doan_the"): (
        ["giay_khen_chu_tich_xa"],
        ["tap_the_lao_dong_tien_tien", "thon_to_dan_pho_van_hoa"],
    ),
}
# the kinds a head of each unit may not propose at all
NOT_THEIRS = {
    "head1": ["can_bo", "hoc_sinh", "co_quan_don_vi"],
    "principal": ["nguoi_dan", "ho_gia_dinh", "thon_to_dan_pho"],
}


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_each_nominee_kind_is_offered_what_fits_it(app: App, world: World, lang: str) -> None:
    await load_defaults(app)
    async with app.sessions() as session, session.begin():
        for chat in NOT_THEIRS:
            (await session.get_one(Member, world.members[chat].id)).locale = lang
    law = catalogue()
    with use_locale(lang):
        kind_label = {k.key: k.label for k in law.kinds}
        award_label = {a.key: a.label for a in law.awards}
        discard = _("draft.opt.discard")
    start, stop = {"vi": ("/dexuat", "/huy"), "en": ("/nominate", "/cancel")}[lang]

    async def cancel(chat: str) -> None:
        if discard in options(await dialog(app.engine, chat, [(stop, "")])):
            await dialog(app.engine, chat, [(discard, "")])

    for chat, kinds in NOT_THEIRS.items():
        offered_kinds = options(await dialog(app.engine, chat, [(start, "")]))
        assert not {kind_label[k] for k in kinds} & set(offered_kinds), (chat, offered_kinds)
        await cancel(chat)
    for (chat, kind), (offered, refused) in OFFERED_BY_KIND.items():
        await dialog(app.engine, chat, [(start, kind_label[kind])])
        await dialog(app.engine, chat, [(kind_label[kind], "")])
        turn = await dialog(app.engine, chat, [("Lò Văn Bảo", "")])
        if len(options(turn)) == 2:  # an individual: gender, then the year of birth
            await dialog(app.engine, chat, [("2", ""), ("1990", "")])
        turn = await dialog(app.engine, chat, [("Địa chỉ, đơn vị của đối tượng", "")])
        labels = options(turn)
        for key in offered:
            assert award_label[key] in labels, (lang, kind, key, labels)
        for key in refused:
            assert award_label[key] not in labels, (lang, kind, key, labels)
        await cancel(chat)


async def test_the_same_dialog_in_english(app: App, world: World) -> None:
    await load_defaults(app)
    async with app.sessions() as session, session.begin():
        for chat in ("head1", "principal"):
            member = await session.get_one(Member, world.members[chat].id)
            member.locale = "en"
    await dialog(
        app.engine,
        "head1",
        [
            ("/nominate", ["Who are you proposing", "Resident", "Household"]),
            ("Household", "head of household"),
            ("Lò Văn Bảo", "address"),
            ("Hamlet 2, Đông village", ["Which title", "Certificate of merit from the commune"]),
            ("/cancel", ""),
        ],
    )
    await dialog(
        app.engine,
        "principal",
        [
            ("/nominate", "Official, civil servant"),
            ("1", "Full name"),
            ("Trần Thị Mai", "Male or female"),
            ("Female", "Year of birth"),
            ("1985", "Position"),
            ("Teacher", ["Advanced worker", "Grassroots emulation fighter"]),
            ("Grassroots emulation fighter", "School year 2025-2026"),
            ("School year 2025-2026", "“Advanced worker” 2025-2026"),
            ("Proposed in the 2025-2026 round", "No “Advanced worker” nomination"),
        ],
    )


async def test_every_validation_error_is_explained(app: App, world: World, tmp_path: Path) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "head1",
        [
            ("de xuat", "đề xuất cho ai"),
            ("ca nhan thi sao", "chọn một mục"),
            ("Người dân", "Họ và tên"),
            ("1", "họ tên đầy đủ"),
            ("A" * 121, "tối đa 120"),
            ("Nguyễn Văn An", "Nam hay nữ"),
            ("không rõ", "chọn một mục"),
            ("Nam", "Năm sinh"),
            ("1800", "từ 1900 đến 2026"),
            ("2027", "từ 1900 đến 2026"),
            ("năm ngoái", "từ 1900 đến 2026"),
            ("1965", "Chức vụ"),
            ("?", "chức vụ và đơn vị"),
            ("Nông dân, thôn Đông", "hình thức khen thưởng"),
            ("Bằng khen Thủ tướng", "chọn một mục"),
            ("Lao động tiên tiến", "chỉ xét cho cán bộ, công chức, viên chức, người lao động"),
            ("42", "chọn một mục"),
            ("3", "phong trào"),
            ("99", "chọn một mục"),
            ("Phong trào tự đặt tên", "thành tích"),
            ("tốt", "ít nhất 10 ký tự"),
            ("x" * 1501, "tối đa 1500"),
            (ACHIEVEMENT, "minh chứng"),
            ("đây là ảnh", "hoặc chọn “Xong”"),
        ],
    )
    refused = await send_file(app, "head1", write(tmp_path, "a.exe", b"MZ\x90\x00" * 8), "document")
    assert "chỉ nhận ảnh" in texts(refused)
    summary = await dialog(
        app.engine,
        "head1",
        [("Xong", ["Người tốt, việc tốt", "Phong trào: Phong trào tự đặt tên"])],
    )
    assert "Minh chứng: 0 tệp" in texts(summary)
    await dialog(app.engine, "head1", [("1", "Đã gửi đề xuất")])
    [nomination] = await nominations(app)
    assert nomination.award == "nguoi_tot_viec_tot" and nomination.file_ids == []


async def test_edit_one_item_from_the_summary(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "head1",
        [
            *INDIVIDUAL_TO_FILES,
            ("Xong", "năm sinh: 1965"),
            ("Sửa một mục", ["sửa mục nào", "Năm sinh", "Thành tích", "Quay lại"]),
            ("Năm sinh", "Năm sinh?"),
            ("1966", "năm sinh: 1966"),
            ("2", "sửa mục nào"),
            ("Hình thức khen thưởng", "hình thức khen thưởng"),
            ("Bằng khen của Chủ tịch UBND tỉnh", "loại nào"),
            ("Thường xuyên (tổng kết năm)", "năm (năm học) nào"),
            ("Năm 2025", "Hình thức đề nghị: Bằng khen của Chủ tịch UBND tỉnh"),
            ("2", "sửa mục nào"),
            ("Quay lại", "Gửi đề xuất"),
            ("1", "Đã gửi đề xuất"),
        ],
    )
    [nomination] = await nominations(app)
    assert (nomination.birth_year, nomination.award) == (1966, "bang_khen_chu_tich_tinh")
    assert (nomination.achievement_type, nomination.period) == ("thuong_xuyen", "2025")


async def test_cancel_asks_then_throws_the_draft_away_and_keeps_nothing(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await dialog(
        app.engine,
        "head1",
        [
            *INDIVIDUAL_TO_FILES[:4],
            ("/huy", "đang làm dở đề xuất khen thưởng Nguyễn Văn An"),
            ("Bỏ bản nháp", "Đã bỏ bản nháp"),
        ],
    )
    await dialog(app.engine, "head1", [*INDIVIDUAL_TO_FILES, ("Xong", "Gửi đề xuất")])
    await dialog(app.engine, "head1", [("Hủy", "đề xuất chưa được gửi")])
    await dialog(app.engine, "head1", [INDIVIDUAL_TO_FILES[0]])  # starts afresh
    assert await nominations(app) == []


async def test_half_filled_nomination_resumes_after_a_restart(app: App, world: World) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", INDIVIDUAL_TO_FILES[:7])
    async with restarted(app) as again:
        await dialog(
            again.engine,
            "head1",
            [
                ("Đột xuất", "phong trào"),
                ("1", "thành tích"),
                (ACHIEVEMENT, "minh chứng"),
                ("xong", "Nguyễn Văn An"),
                ("1", "Đã gửi đề xuất"),
            ],
        )
        assert len(await nominations(again)) == 1


async def test_roles_that_may_not_nominate_are_refused(app: App, world: World) -> None:
    await dialog(app.engine, "staff", [("/dexuat", "không dùng được chức năng này")])
    await dialog(app.engine, "outsider", [("de xuat", "không dùng được chức năng này")])


async def test_starting_again_midway_resumes_the_half_filled_nomination(
    app: App, world: World
) -> None:
    await load_defaults(app)
    await dialog(app.engine, "head1", INDIVIDUAL_TO_FILES[:9])
    await dialog(
        app.engine,
        "head1",
        [
            ("de xuat", ["đang làm dở một đề xuất", "tóm tắt thành tích"]),
            (ACHIEVEMENT, "minh chứng"),
            ("/dexuat", ["đang làm dở", "minh chứng"]),
            ("xong", "Nguyễn Văn An"),
            ("/dexuat", ["đang làm dở", "Gửi đề xuất"]),
            ("1", "Đã gửi đề xuất #1"),
            ("/dexuat", "đề xuất cho ai"),
        ],
    )
    assert len(await nominations(app)) == 1
