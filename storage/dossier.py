"""The commune's nomination dossier, ready to sign, as .docx in the national document format
(Nghị định 30/2020/NĐ-CP: A4, Times New Roman, quốc hiệu and tiêu ngữ, the issuing body,
số/ký hiệu, địa danh and date, title, body, nơi nhận and the signature block).

Four documents: the tờ trình with the list grouped by award (STT, họ và tên, năm sinh, nam/nữ,
chức vụ – đơn vị, hình thức, thành tích tóm tắt); the biên bản of the council meeting with the
votes per nominee; the báo cáo thành tích of each nominee (the individual or the collective
form); the draft quyết định of the commune chair. Only nominations the council passed are in.
`gather` (`storage.nomination_list`, shared with the Excel list) reads the database; `render`
writes the files and touches no database. The "Gia đình văn hóa" notice and meeting minutes
(`render_notice`, `render_minutes`) are in the same format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from storage.nomination_list import Dossier, Meeting, Row, gather
from storage.sheets import UNFIT

__all__ = ["Dossier", "HouseholdMeeting", "Meeting", "Row", "gather", "render", "render_minutes"]

FONT = "Times New Roman"
FILES = (
    "01-to-trinh.docx",
    "02-bien-ban-hop-hoi-dong.docx",
    "03-bao-cao-thanh-tich.docx",
    "04-du-thao-quyet-dinh.docx",
)


def text(value: object) -> str:
    """The value as text a .docx can hold: the characters a spreadsheet cannot hold are those
    Word's XML refuses too (control characters), so the exports' own filter drops them."""
    return UNFIT.sub("", str(value if value is not None else ""))


# Rendering -------------------------------------------------------------------------------------


def _document() -> Any:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)
    style.element.rPr.rFonts.set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", FONT
    )
    style.paragraph_format.space_after = Pt(3)
    return doc


def _para(
    where: object,
    value: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
) -> Paragraph:
    paragraph: Paragraph = where.add_paragraph()  # type: ignore[attr-defined]
    if align is not None:
        paragraph.alignment = align
    if value:
        run = paragraph.add_run(text(value))
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    return paragraph


def _header(
    doc: Any,
    body: str,
    number: str | None,
    place: str,
    year: int,
    above: str = "ỦY BAN NHÂN DÂN",
    on: date | None = None,
) -> None:
    """Quốc hiệu, tiêu ngữ, the issuing body (under the body `above` it), số/ký hiệu (none for
    minutes), địa danh and date (NĐ 30/2020); the date left to fill in unless `on` is known."""
    table: Table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    first = left.paragraphs[0]
    first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    first.add_run(text(above).upper()).font.size = Pt(12)
    issuer = first.add_run("\n" + text(body).upper())
    issuer.bold, issuer.font.size = True, Pt(12)
    _para(left, "———", align=WD_ALIGN_PARAGRAPH.CENTER, size=10)
    if number is not None:
        _para(left, f"Số:       /{number}", align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
    national = right.paragraphs[0]
    national.alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto = national.add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    motto.bold, motto.font.size = True, Pt(12)
    second = national.add_run("\nĐộc lập - Tự do - Hạnh phúc")
    second.bold, second.font.size = True, Pt(13)
    _para(right, "———————————", align=WD_ALIGN_PARAGRAPH.CENTER, size=10)
    when = (
        f"{place}, ngày {on.day:02d} tháng {on.month:02d} năm {on.year}"
        if on
        else f"{place}, ngày      tháng      năm {year}"
    )
    _para(right, when, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    _widths(table, (Mm(68), Mm(97)))


def _title(doc: Any, kind: str, subject: str) -> None:
    _para(doc, kind, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, subject, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)


def _closing(doc: Any, receivers: Sequence[str], signer: str, title: str) -> None:
    """Nơi nhận on the left, the signer's title and name on the right."""
    table: Table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    head = left.paragraphs[0]
    label = head.add_run("Nơi nhận:")
    label.bold, label.italic, label.font.size = True, True, Pt(12)
    for receiver in receivers:
        _para(left, f"- {receiver};", size=11)
    _para(left, "- Lưu: VT.", size=11)
    top = right.paragraphs[0]
    top.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = top.add_run(title.upper())
    run.bold = True
    _para(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for _blank in range(3):
        _para(right)
    _para(right, signer, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _widths(table, (Mm(80), Mm(85)))


def _widths(table: Table, widths: Sequence[Mm]) -> None:
    """Column widths that Word and LibreOffice both keep (grid and every cell)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=False):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width


def _gender(row: Row) -> str:
    return {"nam": "Nam", "nu": "Nữ"}.get(row.gender or "", "")


def _list_table(doc: Any, dossier: Dossier) -> None:
    headers = (
        "STT",
        "Họ và tên",
        "Năm sinh",
        "Nam/Nữ",
        "Chức vụ – đơn vị",
        "Hình thức",
        "Thành tích tóm tắt",
    )
    table: Table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(header).bold = True
    widths = (Mm(10), Mm(30), Mm(14), Mm(13), Mm(34), Mm(26), Mm(38))
    for group_no, (award, rows) in enumerate(dossier.groups(), 1):
        merged = table.add_row().cells
        head = merged[0].merge(merged[-1])
        head.paragraphs[0].add_run(f"{_roman(group_no)}. {award} ({len(rows)})").bold = True
        for i, row in enumerate(rows, 1):
            cells = table.add_row().cells
            values = (
                i,
                row.nominee,
                row.birth_year or "",
                _gender(row),
                row.position_unit,
                row.award,
                row.achievement,
            )
            for cell, value in zip(cells, values, strict=True):
                cell.paragraphs[0].add_run(text(value)).font.size = Pt(11)
    _widths(table, widths)


def _roman(n: int) -> str:
    return (
        ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"][n] if n <= 10 else str(n)
    )


def _to_trinh(dossier: Dossier) -> Any:
    doc = _document()
    _header(doc, dossier.commune, "TTr-UBND", dossier.place, dossier.year)
    _title(doc, "TỜ TRÌNH", f"Về việc đề nghị khen thưởng năm {dossier.year}")
    _para(
        doc,
        f"Kính gửi: Chủ tịch Ủy ban nhân dân {dossier.commune}.",
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _para(doc, "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;")
    _para(
        doc,
        "Căn cứ Nghị định số 152/2025/NĐ-CP của Chính phủ quy định về phân cấp, phân quyền "
        "trong lĩnh vực thi đua, khen thưởng và hướng dẫn thi hành Luật Thi đua, khen thưởng;",
    )
    dates = ", ".join(m.held_on.strftime("%d/%m/%Y") for m in dossier.meetings) or "…"
    _para(doc, f"Căn cứ kết quả họp Hội đồng Thi đua – Khen thưởng xã ngày {dates},")
    upward = sum(1 for r in dossier.rows if r.upward)
    _para(
        doc,
        f"Phòng Văn hóa – Xã hội trình Chủ tịch Ủy ban nhân dân xã xem xét, khen thưởng "
        f"{len(dossier.rows) - upward} trường hợp thuộc thẩm quyền của xã và trình cấp tỉnh "
        f"{upward} trường hợp, theo danh sách dưới đây:",
    )
    _list_table(doc, dossier)
    _para(doc, "Kính trình Chủ tịch Ủy ban nhân dân xã xem xét, quyết định./.")
    _closing(
        doc, ["Như trên", "Hội đồng Thi đua – Khen thưởng xã"], "", "Trưởng phòng Văn hóa – Xã hội"
    )
    return doc


def _bien_ban(dossier: Dossier) -> Any:
    doc = _document()
    _header(doc, dossier.commune, "BB-HĐTĐKT", dossier.place, dossier.year)
    _title(doc, "BIÊN BẢN", "Họp Hội đồng Thi đua – Khen thưởng xã")
    meetings: list[Meeting | None] = list(dossier.meetings) or [None]
    for meeting in meetings:
        when = meeting.held_on.strftime("%d/%m/%Y") if meeting else "…"
        members = meeting.members if meeting else "…"
        present = meeting.present if meeting else "…"
        _para(doc, f"Thời gian: ngày {when}. Địa điểm: Trụ sở Ủy ban nhân dân {dossier.commune}.")
        _para(doc, f"Thành phần: Hội đồng có {members} thành viên, có mặt {present} thành viên.")
    _para(
        doc, "Nội dung: Hội đồng xét đề nghị khen thưởng; kết quả bỏ phiếu kín như sau:", bold=True
    )
    headers = ("STT", "Họ và tên / tên tập thể", "Hình thức", "Đồng ý", "Không đồng ý", "Kết quả")
    table: Table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(header).bold = True
    members_total = dossier.meetings[0].members if dossier.meetings else 0
    for i, row in enumerate(dossier.rows, 1):
        votes_for = row.votes_for if row.votes_for is not None else 0
        cells = table.add_row().cells
        share = f"{votes_for}/{members_total}" if members_total else str(votes_for)
        values = (i, row.nominee, row.award, share, row.votes_against or 0, "Thông qua")
        for cell, value in zip(cells, values, strict=True):
            cell.paragraphs[0].add_run(text(value)).font.size = Pt(11)
    _para(doc, "Biên bản được thông qua tại cuộc họp và được các thành viên nhất trí./.")
    table2: Table = doc.add_table(rows=1, cols=2)
    for cell, who in zip(table2.rows[0].cells, ("THƯ KÝ", "CHỦ TỊCH HỘI ĐỒNG"), strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell.paragraphs[0].add_run(who).bold = True
        _para(cell, "(Ký, ghi rõ họ tên)", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    return doc


def _bao_cao(dossier: Dossier) -> Any:
    doc = _document()
    for i, row in enumerate(dossier.rows):
        if i:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        above = f"UBND {dossier.commune}" if row.unit != dossier.commune else "ỦY BAN NHÂN DÂN"
        _header(doc, row.unit, "BC", dossier.place, dossier.year, above)
        individual = row.scope == "individual"
        _title(
            doc,
            "BÁO CÁO THÀNH TÍCH",
            f"Đề nghị tặng {row.award}" if individual else f"Đề nghị tặng {row.award} cho tập thể",
        )
        if individual:
            _para(doc, "I. SƠ LƯỢC LÝ LỊCH", bold=True)
            _para(doc, f"- Họ và tên: {row.nominee}. Giới tính: {_gender(row) or '…'}.")
            _para(doc, f"- Năm sinh: {row.birth_year or '…'}.")
            _para(doc, f"- Chức vụ, đơn vị công tác: {row.position or '…'} – {row.unit}.")
        else:
            _para(doc, "I. ĐẶC ĐIỂM, TÌNH HÌNH", bold=True)
            _para(doc, f"- Tên tập thể: {row.nominee}.")
            _para(doc, f"- Thuộc: {row.position or row.unit}.")
        _para(doc, "II. THÀNH TÍCH ĐẠT ĐƯỢC", bold=True)
        _para(doc, row.achievement)
        if row.initiative:
            _para(doc, f"- Sáng kiến: {row.initiative}.")
        _para(doc, "III. CÁC HÌNH THỨC ĐÃ ĐƯỢC KHEN THƯỞNG", bold=True)
        _para(doc, f"- {row.prior_title}." if row.prior_title else "- …")
        signer = "NGƯỜI BÁO CÁO THÀNH TÍCH" if individual else "THỦ TRƯỞNG ĐƠN VỊ"
        _closing(doc, [], "", signer)
    return doc


def _quyet_dinh(dossier: Dossier) -> Any:
    doc = _document()
    _header(doc, dossier.commune, "QĐ-UBND", dossier.place, dossier.year)
    _title(doc, "QUYẾT ĐỊNH", f"Về việc khen thưởng năm {dossier.year}")
    _para(
        doc,
        f"CHỦ TỊCH ỦY BAN NHÂN DÂN {dossier.commune.upper()}",
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _para(doc, "Căn cứ Luật Tổ chức chính quyền địa phương;", italic=True)
    _para(doc, "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;", italic=True)
    _para(doc, "Căn cứ Nghị định số 152/2025/NĐ-CP của Chính phủ;", italic=True)
    _para(
        doc,
        "Theo đề nghị của Hội đồng Thi đua – Khen thưởng xã và Trưởng phòng Văn hóa – Xã hội.",
        italic=True,
    )
    _para(doc, "QUYẾT ĐỊNH:", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    local = [(award, [r for r in rows if not r.upward]) for award, rows in dossier.groups()]
    local = [(award, rows) for award, rows in local if rows]
    _para(
        doc,
        "Điều 1. Khen thưởng các tập thể, cá nhân, hộ gia đình đã có thành tích trong phong trào "
        f"thi đua năm {dossier.year}, gồm:",
        bold=True,
    )
    for i, (award, rows) in enumerate(local, 1):
        title = rows[0].award_kind == "title"
        what = f"danh hiệu “{award}”" if title else award
        _para(doc, f"{i}. Tặng {what} cho {len(rows)} trường hợp:", bold=True)
        for j, row in enumerate(rows, 1):
            where = row.position_unit
            _para(doc, f"{j}) {row.nominee}, {where}.")
    _para(doc, "Điều 2. Tiền thưởng kèm theo thực hiện theo quy định hiện hành.")
    _para(
        doc,
        "Điều 3. Văn phòng HĐND và UBND, Phòng Văn hóa – Xã hội, Phòng Kinh tế, các tập "
        "thể, cá nhân, hộ gia đình có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định "
        "này./.",
    )
    _closing(doc, ["Như Điều 3", "Thường trực Đảng ủy, HĐND xã"], "", "Chủ tịch")
    return doc


def render(dossier: Dossier, out_dir: Path) -> list[Path]:
    """Writes the four documents into `out_dir` and returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, build in zip(FILES, (_to_trinh, _bien_ban, _bao_cao, _quyet_dinh), strict=True):
        path = out_dir / name
        build(dossier).save(str(path))
        paths.append(path)
    return paths


@dataclass(frozen=True)
class HouseholdMeeting:
    """A thôn's or tổ dân phố's "Gia đình văn hóa" meeting and the list it agreed: what the
    posted notice and the minutes say. `head` is the head's title ("Trưởng thôn", "Tổ trưởng tổ
    dân phố"); `present`/`total`: households at the meeting / of the unit (None: not given)."""

    commune: str
    unit: str
    year: int
    meeting_on: date
    households: Sequence[str]
    head: str
    head_name: str = ""
    present: int | None = None
    total: int | None = None

    @property
    def place(self) -> str:
        return Dossier(self.commune, self.year).place


def _households_table(doc: Any, households: Sequence[str]) -> None:
    table: Table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, ("STT", "Họ và tên chủ hộ"), strict=True):
        cell.paragraphs[0].add_run(header).bold = True
    for i, name in enumerate(households, 1):
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(str(i))
        cells[1].paragraphs[0].add_run(text(name))
    _widths(table, (Mm(15), Mm(150)))


def render_notice(meeting: HouseholdMeeting, posted_on: date, until: date, path: Path) -> Path:
    """The printable notice posting the list for residents' views for 10 days, signed by the
    unit's head."""
    doc = _document()
    _header(doc, meeting.unit, "TB", meeting.place, meeting.year, above=f"UBND {meeting.commune}")
    _title(
        doc,
        "THÔNG BÁO",
        f"Danh sách hộ gia đình đề nghị xét tặng danh hiệu “Gia đình văn hóa” năm {meeting.year}",
    )
    _para(
        doc,
        f"Căn cứ kết quả họp {meeting.unit} ngày {meeting.meeting_on.strftime('%d/%m/%Y')} bình "
        "xét danh hiệu “Gia đình văn hóa” theo Nghị định số 86/2023/NĐ-CP của Chính phủ, "
        f"{meeting.unit} thông báo công khai danh sách {len(meeting.households)} hộ gia đình sau:",
    )
    _households_table(doc, meeting.households)
    _para(
        doc,
        f"Thời gian niêm yết: 10 ngày, từ ngày {posted_on.strftime('%d/%m/%Y')} đến hết "
        f"ngày {until.strftime('%d/%m/%Y')}. Ý kiến xin gửi {meeting.head}, Ban Công tác Mặt "
        "trận, hoặc gửi qua Bot (lệnh /ykien).",
    )
    receivers = [f"Bảng tin {meeting.unit}", "UBND xã (Phòng Văn hóa – Xã hội)"]
    _closing(doc, receivers, meeting.head_name, meeting.head)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def _count(value: int | None) -> str:
    return str(value) if value is not None else "……"


def render_minutes(meeting: HouseholdMeeting, path: Path) -> Path:
    """The minutes of the meeting that agreed the list (after Mẫu số 03 of Nghị định
    86/2023/NĐ-CP): who chaired and who came, what was weighed, the households agreed, the
    10-day posting; the place, the hour and the secretary are left to fill in by hand."""
    doc = _document()
    _header(
        doc,
        meeting.unit,
        None,
        meeting.place,
        meeting.year,
        above=f"Ủy ban nhân dân\n{meeting.commune}",
        on=meeting.meeting_on,
    )
    _title(
        doc,
        "BIÊN BẢN HỌP",
        f"{meeting.unit} bình xét danh hiệu “Gia đình văn hóa” năm {meeting.year}",
    )
    held = meeting.meeting_on
    _para(
        doc,
        f"Hôm nay, vào hồi …… giờ …… ngày {held.day:02d} tháng {held.month:02d} năm {held.year}, "
        f"tại ……………………, {meeting.unit} tổ chức họp bình xét danh hiệu “Gia đình văn hóa” "
        f"năm {meeting.year} theo Nghị định số 86/2023/NĐ-CP của Chính phủ.",
    )
    _para(doc, "I. THÀNH PHẦN THAM DỰ", bold=True)
    chair = meeting.head_name or "……………………"
    _para(doc, f"1. Chủ trì: Ông (bà) {chair} – {meeting.head}.")
    _para(
        doc,
        "2. Phối hợp: Ông (bà) …………………… – Trưởng ban Công tác Mặt trận; đại diện các chi hội, "
        "đoàn thể.",
    )
    _para(doc, "3. Thư ký: Ông (bà) …………………….")
    absent = (
        meeting.total - meeting.present
        if meeting.total is not None and meeting.present is not None
        else None
    )
    _para(
        doc,
        f"4. Số hộ gia đình có đại diện tham dự cuộc họp: {_count(meeting.present)}/"
        f"{_count(meeting.total)} hộ; số hộ không có người đại diện tham dự: {_count(absent)} hộ.",
    )
    _para(doc, "II. NỘI DUNG", bold=True)
    _para(
        doc,
        "Cuộc họp đánh giá mức độ đạt các tiêu chuẩn danh hiệu “Gia đình văn hóa” của từng hộ "
        f"gia đình trong {meeting.unit}; các ý kiến đều được thảo luận, thống nhất.",
    )
    _para(doc, "III. KẾT QUẢ", bold=True)
    of_total = f" trên tổng số {meeting.total} hộ" if meeting.total is not None else ""
    _para(
        doc,
        f"Cuộc họp nhất trí đề nghị {len(meeting.households)} hộ gia đình{of_total} đạt tiêu "
        "chuẩn danh hiệu “Gia đình văn hóa”, gồm:",
    )
    _households_table(doc, meeting.households)
    _para(
        doc,
        "Danh sách được thông báo công khai trên bảng tin trong 10 ngày để lấy ý kiến người "
        "dân; hết thời hạn, hồ sơ được trình Chủ tịch Ủy ban nhân dân xã xem xét, quyết định.",
    )
    _para(
        doc,
        "Cuộc họp kết thúc vào hồi …… giờ …… cùng ngày. Biên bản được đọc lại cho người dự họp "
        "nghe và nhất trí./.",
    )
    signers: Table = doc.add_table(rows=1, cols=2)
    for cell, who, name in zip(
        signers.rows[0].cells, ("THƯ KÝ", "CHỦ TRÌ"), ("", meeting.head_name), strict=True
    ):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell.paragraphs[0].add_run(who).bold = True
        _para(cell, "(Ký, ghi rõ họ tên)", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        for _blank in range(3):
            _para(cell)
        _para(cell, name, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


@dataclass(frozen=True)
class PublicList:
    """What the council passed for an award whose list is made public before the chair decides
    ("Thôn, tổ dân phố văn hóa", NĐ 86/2023): `nominees` are (name, achievement) pairs."""

    commune: str
    year: int
    award: str
    meeting_on: date
    until: date
    nominees: Sequence[tuple[str, str]]


def render_public_list(listing: PublicList, path: Path) -> Path:
    """The commune's notice making the council's list public for residents' views, to print
    and post (or put on the commune's website)."""
    doc = _document()
    place = Dossier(listing.commune, listing.year).place
    _header(doc, listing.commune, "TB-UBND", place, listing.year)
    _title(doc, "THÔNG BÁO", f"Công khai danh sách đề nghị xét tặng danh hiệu “{listing.award}”")
    _para(
        doc,
        f"Căn cứ kết quả họp Hội đồng Thi đua – Khen thưởng xã ngày "
        f"{listing.meeting_on.strftime('%d/%m/%Y')}, theo Nghị định số 86/2023/NĐ-CP của Chính "
        f"phủ, Ủy ban nhân dân {listing.commune} thông báo công khai danh sách "
        f"{len(listing.nominees)} đơn vị đủ điều kiện đề nghị xét tặng danh hiệu "
        f"“{listing.award}” năm {listing.year}:",
    )
    table: Table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, header in zip(
        table.rows[0].cells, ("STT", "Tên đơn vị", "Thành tích tóm tắt"), strict=True
    ):
        cell.paragraphs[0].add_run(header).bold = True
    for i, (name, achievement) in enumerate(listing.nominees, 1):
        cells = table.add_row().cells
        for cell, value in zip(cells, (str(i), name, achievement), strict=True):
            cell.paragraphs[0].add_run(text(value))
    _widths(table, (Mm(15), Mm(55), Mm(95)))
    _para(
        doc,
        f"Thời gian công khai: 10 ngày, đến hết ngày {listing.until.strftime('%d/%m/%Y')}. "
        "Ý kiến xin gửi về Ủy ban nhân dân xã (Phòng Văn hóa – Xã hội).",
    )
    receivers = ["Các thôn, tổ dân phố", "Trang thông tin điện tử xã", "Hội đồng TĐKT xã"]
    _closing(doc, receivers, "", "TM. Ủy ban nhân dân\nChủ tịch")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
