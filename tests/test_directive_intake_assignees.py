"""Assignee texts resolve under the issuing unit by how documents name their addressees."""

from __future__ import annotations

import pytest

from bot.app import App
from storage.access import add_unit
from storage.directives import Resolver, remember_mapping
from tests.factories import World


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trưởng thôn các thôn", "villages"),
        ("các thôn, bản, khu phố", "villages"),
        ("Các trưởng thôn", "villages"),
        ("truong thon cac thon", "villages"),
        ("Hiệu trưởng các trường", "school"),
        ("các trường học trên địa bàn", "school"),
        ("Hiệu trưởng Trường Tiểu học Hòa Bình", "school"),
        ("Hieu truong truong tieu hoc hoa binh", "school"),
        ("Trưởng thôn Tây", "west"),
        ("Công chức Văn hóa - Xã hội", "own staff"),
        ("Phòng Văn hóa – Xã hội", "own staff"),
        ("Văn phòng HĐND và UBND xã", "own staff"),
        ("Phòng Kinh tế", "own staff"),
        ("Văn phòng HĐND và UBND xã", "own staff"),
        ("Chủ tịch UBND các xã, phường", "nobody"),
        ("Ban Chỉ huy Quân sự xã", "nobody"),
    ],
)
async def test_commune_level_texts(app: App, world: World, text: str, expected: str) -> None:
    villages = {(v.id, "village_head") for v in world.villages}
    wanted = {
        "villages": villages,
        "school": {(world.school.id, "principal")},
        "west": {(world.villages[1].id, "village_head")},
        "own staff": {(world.commune.id, "staff")},
        "nobody": set(),
    }[expected]
    async with app.sessions() as session:
        resolver = await Resolver.load(session, world.commune)
        found = resolver.resolve(text)
    assert {(t.unit_id, t.role) for t in found.targets} == wanted
    assert found.resolved == bool(wanted)


async def test_district_level_texts(app: App, world: World) -> None:
    async with app.sessions() as session, session.begin():
        now = app.clock.now()
        agency = await add_unit(session, "P1-NV", "Phòng Nội vụ", "agency", world.province, now)
        resolver = await Resolver.load(session, world.province)
        communes = {(world.commune.id, "staff"), (world.other_commune.id, "staff")}
        chairs = resolver.resolve("Chủ tịch UBND các xã, phường")
        assert {(t.unit_id, t.role) for t in chairs.targets} == communes
        home = resolver.resolve("Phòng Nội vụ (Cơ quan Thường trực Hội đồng TĐKT)")
        assert {(t.unit_id, t.role) for t in home.targets} == {(agency.id, "staff")}
        heads = resolver.resolve("Thủ trưởng các cơ quan, đơn vị")
        assert {(t.unit_id, t.role) for t in heads.targets} == {(agency.id, "staff")}
        assert not resolver.resolve("Phòng Tài chính - Kế hoạch").resolved


async def test_a_remembered_mapping_wins_and_can_ignore(app: App, world: World) -> None:
    async with app.sessions() as session, session.begin():
        now = app.clock.now()
        text = "Ban Văn hóa thông tin xã"
        await remember_mapping(session, world.commune, text, None, "village_head", now)
        resolver = await Resolver.load(session, world.commune)
        found = resolver.resolve("  ban van hoa thong tin xa. ")
        assert found.manual and len(found.targets) == 3
        await remember_mapping(session, world.commune, text, None, None, now)
        resolver = await Resolver.load(session, world.commune)
        ignored = resolver.resolve(text)
        assert ignored.ignored and ignored.resolved and not ignored.targets
        # another commune does not share the mapping
        other = await Resolver.load(session, world.other_commune)
        assert not other.resolve(text).resolved


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trưởng thôn các thôn", {"villages"}),
        ("Tổ trưởng các tổ dân phố", {"groups"}),
        ("Trưởng các khu phố", {"groups"}),
        ("các thôn, tổ dân phố", {"villages", "groups"}),
        ("Trưởng thôn, Tổ trưởng tổ dân phố", {"villages", "groups"}),
        ("to truong to dan pho", {"groups"}),
        ("Ban công tác Mặt trận các khu dân cư", {"villages", "groups"}),
        ("Tổ trưởng Tổ dân phố số 2", {"second group"}),
    ],
)
async def test_villages_and_residential_groups_told_apart(
    app: App, world: World, text: str, expected: set[str]
) -> None:
    async with app.sessions() as session, session.begin():
        now = app.clock.now()
        groups = [
            await add_unit(session, f"C1-TDP{i}", f"Tổ dân phố số {i}", "resident_group",
                           world.commune, now)
            for i in (1, 2)
        ]  # fmt: skip
        resolver = await Resolver.load(session, world.commune)
        found = resolver.resolve(text)
    each = {
        "villages": {(v.id, "village_head") for v in world.villages},
        "groups": {(g.id, "group_leader") for g in groups},
        "second group": {(groups[1].id, "group_leader")},
    }
    wanted = set().union(*(each[name] for name in expected))
    assert {(t.unit_id, t.role) for t in found.targets} == wanted
