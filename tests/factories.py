"""Factories with defaults for tests: incoming messages, a small commune with its people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.app import App, build
from handlers.engine import Engine
from handlers.types import Attachment, Incoming, Outcome
from storage.access import add_unit
from storage.models import ChatBinding, Member, Unit

_update_counter = iter(range(1, 10**9))
# Answers to the shipped village template (no open tasks, no incident, the photo skipped): after
# them the summary is shown; "1" then sends the report.
VILLAGE_ANSWERS = [
    "khong",
    "12",
    "3",
    "Tốt",
    "15",
    "1",
    "4",
    "bo qua",
    "bo qua",
    "Họp dân bình xét cuối năm.",
    "bo qua",
]


def make_incoming(
    text: str = "",
    chat_id: str = "head1",
    channel: str = "console",
    *,
    update_id: str | None = None,
    choice: str | None = None,
    attachments: tuple[Attachment, ...] = (),
    kind: Any = "text",
    **extras: Any,
) -> Incoming:
    return Incoming(
        channel=channel,
        chat_id=chat_id,
        user_id=chat_id,
        text=text,
        choice=choice,
        attachments=attachments,
        update_id=update_id,
        kind=kind,
        extras=extras,
    )


@dataclass
class World:
    """A commune with three villages and a school; people bound to console chats: head1, head2,
    head3 (village heads), principal, staff (commune staff), outsider (another commune's staff).
    """

    province: Unit
    commune: Unit
    villages: list[Unit]
    school: Unit
    other_commune: Unit
    members: dict[str, Member] = field(default_factory=dict)


async def build_world(session: Any, now: datetime) -> World:
    province = await add_unit(session, "P1", "Tỉnh Thử Nghiệm", "province", None, now)
    commune = await add_unit(session, "C1", "Xã Hòa Bình", "commune", province, now)
    other = await add_unit(session, "C2", "Xã Tân Phú", "commune", province, now)
    villages = [
        await add_unit(session, f"C1-T{i}", name, "village", commune, now)
        for i, name in enumerate(("Thôn Đông", "Thôn Tây", "Thôn Nam"), 1)
    ]
    school = await add_unit(session, "C1-TH", "Trường Tiểu học Hòa Bình", "school", commune, now)
    world = World(province, commune, villages, school, other)
    people = [
        ("head1", "Lò Văn An", "village_head", villages[0]),
        ("head2", "Hà Thị Bình", "village_head", villages[1]),
        ("head3", "Vi Văn Cường", "village_head", villages[2]),
        ("principal", "Phạm Thị Dung", "principal", school),
        ("staff", "Nguyễn Văn Em", "staff", commune),
        ("outsider", "Trần Văn Giang", "staff", other),
    ]
    for chat, name, role, unit in people:
        member = Member(name=name, role=role, unit_id=unit.id, locale="vi", created_at=now)
        session.add(member)
        await session.flush()
        session.add(
            ChatBinding(member_id=member.id, channel="console", chat_id=chat, created_at=now)
        )
        world.members[chat] = member
    await session.flush()
    return world


def texts(outcome: Outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)


def options(outcome: Outcome) -> list[str]:
    return [option.label for reply in outcome.replies for option in reply.options]


async def dialog(engine: Engine, chat_id: str, table: list[tuple[str, Any]]) -> Outcome:
    """Plays (person says, bot's reply contains) pairs; a list checks several fragments.

    The expectation may also be a callable taking the Outcome. Returns the last outcome.
    """
    outcome = Outcome(())
    for i, (says, expected) in enumerate(table):
        outcome = await engine.handle(make_incoming(says, chat_id))
        said = texts(outcome) + "\n" + "\n".join(options(outcome))
        checks = expected if isinstance(expected, list) else [expected]
        for check in checks:
            if callable(check):
                assert check(outcome), f"step {i} ({says!r}): check failed on {said!r}"
            else:
                assert check in said, f"step {i} ({says!r}): {check!r} not in {said!r}"
    return outcome


@asynccontextmanager
async def restarted(app: App) -> AsyncIterator[App]:
    """A restart: closes `app` and gives a new one on the same settings, database and clock."""
    await app.close()
    again = build(app.settings, app.clock)
    try:
        yield again
    finally:
        await again.close()
