"""The read-only JSON API: bearer tokens scoped to a unit's subtree (one commune never sees
another's data), revoked and forged tokens refused, pagination, the shared rate limit, OpenAPI,
and the tokens made by `thidua api-token`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.app import App, build
from bot.cli import app as cli
from bot.settings import Settings
from handlers.clock import FixedClock
from storage.access import unit_by_code
from storage.models import ApiToken, AuditEntry, Unit
from storage.nominations import file_nomination
from storage.reports import filing_of, list_reports, submit_report
from storage.webauth import create_token, revoke_token
from tests.factories import World
from tests.webclient import web_client


async def token_for(app: App, unit: Unit) -> str:
    async with app.sessions() as session, session.begin():
        found = await session.get_one(Unit, unit.id)
        return (await create_token(session, found, "Sở Nội vụ", app.clock.now()))[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def seed(app: App, world: World) -> None:
    """A November report of each commune's first reporting unit and a nomination in each."""
    from storage.access import add_unit
    from storage.models import Member

    async with app.sessions() as session, session.begin():
        other = await session.get_one(Unit, world.other_commune.id)
        village = await add_unit(session, "C2-T1", "Thôn Bắc", "village", other, app.clock.now())
        head = Member(name="Đinh Văn Hòa", role="village_head", unit_id=village.id,
                      created_at=app.clock.now())  # fmt: skip
        session.add(head)
        await session.flush()
        tz = ZoneInfo(app.settings.timezone)
        for unit, member in ((world.villages[0], world.members["head1"]), (village, head)):
            found = await session.get_one(Unit, unit.id)
            filing = await filing_of(session, found, app.clock.now(), tz, 3)
            assert filing is not None
            await submit_report(session, found, member, filing.template, "2026-11",
                                {"x": 1}, app.clock.now(), False)  # fmt: skip
            await file_nomination(
                session,
                member,
                {
                    "kind": "individual",
                    "nominee_kind": "nguoi_dan",
                    "nominee": f"Người tốt {unit.code}",
                    "period": "2026",
                    "award": "giay_khen_chu_tich_xa",
                    "achievement": "Giúp đỡ hộ nghèo.",
                },
                [],
                app.clock.now(),
            )


async def test_a_commune_token_never_sees_another_commune(app: App, world: World) -> None:
    await seed(app, world)
    mine, theirs = await token_for(app, world.commune), await token_for(app, world.other_commune)
    province = await token_for(app, world.province)
    async with web_client(app) as client:

        async def codes(token: str, path: str, key: str = "unit") -> set[str]:
            answer = await client.get(f"/api/v1/{path}", headers=bearer(token))
            assert answer.status_code == 200, answer.text
            body = answer.json()
            items = (
                body["units"]["items"]
                if "units" in body and path.startswith("compl")
                else body["items"]
            )
            return {item[key] for item in items}

        assert await codes(mine, "units", "code") == {"C1", "C1-T1", "C1-T2", "C1-T3", "C1-TH"}
        assert await codes(theirs, "units", "code") == {"C2", "C2-T1"}
        assert await codes(mine, "reports?period=2026-11") == {"C1-T1"}
        assert await codes(theirs, "reports?period=2026-11") == {"C2-T1"}
        assert await codes(province, "reports?period=2026-11") == {"C1-T1", "C2-T1"}
        assert await codes(mine, "nominations") == {"C1-T1"}
        assert await codes(theirs, "nominations?status=pending") == {"C2-T1"}
        assert "C2-T1" not in await codes(mine, "completeness?period=2026-11")
        assert await codes(theirs, "completeness?period=2026-11") == {"C2-T1"}
        assert await codes(mine, "directives") == set()


async def test_reports_carry_the_fields_of_the_cli(app: App, world: World) -> None:
    await seed(app, world)
    token = await token_for(app, world.commune)
    async with web_client(app) as client:
        answer = await client.get("/api/v1/reports?period=2026-11", headers=bearer(token))
    [item] = answer.json()["items"]
    async with app.sessions() as session:
        c1 = await unit_by_code(session, "C1-T1")
        assert c1 is not None
        [listed] = await list_reports(session, "2026-11", [c1.id])
    expected = listed.as_json()
    assert set(item) == set(expected) and item["answers"] == expected["answers"]


async def test_completeness_counts_by_the_rules(app: App, world: World, clock: FixedClock) -> None:
    await seed(app, world)
    clock.set(clock.now() + timedelta(days=7))  # 27 November: past the 25th
    token = await token_for(app, world.commune)
    async with web_client(app) as client:
        body = (
            await client.get("/api/v1/completeness?period=2026-11", headers=bearer(token))
        ).json()
    assert body["submitted"] == 1 and body["on_time"] == 1
    assert body["missing"] == body["expected"] - 1
    states = {u["unit"]: u["state"] for u in body["units"]["items"]}
    assert states["C1-T1"] == "on_time" and states["C1-T2"] == "missing"


async def test_revoked_forged_and_missing_tokens_are_refused(app: App, world: World) -> None:
    token = await token_for(app, world.commune)
    async with web_client(app) as client:
        assert (await client.get("/api/v1/units", headers=bearer(token))).status_code == 200
        for headers in (
            {},
            {"Authorization": "Basic dXNlcjpwdw=="},
            bearer("tdb_" + "A" * 43),
            bearer(token[:-1] + ("B" if token[-1] != "B" else "C")),
            bearer(token.removeprefix("tdb_")),
        ):
            refused = await client.get("/api/v1/units", headers=headers)
            assert refused.status_code == 401 and refused.json() == {"error": "unauthorized"}
            assert refused.headers["www-authenticate"] == "Bearer"
        async with app.sessions() as session, session.begin():
            row = await session.scalar(select(ApiToken))
            assert row is not None and token not in row.token_hash
            await revoke_token(session, row.id, app.clock.now())
        assert (await client.get("/api/v1/units", headers=bearer(token))).status_code == 401


async def test_lists_are_paginated(app: App, world: World) -> None:
    token = await token_for(app, world.commune)
    async with web_client(app) as client:
        first = (await client.get("/api/v1/units?per_page=2", headers=bearer(token))).json()
        assert first["total"] == 5 and len(first["items"]) == 2
        seen = [u["code"] for u in first["items"]]
        following = first["next"]
        while following:
            page = (await client.get(following, headers=bearer(token))).json()
            seen += [u["code"] for u in page["items"]]
            following = page["next"]
        assert seen == sorted(seen) and len(set(seen)) == 5
        too_many = await client.get("/api/v1/units?per_page=501", headers=bearer(token))
        assert too_many.status_code == 422


async def test_the_rate_limit_is_per_token_and_per_minute(
    app: App, world: World, clock: FixedClock
) -> None:
    app.settings.api_rate_per_minute = 3
    token, other = await token_for(app, world.commune), await token_for(app, world.commune)
    async with web_client(app) as client:
        answers = [await client.get("/api/v1/units", headers=bearer(token)) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert 0 < int(answers[-1].headers["retry-after"]) <= 60
        assert (await client.get("/api/v1/units", headers=bearer(other))).status_code == 200
        clock.set(clock.now() + timedelta(seconds=60))
        assert (await client.get("/api/v1/units", headers=bearer(token))).status_code == 200
    async with app.sessions() as session:
        reads = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "api.read"))
        ).all()
    # every answered request is in the audit log with its token; the refused one is not
    assert len(reads) == 3 + 1 + 1 and {r.detail["path"] for r in reads} == {"/api/v1/units"}


@pytest.mark.nodb
async def test_the_openapi_description_lists_every_endpoint(tmp_path: Path) -> None:
    # describing the API opens no database: an app whose database does not even exist
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'none.db'}",
                        files_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]  # fmt: skip
    application = build(settings)
    try:
        async with web_client(application) as client:
            spec = (await client.get("/api/v1/openapi.json")).json()
    finally:
        await application.close()
    assert not (tmp_path / "none.db").exists()
    assert spec["info"]["title"] == "Thi Đua Bot API"
    assert {"/units", "/reports", "/completeness", "/nominations", "/directives"} <= set(
        spec["paths"]
    )


def test_api_token_cli_prints_the_token_last_and_revokes(app: App, world: World) -> None:
    env = {"DATABASE_URL": app.settings.database_url, "FILES_DIR": str(app.settings.files_dir)}
    runner = CliRunner()
    made = runner.invoke(cli, ["api-token", "create", "--unit", "C1", "--name", "Tỉnh"], env=env)
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert token.startswith("tdb_") and len(token) > 40
    listed = runner.invoke(cli, ["api-token", "list"], env=env)
    assert "C1\tTỉnh" in listed.output and "live" in listed.output
    token_id = listed.output.split("\t", 1)[0]
    assert runner.invoke(cli, ["api-token", "revoke", token_id], env=env).exit_code == 0
    assert "revoked" in runner.invoke(cli, ["api-token", "list"], env=env).output
    assert (
        runner.invoke(
            cli, ["api-token", "create", "--unit", "ZZ", "--name", "x"], env=env
        ).exit_code
        == 2
    )
    link = runner.invoke(cli, ["web-link", "--member", str(world.members["staff"].id)], env=env)
    assert link.exit_code == 0 and "/signin/" in link.output.strip().splitlines()[-1]
    head = runner.invoke(cli, ["web-link", "--member", str(world.members["head1"].id)], env=env)
    assert head.exit_code == 2
