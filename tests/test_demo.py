"""`thidua demo` as the issue asks: the principal nominating a teacher for "Chiến sĩ thi đua cơ sở"
is asked for the initiative; staff get the four documents with /hoso."""

from __future__ import annotations

from bot.app import App
from bot.demo import PRINCIPAL_CHAT, STAFF_CHAT, seed
from handlers.types import Outcome
from tests.factories import dialog, make_incoming, texts


async def test_the_demo_commune_as_principal_and_as_staff(app: App) -> None:
    async with app.sessions() as session, session.begin():
        await seed(session, app)
    asked = await dialog(
        app.engine,
        PRINCIPAL_CHAT,
        [
            ("de xuat", "Cán bộ, công chức, viên chức, người lao động"),
            ("1", "Họ và tên"),
            ("Phạm Văn Long", "Nam hay nữ"),
            ("Nam", "Năm sinh"),
            ("1980", "Chức vụ"),
            ("Giáo viên, Trường Tiểu học Lam Sơn", "Chiến sĩ thi đua cơ sở"),
            ("Chiến sĩ thi đua cơ sở", "Năm học"),
            ("Năm học 2025-2026", "“Lao động tiên tiến”"),
            ("QĐ 12/QĐ-UBND ngày 20/6/2026", "Sáng kiến"),
        ],
    )
    assert "tên và nơi công nhận" in texts(asked)
    hoso: Outcome = await app.engine.handle(make_incoming("/hoso", STAFF_CHAT))
    files = [r.attachment.filename for r in hoso.replies if r.attachment is not None]
    assert len(files) == 4 and files[0] == "01-to-trinh.docx"
    assert "4 trường hợp" in texts(hoso)
    await dialog(app.engine, STAFF_CHAT, [("/duyet", "Kiểm tra đề xuất mới (1)")])
