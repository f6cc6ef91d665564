"""/hoso and `thidua dossier`: the four documents of what the council passed, in chat, on disk."""

from __future__ import annotations

import asyncio
from pathlib import Path

from docx import Document
from typer.testing import CliRunner

from bot.app import App, build
from bot.cli import app as cli
from bot.settings import Settings
from handlers.clock import FixedClock
from storage.migrate import upgrade_async
from tests.conftest import START
from tests.dbs import fresh_database_url
from tests.factories import World, build_world, dialog, make_incoming, texts
from tests.test_council_path import DECISION, MEETING, nominate
from tests.test_digest import TZ
from tests.test_report import load_defaults


async def passed_and_decided(app: App) -> None:
    await load_defaults(app)
    await nominate(app, "head1")
    await nominate(app, "head2")
    await dialog(
        app.engine,
        "staff",
        [
            ("/duyet", "Kiểm tra đề xuất mới (2)"),
            ("1", "2 đề xuất"),
            ("1", "Thôn Đông"),
            ("Đủ điều kiện, chuyển Hội đồng", "1 đề xuất mới"),
            ("1", "Thôn Tây"),
            ("Đủ điều kiện, chuyển Hội đồng", "Đã kiểm tra"),
        ],
    )
    await dialog(
        app.engine,
        "staff",
        [
            ("/duyet", "Ghi kết quả họp Hội đồng (2 chờ xét)"),
            ("Ghi kết quả họp Hội đồng (2 chờ xét)", "ngày nào"),
            *MEETING[2:8],
            ("6", "bao nhiêu phiếu"),
            ("3", ["thông qua (6/9", "không thông qua (3/9"]),
            ("Lưu biên bản", "Đã lưu"),
        ],
    )
    await dialog(app.engine, "staff", DECISION)


async def test_staff_get_the_four_documents_in_chat(app: App, world: World) -> None:
    await dialog(app.engine, "staff", [("/hoso", "chưa có đề xuất nào được Hội đồng")])
    await passed_and_decided(app)
    outcome = await app.engine.handle(make_incoming("/hoso", "staff"))
    assert "Hồ sơ khen thưởng năm 2026 (1 trường hợp" in texts(outcome)
    files = [r.attachment for r in outcome.replies if r.attachment is not None]
    assert [f.filename for f in files] == [
        "01-to-trinh.docx",
        "02-bien-ban-hop-hoi-dong.docx",
        "03-bao-cao-thanh-tich.docx",
        "04-du-thao-quyet-dinh.docx",
    ]
    assert all(f.kind == "document" and f.path.is_file() for f in files)
    listed = "\n".join(c.text for t in Document(str(files[0].path)).tables for c in t._cells)
    assert "Nguyễn Văn An" in listed and "thôn đông" in listed.lower()
    assert "thôn tây" not in listed.lower()  # the council did not pass it
    await dialog(app.engine, "staff", [("/hoso 2025", "Năm 2025 chưa có")])
    await dialog(app.engine, "staff", [("/hoso 1999", "gõ năm")])
    await dialog(app.engine, "principal", [("/hoso", "không dùng được chức năng này")])


def test_the_cli_writes_the_dossier(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path)
    settings = Settings(database_url=url, files_dir=tmp_path / "f", _env_file=None)  # type: ignore[call-arg]

    async def prepare() -> None:
        await upgrade_async(url)
        application = build(settings, FixedClock(START))
        try:
            async with application.sessions() as session, session.begin():
                await build_world(session, START)
            await passed_and_decided(application)
        finally:
            await application.close()

    asyncio.run(prepare())
    env = {"DATABASE_URL": url, "FILES_DIR": str(tmp_path / "f")}
    runner = CliRunner()
    out = tmp_path / "hoso"
    result = runner.invoke(
        cli, ["dossier", "--unit", "C1", "--year", "2026", "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "01-to-trinh.docx",
        "02-bien-ban-hop-hoi-dong.docx",
        "03-bao-cao-thanh-tich.docx",
        "04-du-thao-quyet-dinh.docx",
    ]
    empty = runner.invoke(
        cli, ["dossier", "--unit", "C2", "--year", "2026", "--out", str(out)], env=env
    )
    assert empty.exit_code != 0 and "no nomination passed" in empty.output


async def test_the_excel_list_is_the_to_trinhs_grouped_by_award_with_birth_year_and_gender(
    app: App, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from bot.demo import COMMUNE_CODE, seed
    from storage.access import unit_by_code
    from storage.digest import build_digest
    from storage.dossier import gather, render
    from storage.export import NOMINATION_HEADER_ROW, write_xlsx

    async with app.sessions() as session, session.begin():
        await seed(session, app)
    async with app.sessions() as session:
        commune = await unit_by_code(session, COMMUNE_CODE)
        assert commune is not None
        digest = await build_digest(session, app.settings, commune, "2026-11", app.clock.now())
        book = load_workbook(await write_xlsx(session, digest, commune, tmp_path / "x.xlsx", TZ))
        dossier = await gather(session, commune, 2026)
    sheet = book["Đề nghị khen thưởng"]
    header = [c.value for c in sheet[NOMINATION_HEADER_ROW]]
    assert header == [
        "STT",
        "Họ và tên",
        "Năm sinh",
        "Nam/Nữ",
        "Chức vụ – đơn vị",
        "Hình thức đề nghị",
        "Thành tích tóm tắt",
    ]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=NOMINATION_HEADER_ROW + 1)]
    headings = [r[:2] for r in rows if isinstance(r[0], str)]
    assert headings == [
        ["I", "Lao động tiên tiến (1)"],
        ["II", "Chiến sĩ thi đua cơ sở (1)"],
        ["III", "Tập thể lao động tiên tiến (1)"],
        ["IV", "Giấy khen của Chủ tịch UBND xã (1)"],
    ]
    first = rows[1]
    assert first[:5] == [
        1,
        "Nguyễn Thị Thu",
        1986,
        "Nữ",
        "Giáo viên lớp 4 – Trường Tiểu học Lam Sơn",
    ]
    assert rows[-1][1:4] == ["Hà Văn Bình", 1968, "Nam"]
    # the same rows, in the same order, as the tờ trình's list (one builder for both)
    listed = [r[1] for r in rows if isinstance(r[0], int)]
    assert listed == [row.nominee for row in dossier.rows]
    to_trinh = render(dossier, tmp_path / "hoso")[0]
    table = Document(str(to_trinh)).tables[1]
    names = [r.cells[1].text for r in table.rows[1:] if r.cells[0].text.isdigit()]
    assert names == listed
    assert "Lò Thị Mai" not in listed  # waiting to be checked: not on the official list
