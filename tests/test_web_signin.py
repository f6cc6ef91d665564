"""Signing in to the staff web page: a one-time link from `/web` (10 minutes, once), a session of
12 hours that signing out ends, CSRF on every form, and nobody sees outside their subtree."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.app import App
from handlers.clock import FixedClock
from storage.models import AuditEntry, Nomination, WebLink
from storage.nominations import file_nomination
from storage.reports import filing_of, submit_report
from tests.factories import World, dialog, make_incoming, texts
from tests.webclient import new_link, open_link, sign_in, web_client


async def test_web_in_chat_gives_staff_a_link_that_signs_in_once(app: App, world: World) -> None:
    said = await app.engine.handle(make_incoming("/web", "staff"))
    link = texts(said).split("http://localhost:8445/signin/")[1].split()[0]
    async with app.sessions() as session:
        stored = (await session.scalars(select(WebLink))).one()
        assert link not in stored.token_hash and len(stored.token_hash) == 64
    async with web_client(app) as client:
        # opening the page (a messenger's link preview does) uses nothing up
        assert (await client.get(f"/signin/{link}")).status_code == 200
        assert (await client.get(f"/signin/{link}")).status_code == 200
        answer = await open_link(client, link)
        assert answer.status_code == 303 and answer.headers["location"] == "/completeness"
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
        assert "Max-Age=43200" in cookie
        page = await client.get("/completeness")
        assert page.status_code == 200 and "Xã Hòa Bình" in page.text
    async with web_client(app) as other:
        again = await other.get(f"/signin/{link}")
        assert again.status_code == 410 and "đã dùng rồi hoặc đã hết hạn" in again.text
        assert (await open_link(other, link)).status_code in (403, 410)
        assert (await other.get("/completeness")).headers["location"] == "/signin"


async def test_a_village_head_gets_no_link(app: App, world: World) -> None:
    await dialog(app.engine, "head1", [("/web", "không")])
    async with app.sessions() as session:
        assert await session.scalar(select(func.count(WebLink.id))) == 0


async def test_a_link_expires_after_ten_minutes(app: App, world: World, clock: FixedClock) -> None:
    token = await new_link(app, world.members["staff"])
    clock.set(clock.now() + timedelta(minutes=10, seconds=1))
    async with web_client(app) as client:
        assert (await client.get(f"/signin/{token}")).status_code == 410


async def test_signing_in_needs_the_page_of_this_site(app: App, world: World) -> None:
    """A form posted from another site has no matching value: no session, link still unused."""
    token = await new_link(app, world.members["staff"])
    async with web_client(app) as client:
        forged = await client.post(f"/signin/{token}", data={"pre": "00ff"})
        assert forged.status_code == 403
        assert (await open_link(client, token)).status_code == 303


async def test_session_lasts_twelve_hours_and_sign_out_ends_it(
    app: App, world: World, clock: FixedClock
) -> None:
    async with web_client(app) as client:
        csrf = await sign_in(app, client, world.members["staff"])
        clock.set(clock.now() + timedelta(hours=11, minutes=59))
        assert (await client.get("/nominations")).status_code == 200
        clock.set(clock.now() + timedelta(minutes=2))
        assert (await client.get("/nominations")).headers["location"] == "/signin"
        csrf = await sign_in(app, client, world.members["staff"])
        cookie = client.cookies.get("thidua_session")
        assert (await client.post("/signout", data={"csrf": "nope"})).status_code == 403
        out = await client.post("/signout", data={"csrf": csrf})
        assert out.status_code == 303
    async with web_client(app) as replay:
        replay.headers["Cookie"] = f"thidua_session={cookie}"
        assert (await replay.get("/completeness")).headers["location"] == "/signin"
    async with app.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert actions.count("web.signed_in") == 2 and actions.count("web.signed_out") == 1


async def test_every_form_needs_the_session_csrf(app: App, world: World) -> None:
    async with app.sessions() as session, session.begin():
        nomination = await file_nomination(
            session,
            world.members["head1"],
            {
                "kind": "individual",
                "nominee_kind": "nguoi_dan",
                "nominee": "Lò Văn Sáu",
                "period": "2026",
                "award": "giay_khen_chu_tich_xa",
                "achievement": "Cứu người đuối nước.",
            },
            [],
            app.clock.now(),
        )
    async with web_client(app) as client:
        await sign_in(app, client, world.members["staff"])
        for csrf in ("", "0" * 64):
            refused = await client.post(
                "/nominations/act", data={"csrf": csrf, "action": "check", "ids": nomination.id}
            )
            assert refused.status_code == 403
    async with app.sessions() as session:
        assert (await session.get_one(Nomination, nomination.id)).status == "pending"


async def test_staff_see_nothing_outside_their_commune(app: App, world: World) -> None:
    village = world.villages[0]
    async with app.sessions() as session, session.begin():
        filing = await filing_of(
            session, village, app.clock.now(), ZoneInfo(app.settings.timezone), 3
        )
        assert filing is not None
        report = await submit_report(
            session,
            village,
            world.members["head1"],
            filing.template,
            filing.owed[-1],
            {},
            app.clock.now(),
            False,
        )
        nomination = await file_nomination(
            session,
            world.members["head1"],
            {
                "kind": "individual",
                "nominee_kind": "nguoi_dan",
                "nominee": "Lò Văn Bảy",
                "period": "2026",
                "award": "giay_khen_chu_tich_xa",
                "achievement": "Hiến đất làm đường.",
            },
            [],
            app.clock.now(),
        )
    async with web_client(app) as client:
        await sign_in(app, client, world.members["outsider"])
        grid = await client.get("/completeness")
        assert "Xã Tân Phú" in grid.text and "Thôn Đông" not in grid.text
        for path in (
            f"/reports/{report.id}",
            f"/nominations/{nomination.id}",
            "/completeness?unit=C1",
            "/completeness?unit=P1",
        ):
            assert (await client.get(path)).status_code == 404, path
        queue = await client.get("/nominations?status=pending")
        assert "Lò Văn Bảy" not in queue.text
        downloads = await client.get("/downloads")
        assert downloads.status_code == 200
    async with web_client(app) as client:
        await sign_in(app, client, world.members["staff"])
        assert "Lò Văn Bảy" in (await client.get("/nominations?status=pending")).text
        assert (await client.get(f"/reports/{report.id}")).status_code == 200


async def test_pages_speak_english_beside_vietnamese(app: App, world: World) -> None:
    async with web_client(app) as client:
        await sign_in(app, client, world.members["staff"])
        assert "Tình hình báo cáo" in (await client.get("/completeness")).text
        switched = await client.get("/lang/en?back=/nominations")
        assert switched.headers["location"] == "/nominations"
        page = await client.get("/nominations")
        assert "Nominations" in page.text and "Reporting" in page.text
        assert (await client.get("/lang/en?back=//evil.example")).headers["location"] == "/"


async def test_links_sessions_and_rate_windows_are_pruned_a_day_after_they_end(
    app: App, world: World, clock: FixedClock
) -> None:
    from bot.maintenance import prune_all
    from storage.webauth import count_request

    start = clock.now()
    async with web_client(app) as client:
        await sign_in(app, client, world.members["staff"])
        await new_link(app, world.members["staff"])  # never used
        async with app.sessions() as session, session.begin():
            await count_request(session, "api:1", start)
        clock.set(start + timedelta(hours=11))
        assert (await prune_all(app))["web"] == 0
        assert (await client.get("/completeness")).status_code == 200
        clock.set(start + timedelta(hours=12, days=1, minutes=1))
        # two links (one used to sign in), the session, the minute's request count
        assert (await prune_all(app))["web"] == 4
    async with app.sessions() as session:
        assert await session.scalar(select(func.count(WebLink.id))) == 0
