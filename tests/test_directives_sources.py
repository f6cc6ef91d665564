"""extract_text on the files staff send: text in several encodings, .docx, text-layer .pdf."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import docx
import pytest

from directives import ScannedDocument, UnreadableDocument, extract_text, parse_text

pytestmark = pytest.mark.nodb

VI = "Kính gửi: Trưởng thôn các thôn\n1. Báo cáo trước ngày 25 hằng tháng."


def _minimal_pdf(text: str | None) -> bytes:
    """A one-page PDF; with a Helvetica text object when `text` is given, else a blank page."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode() if text else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Word wrote it: base letters precomposed, tones combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def test_utf8_text_and_markdown(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md"):
        path = tmp_path / name
        path.write_text(VI, encoding="utf-8")
        assert extract_text(path) == VI


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(VI.encode("utf-8-sig"))
    assert extract_text(path) == VI


def test_legacy_encodings(tmp_path: Path) -> None:
    path = tmp_path / "cp1258.txt"
    legacy = "Số: 12/UBND\nHà Nội, ngày 5 tháng 3 năm 2026"
    path.write_bytes(_cp1258(legacy))
    assert extract_text(path) == legacy
    path = tmp_path / "latin.txt"
    path.write_bytes(b"caf\xe9 \x81")
    assert extract_text(path)  # some decoding, never an exception


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nXÃ LAM SƠN"
    table.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    table.cell(1, 0).text = "Số: 7/KH-UBND"
    table.cell(1, 1).text = "Lam Sơn, ngày 2 tháng 11 năm 2026"
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Tổng kết phong trào thi đua năm 2026")
    document.add_paragraph("1. Trưởng thôn các thôn báo cáo trước ngày 25 hằng tháng.")
    path = tmp_path / "kh.docx"
    document.save(str(path))
    text = extract_text(path)
    assert text.index("XÃ LAM SƠN") < text.index("Số: 7/KH-UBND") < text.index("KẾ HOẠCH")
    result = parse_text(text)
    assert result["kind"] == "ke_hoach"
    assert result["issuer"] == "UBND xã Lam Sơn"
    assert result["number"] == "7/KH-UBND"
    assert result["issued_on"] == "2026-11-02"
    assert result["subject"] == "Tổng kết phong trào thi đua năm 2026"


def test_pdf_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(_minimal_pdf("So: 12/UBND-VP Thi dua khen thuong"))
    assert "12/UBND-VP" in extract_text(path)


def test_pdf_without_text_layer_is_a_scan_for_ocr(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(_minimal_pdf(None))
    with pytest.raises(ScannedDocument) as found:
        extract_text(path, ocr=False)
    assert found.value.pages == 1 and isinstance(found.value, UnreadableDocument)
    # read by OCR, a blank page has no text
    assert extract_text(path).strip() == ""


@pytest.mark.parametrize("name", ["broken.pdf", "broken.docx"])
def test_corrupt_files(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"this is not what the extension says \x00\xff" * 20)
    with pytest.raises(UnreadableDocument):
        extract_text(path)


def test_missing_file_and_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument):
        extract_text(tmp_path / "nope.txt")
    odd = tmp_path / "photo.jpg"
    odd.write_bytes(b"\xff\xd8\xff")
    with pytest.raises(UnreadableDocument):
        extract_text(odd)
    with pytest.raises(UnreadableDocument):
        extract_text(tmp_path)
