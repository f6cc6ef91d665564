"""The dossier's .docx files open with python-docx, LibreOffice (headless) turns each into a PDF,
and the PDF's text has the national header, the list's rows and the vote counts."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from storage.dossier import (
    Dossier,
    HouseholdMeeting,
    Meeting,
    PublicList,
    Row,
    render,
    render_minutes,
    render_notice,
    render_public_list,
)

pytestmark = pytest.mark.nodb


def row(nominee: str, award_key: str, award: str, scope: str = "individual", **kw: object) -> Row:
    values: dict[str, object] = {
        "nominee": nominee,
        "birth_year": 1985,
        "gender": "nu",
        "position": "Giáo viên",
        "unit": "Trường Tiểu học Lam Sơn",
        "award_key": award_key,
        "award": award,
        "achievement": f"Thành tích của {nominee}: hoàn thành xuất sắc nhiệm vụ năm học.",
        "scope": scope,
        "initiative": None,
        "prior_title": None,
        "votes_for": 8,
        "votes_against": 1,
        "upward": False,
    }
    values.update(kw)
    return Row(**values)  # type: ignore[arg-type]


def sample() -> Dossier:
    dossier = Dossier("Xã Lam Sơn", 2026)
    dossier.rows = [
        row("Trần Thị Mai", "lao_dong_tien_tien", "Lao động tiên tiến"),
        row(
            "Trần Thị Mai",
            "chien_si_thi_dua_co_so",
            "Chiến sĩ thi đua cơ sở",
            initiative="Dạy đọc hiểu qua trò chơi",
            votes_for=7,
            votes_against=2,
        ),
        row(
            "Tổ chuyên môn khối 4",
            "tap_the_lao_dong_tien_tien",
            "Tập thể lao động tiên tiến",
            scope="collective",
            birth_year=None,
            gender=None,
            votes_for=9,
            votes_against=0,
        ),
        row(
            "Hà Văn\x01 Bình",
            "giay_khen_chu_tich_xa",
            "Giấy khen của Chủ tịch UBND xã",
            award_kind="form",
            gender="nam",
            birth_year=1970,
            position="Nông dân",
            unit="Thôn Đồng Tâm",
            votes_for=6,
            votes_against=3,
        ),
    ]
    dossier.meetings = [Meeting(date(2026, 12, 5), 9, 9)]
    return dossier


def to_pdf(paths: list[Path], out: Path) -> list[str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, (
        "LibreOffice is missing: `make test` installs it (apt-get libreoffice-writer-nogui)"
    )
    profile = (out / "profile").as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    texts = []
    for path in paths:
        reader = PdfReader(out / f"{path.stem}.pdf")
        texts.append("\n".join(page.extract_text() for page in reader.pages))
    return texts


def flat(text: str) -> str:
    return " ".join(text.split())


MEETING = HouseholdMeeting(
    commune="Xã Lam Sơn",
    unit="Thôn Đồng Tâm",
    year=2026,
    meeting_on=date(2026, 11, 20),
    households=["Lò Văn Khánh", "Hà Thị Lan", "Vi Văn Minh"],
    head="Trưởng thôn",
    head_name="Hà Văn Tùng",
    present=95,
    total=120,
)


VILLAGES = PublicList(
    commune="Xã Lam Sơn",
    year=2026,
    award="Thôn, tổ dân phố văn hóa",
    meeting_on=date(2026, 12, 5),
    until=date(2026, 12, 15),
    nominees=[
        ("Thôn Đồng Tâm", "95% hộ đạt “Gia đình văn hóa”; không có tệ nạn xã hội."),
        ("Tổ dân phố Số 3", "Đường phố sáng, xanh, sạch; hòa giải thành 4/4 vụ việc."),
    ],
)


def test_four_documents_in_the_national_format_with_rows_and_votes(tmp_path: Path) -> None:
    paths = render(sample(), tmp_path / "hoso")
    notice = render_notice(MEETING, date(2026, 11, 21), date(2026, 12, 1), tmp_path / "tb.docx")
    minutes = render_minutes(MEETING, tmp_path / "bb.docx")
    public = render_public_list(VILLAGES, tmp_path / "ck.docx")
    assert [p.name for p in paths] == [
        "01-to-trinh.docx",
        "02-bien-ban-hop-hoi-dong.docx",
        "03-bao-cao-thanh-tich.docx",
        "04-du-thao-quyet-dinh.docx",
    ]
    for path in paths:
        opened = Document(str(path))
        header = opened.tables[0].rows[0].cells
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header[1].text
        assert "XÃ LAM SƠN" in header[0].text.upper()
        section = opened.sections[0]
        assert (round(section.page_width.mm), round(section.left_margin.mm)) == (210, 30)
    texts = [flat(t) for t in to_pdf([*paths, notice, minutes, public], tmp_path)]
    to_trinh, bien_ban, bao_cao, quyet_dinh, posted, held, villages = texts
    for text in (to_trinh, bien_ban, bao_cao, quyet_dinh):
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "Độc lập - Tự do - Hạnh phúc" in text
        assert "Lam Sơn, ngày" in text and "năm 2026" in text
    assert "TỜ TRÌNH" in to_trinh and "/TTr-UBND" in to_trinh and "Nơi nhận" in to_trinh
    for heading in (
        "I. Lao động tiên tiến (1)",
        "II. Chiến sĩ thi đua cơ sở (1)",
        "III. Tập thể lao động tiên tiến (1)",
        "IV. Giấy khen của Chủ tịch UBND xã (1)",
    ):
        assert heading in to_trinh, heading
    assert "Hà Văn Bình" in to_trinh and "1970" in to_trinh and "Nam" in to_trinh
    assert "\x01" not in to_trinh
    assert "BIÊN BẢN" in bien_ban and "9 thành viên, có mặt 9" in bien_ban
    for votes in ("8/9", "7/9", "9/9", "6/9"):
        assert votes in bien_ban, votes
    assert bao_cao.count("Đề nghị tặng") == 4
    assert "SƠ LƯỢC LÝ LỊCH" in bao_cao and "ĐẶC ĐIỂM, TÌNH HÌNH" in bao_cao
    assert "Dạy đọc hiểu qua trò chơi" in bao_cao
    assert "QUYẾT ĐỊNH" in quyet_dinh and "Tặng danh hiệu “Lao động tiên tiến”" in quyet_dinh
    assert "Tặng Giấy khen của Chủ tịch UBND xã cho 1 trường hợp" in quyet_dinh
    # the "Gia đình văn hóa" notice and the village meeting's minutes (Mẫu số 03), same format
    for text in (posted, held):
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "THÔN ĐỒNG TÂM" in text
        assert "Vi Văn Minh" in text
    assert "THÔNG BÁO" in posted and "đến hết ngày 01/12/2026" in posted
    assert "BIÊN BẢN HỌP" in held and "Lam Sơn, ngày 20 tháng 11 năm 2026" in held
    assert "95/120 hộ" in held and "nhất trí đề nghị 3 hộ gia đình trên tổng số 120 hộ" in held
    assert "CHỦ TRÌ" in held and "Hà Văn Tùng" in held and "Số:" not in held
    # the commune's notice of the villages the council passed for "Thôn, tổ dân phố văn hóa"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in villages and "/TB-UBND" in villages
    assert "Công khai danh sách đề nghị xét tặng danh hiệu “Thôn, tổ dân phố văn hóa”" in villages
    assert "Thôn Đồng Tâm" in villages and "Tổ dân phố Số 3" in villages
    assert "đến hết ngày 15/12/2026" in villages and "05/12/2026" in villages
