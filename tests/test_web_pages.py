"""What the staff pages show and do: the grid agrees with the reporting rules of the chat, the
queue takes several nominations at once along the council's path with the chat's functions
(the nominator told through the outbox), directives show who has done what, downloads work."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import App
from handlers.clock import FixedClock
from storage.models import AuditEntry, Nomination, OutboxMessage, Unit
from storage.nominations import file_nomination
from storage.reports import filing_of, submit_report
from tests.factories import World
from tests.webclient import sign_in, web_client

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def cell(html: str, unit: str, period: str) -> str:
    """The state of one cell of the grid."""
    row = re.search(rf'<tr data-unit="{unit}">(.*?)</tr>', html, re.S)
    assert row is not None, unit
    found = re.search(rf'data-period="{period}" data-state="([a-z_]+)"', row.group(1))
    assert found is not None, (unit, period)
    return found.group(1)


async def test_the_grid_agrees_with_what_units_owe(
    app: App, world: World, clock: FixedClock
) -> None:
    """On 27 November: Đông filed November on time, Tây after the 25th (late), Nam not at all
    (missing); October was owed by nobody (the units were set up in November); every period
    the chat still asks for shows as owed."""
    head1, head2 = world.members["head1"], world.members["head2"]
    async with app.sessions() as session, session.begin():
        for village, head, day in ((world.villages[0], head1, 22), (world.villages[1], head2, 26)):
            filing = await filing_of(session, village, clock.now(), TZ, 3)
            assert filing is not None
            at = datetime(2026, 11, day, 9, tzinfo=TZ)
            await submit_report(
                session, village, head, filing.template, "2026-11", {}, at, day > 25
            )
    clock.set(datetime(2026, 11, 27, 9, tzinfo=TZ))
    async with web_client(app) as client:
        await sign_in(app, client, world.members["staff"])
        html = (await client.get("/completeness")).text
        assert cell(html, "C1-T1", "2026-11") == "on_time"
        assert cell(html, "C1-T2", "2026-11") == "late"
        assert cell(html, "C1-T3", "2026-11") == "missing"
        assert cell(html, "C1-T3", "2026-10") == "none"
        assert "Lò Văn An" in html and "Vi Văn Cường" in html
        async with app.sessions() as session:
            for village in world.villages:
                filing = await filing_of(session, village, clock.now(), TZ, 3)
                assert filing is not None
                for period in filing.owed:
                    assert cell(html, village.code, period) in ("missing", "open"), period
        report_link = re.search(r'<a href="(/reports/\d+)">!</a>', html)
        assert report_link is not None
        report = await client.get(report_link.group(1))
        assert "Thôn Tây" in report.text and "nộp muộn" in report.text
        province_view = await client.get("/completeness?unit=C1-T2")
        assert cell(province_view.text, "C1-T2", "2026-11") == "late"


async def test_a_province_sees_communes_as_tallies(app: App, world: World) -> None:
    async with app.sessions() as session, session.begin():
        province_staff = world.members["outsider"]
        (await session.get_one(type(province_staff), province_staff.id)).unit_id = world.province.id
    clock_day = datetime(2026, 11, 27, 9, tzinfo=TZ)
    app.clock.set(clock_day)  # type: ignore[attr-defined]
    async with web_client(app) as client:
        await sign_in(app, client, world.members["outsider"])
        html = (await client.get("/completeness")).text
        row = re.search(r'<tr data-unit="C1">(.*?)</tr>', html, re.S)
        assert row is not None and "0/4" in row.group(1)
        assert '<a href="/completeness?unit=C1">' in html


async def _nominate(
    app: App,
    world: World,
    names: list[str],
    by: str = "head1",
    award: str = "giay_khen_chu_tich_xa",
) -> list[int]:
    async with app.sessions() as session, session.begin():
        return [
            (
                await file_nomination(
                    session,
                    world.members[by],
                    {
                        "kind": "individual",
                        "nominee_kind": "nguoi_dan",
                        "nominee": name,
                        "period": "2026",
                        "award": award,
                        "achievement_type": "dot_xuat",
                        "achievement": "Dũng cảm cứu người trong lũ.",
                    },
                    [],
                    app.clock.now(),
                )
            ).id
            for name in names
        ]


async def _statuses(app: App, ids: list[int]) -> list[str]:
    async with app.sessions() as session:
        rows = await session.scalars(select(Nomination).where(Nomination.id.in_(ids)))
        return [n.status for n in sorted(rows.all(), key=lambda n: n.id)]


async def _told(app: App) -> list[str]:
    async with app.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [r.payload["text"] for r in rows.all() if r.key.startswith("review:")]


async def test_several_nominations_go_the_council_path_at_once(app: App, world: World) -> None:
    ids = await _nominate(app, world, ["Lò Văn Một", "Lò Văn Hai", "Lò Văn Ba"])
    async with web_client(app) as client:
        csrf = await sign_in(app, client, world.members["staff"])

        async def act(**form: object) -> str:
            answer = await client.post("/nominations/act", data={"csrf": csrf, **form})
            assert answer.status_code == 303
            return str(answer.headers["location"])

        queue = await client.get("/nominations?status=pending")
        assert all(f'value="{i}"' in queue.text for i in ids)
        # a return without a reason changes nothing
        assert "error=reason" in await act(action="returned", ids=ids[:1], reason=" ")
        assert "said=checked&n=2" in await act(action="check", ids=ids[:2])
        assert "said=returned&n=1" in await act(
            action="returned", ids=ids[2:], reason="Thiếu xác nhận của thôn"
        )
        # checking again what is no longer pending does nothing
        assert "said=skipped" in await act(action="check", ids=ids[:2])
        assert await _statuses(app, ids) == ["checked", "checked", "returned"]
        bad_votes = {f"votes_{ids[0]}": 9, f"votes_{ids[1]}": 12}
        location = await act(
            action="council", ids=ids[:2], held_on="2026-11-19", members=9, present=9, **bad_votes
        )
        assert "error=votes" in location
        assert await _statuses(app, ids[:2]) == ["checked", "checked"]
        votes = {f"votes_{ids[0]}": 8, f"votes_{ids[1]}": 3}
        assert "said=council&n=2" in await act(
            action="council", ids=ids[:2], held_on="2026-11-19", members=9, present=9, **votes
        )
        assert await _statuses(app, ids[:2]) == ["passed", "rejected"]
        assert "error=decision_date" in await act(
            action="decide", ids=ids[:1], number="21/QĐ-UBND", decided_on="2026-12-01"
        )
        assert "said=decided&n=1" in await act(
            action="decide", ids=ids[:1], number="21/QĐ-UBND", decided_on="2026-11-20"
        )
        page = await client.get(f"/nominations/{ids[0]}")
        assert "21/QĐ-UBND" in page.text and "Nguyễn Văn Em" in page.text
    assert await _statuses(app, ids) == ["decided", "rejected", "returned"]
    told = await _told(app)
    assert any("21/QĐ-UBND" in text and "Lò Văn Một" in text for text in told)
    assert any("Thiếu xác nhận của thôn" in text for text in told)
    assert len(told) == 2 + 1 + 2 + 1  # checked ×2, returned, vote ×2, decided


async def test_the_queue_filters_by_award_unit_and_a_name_typed_without_diacritics(
    app: App, world: World
) -> None:
    first = await _nominate(app, world, ["Lò Thị Hoa", "Đặng Văn Hùng"])
    second = await _nominate(app, world, ["Lường Văn Hoà"], "head2", "nguoi_tot_viec_tot")
    async with web_client(app) as client:
        csrf = await sign_in(app, client, world.members["staff"])

        async def shown(query: str) -> list[int]:
            page = await client.get(f"/nominations?status=pending&{query}")
            assert page.status_code == 200
            return sorted(int(i) for i in re.findall(r'<tr data-id="(\d+)"', page.text))

        page = await client.get("/nominations")
        assert '<option value="C1-T2">Thôn Tây</option>' in page.text
        assert "Thôn Nam" not in page.text  # nobody there nominated anyone
        assert await shown("") == sorted(first + second)
        assert await shown("award=nguoi_tot_viec_tot") == second
        assert await shown("unit=C1-T1") == first
        assert await shown("q=dang+van") == first[1:]
        assert await shown("q=HOA") == [first[0], second[0]]
        assert await shown("q=hoa&unit=C1-T2") == second
        assert (await client.get("/nominations?unit=C2")).status_code == 404
        answer = await client.post(
            "/nominations/act",
            data={"csrf": csrf, "action": "rejected", "ids": first, "reason": "Trùng đề xuất"},
        )
        assert "said=rejected&n=2" in answer.headers["location"]
    assert await _statuses(app, first + second) == ["rejected", "rejected", "pending"]
    assert sum("Trùng đề xuất" in text for text in await _told(app)) == 2


async def test_a_nomination_is_checked_and_sent_back_from_its_own_page(
    app: App, world: World
) -> None:
    [nomination] = await _nominate(app, world, ["Cầm Thị Sáu"])
    async with web_client(app) as client:
        csrf = await sign_in(app, client, world.members["staff"])
        page = await client.get(f"/nominations/{nomination}")
        assert 'id="do-check"' in page.text and 'id="do-return"' in page.text
        own = {"csrf": csrf, "ids": nomination, "back": f"/nominations/{nomination}"}
        answer = await client.post("/nominations/act", data={**own, "action": "check"})
        assert answer.headers["location"] == f"/nominations/{nomination}?said=checked&n=1"
        page = await client.get(answer.headers["location"])
        assert "Đã chuyển 1 đề xuất" in page.text and 'id="do-check"' not in page.text
        assert 'href="/nominations?status=checked"' in page.text
        answer = await client.post(
            "/nominations/act", data={**own, "action": "returned", "reason": "Thiếu ảnh"}
        )
        page = await client.get(answer.headers["location"])
        assert "Thiếu ảnh" in page.text and 'id="act"' not in page.text
    assert await _statuses(app, [nomination]) == ["returned"]


async def test_nothing_of_a_meeting_is_kept_when_one_nominee_moved(app: App, world: World) -> None:
    ids = await _nominate(app, world, ["Hà Văn Bốn", "Hà Văn Năm"])
    async with web_client(app) as client:
        csrf = await sign_in(app, client, world.members["staff"])
        form = {"csrf": csrf, "action": "check", "ids": ids}
        await client.post("/nominations/act", data=form)
        async with app.sessions() as session, session.begin():
            moved = await session.get_one(Nomination, ids[1])
            moved.status = "returned"
        answer = await client.post(
            "/nominations/act",
            data={
                "csrf": csrf,
                "action": "council",
                "ids": ids,
                "held_on": "2026-11-19",
                "members": 7,
                "present": 7,
                f"votes_{ids[0]}": 7,
                f"votes_{ids[1]}": 7,
            },
        )
        assert "error=changed" in answer.headers["location"]
    assert await _statuses(app, ids) == ["checked", "returned"]


async def test_directives_show_who_has_done_what(app: App, world: World) -> None:
    from storage.directives import activate, create_draft, mark_done, tasks_of

    parsed = {
        "kind": "ke_hoach",
        "number": "45/KH-UBND",
        "issuer": "UBND xã Hòa Bình",
        "issued_on": "2026-11-01",
        "subject": "tổng kết phong trào năm 2026",
        "recipients": [],
        "tasks": [
            {
                "ref": "1",
                "text": "Các thôn gửi báo cáo tổng kết phong trào.",
                "assignees": ["Trưởng thôn các thôn"],
                "deadlines": [{"text": "trước ngày 30/11/2026", "due": "2026-11-30"}],
            },
            {
                "ref": "2",
                "text": "Các thôn gửi danh sách đăng ký thi đua.",
                "assignees": ["Trưởng thôn các thôn"],
                "deadlines": [{"text": "trước ngày 05/11/2026", "due": "2026-11-05"}],
            },
        ],
    }
    async with app.sessions() as session, session.begin():
        commune = await session.get_one(Unit, world.commune.id)
        draft = await create_draft(session, commune, parsed, app.clock.now(), "kh.txt", None)
        await activate(session, draft, app.clock.now(), None)
        task, _before = await tasks_of(session, draft.id)
        done_at = app.clock.now()
        await mark_done(session, task.id, world.villages[0].id, datetime(2026, 11, 30).date(),
                        world.members["head1"].id, done_at)  # fmt: skip
    async with web_client(app) as client:
        await sign_in(app, client, world.members["staff"])
        html = (await client.get("/directives")).text
    assert "45/KH-UBND" in html and "Trưởng thôn các thôn" in html
    assert re.search(r"Thôn Đông</td><td><span class=\"tag done\">", html)
    assert re.search(r"Thôn Tây</td><td><span class=\"tag open\">", html)
    assert "Lò Văn An" in html
    # a deadline that fell before the plan was activated is owed by nobody, not "done"
    second = html[html.index("Các thôn gửi danh sách đăng ký") :]
    assert second.count('class="tag not_owed"') == 3 and 'class="tag done"' not in second


async def test_directives_come_ten_to_a_page_newest_first(app: App, world: World) -> None:
    from storage.directives import activate, create_draft

    async with app.sessions() as session, session.begin():
        commune = await session.get_one(Unit, world.commune.id)
        for n in range(1, 13):
            parsed = {"kind": "ke_hoach", "number": f"{n}/KH-UBND", "issuer": "UBND xã",
                      "issued_on": "2026-11-01", "subject": f"việc {n}", "recipients": [],
                      "tasks": []}  # fmt: skip
            draft = await create_draft(session, commune, parsed, app.clock.now(), "kh.txt", None)
            await activate(session, draft, app.clock.now(), None)
    async with web_client(app) as client:
        await sign_in(app, client, world.members["staff"])
        first = (await client.get("/directives")).text
        second = (await client.get("/directives?page=2")).text
    numbers = re.compile(r"(\d+)/KH-UBND")
    assert numbers.findall(first) == [str(n) for n in range(12, 2, -1)]
    assert numbers.findall(second) == ["2", "1"] and "Đang hiện 2/12 văn bản" in second


async def test_the_workbook_downloads_and_is_audited(app: App, world: World) -> None:
    async with web_client(app) as client:
        await sign_in(app, client, world.members["staff"])
        page = await client.get("/downloads")
        assert "/downloads/digest/2026-11/tonghop.xlsx" in page.text
        answer = await client.get("/downloads/digest/2026-11/tonghop.xlsx")
        assert answer.status_code == 200
        book = load_workbook(io.BytesIO(answer.content))
        assert len(book.sheetnames) >= 2
        chart = await client.get("/downloads/digest/2026-11/tonghop.png")
        assert chart.content.startswith(b"\x89PNG")
        assert (await client.get("/downloads/digest/2026-13/tonghop.xlsx")).status_code == 404
        assert (await client.get("/downloads/dossier/2026/01-to-trinh.docx")).status_code == 404
    async with app.sessions() as session:
        downloads = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "web.download"))
        ).all()
    assert [d.detail["file"] for d in downloads] == ["tonghop.xlsx", "tonghop.png"]
    # the files made for a download are gone once it is sent
    exports = app.settings.files_dir / "exports"
    assert not exports.exists() or not any(exports.iterdir())
    assert all(d.actor_id == world.members["staff"].id for d in downloads)


async def test_the_dossier_documents_download(app: App, clock: FixedClock) -> None:
    from bot.demo import STAFF_CHAT, seed
    from storage.access import member_for_chat

    clock.set(datetime(2026, 12, 3, 9, tzinfo=TZ))
    async with app.sessions() as session, session.begin():
        await seed(session, app)
        found = await member_for_chat(session, "console", STAFF_CHAT)
        assert found is not None
    async with web_client(app) as client:
        await sign_in(app, client, found[0])
        page = await client.get("/downloads?year=2026")
        assert "4 trường hợp" in page.text
        for name in ("01-to-trinh.docx", "04-du-thao-quyet-dinh.docx"):
            answer = await client.get(f"/downloads/dossier/2026/{name}")
            assert answer.status_code == 200 and answer.content.startswith(b"PK")
        assert (await client.get("/downloads/dossier/2026/x.docx")).status_code == 404
    assert not list((app.settings.files_dir / "dossiers").rglob("*.docx"))


async def test_evidence_files_open_from_their_nomination_only(
    app: App, world: World, tmp_path: Path
) -> None:
    from storage.files import store_file

    photo, other = tmp_path / "anh.png", tmp_path / "khac.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x01" * 40)
    other.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x02" * 40)
    async with app.sessions() as session, session.begin():
        now = app.clock.now()
        kept = await store_file(session, app.settings.files_dir, photo, "anh.png", now, 10**6)
        stray = await store_file(session, app.settings.files_dir, other, "khac.png", now, 10**6)
        nomination = await file_nomination(
            session,
            world.members["head1"],
            {
                "kind": "individual",
                "nominee_kind": "nguoi_dan",
                "nominee": "Vi Thị Tám",
                "period": "2026",
                "award": "giay_khen_chu_tich_xa",
                "achievement": "Nhặt được của rơi trả người đánh mất.",
            },
            [kept.id],
            now,
        )
    async with web_client(app) as client:
        await sign_in(app, client, world.members["staff"])
        page = await client.get(f"/nominations/{nomination.id}")
        assert f"/nominations/{nomination.id}/files/{kept.id}" in page.text
        shown = await client.get(f"/nominations/{nomination.id}/files/{kept.id}")
        assert shown.status_code == 200 and shown.content == photo.read_bytes()
        assert shown.headers["content-type"] == "image/png"
        refused = await client.get(f"/nominations/{nomination.id}/files/{stray.id}")
        assert refused.status_code == 404
    async with web_client(app) as client:
        await sign_in(app, client, world.members["outsider"])
        other_commune = await client.get(f"/nominations/{nomination.id}/files/{kept.id}")
        assert other_commune.status_code == 404
