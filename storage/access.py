"""Units, members, chat bindings, invites and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import HEAD_ROLE, AuditEntry, ChatBinding, Invite, InviteFailure, Member, Unit

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# Wrong invite codes from everyone together in an hour before all guessing waits: far above
# a commune's typos, far below what would find one of 31^8 codes by chance.
GUESSES_PER_HOUR = 200


class AccessError(Exception):
    """A refusal with a reason code: "unknown", "used", "expired", "throttled"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalize_code(text: str) -> str:
    """What people type → the code: case, spaces and dashes aside."""
    return "".join(c for c in text.upper() if c.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def looks_like_code(text: str) -> bool:
    code = normalize_code(text)
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)


async def unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    unit: Unit | None = await session.scalar(select(Unit).where(Unit.code == code))
    return unit


async def add_unit(
    session: AsyncSession, code: str, name: str, kind: str, parent: Unit | None, now: datetime
) -> Unit:
    """Adds a unit, or updates name, kind and parent of the one with that code."""
    unit = await unit_by_code(session, code)
    if unit is None:
        unit = Unit(code=code, created_at=now)
        session.add(unit)
    unit.name, unit.kind, unit.parent_id = name, kind, parent.id if parent else None
    await session.flush()
    return unit


async def subtree_ids(session: AsyncSession, root_id: int) -> list[int]:
    """The unit and every unit under it (a recursive query, fine on both databases)."""
    tree = select(Unit.id).where(Unit.id == root_id).cte("tree", recursive=True)
    child = aliased(Unit)
    tree = tree.union_all(select(child.id).where(child.parent_id == tree.c.id))
    return list((await session.scalars(select(tree.c.id))).all())


async def is_within(session: AsyncSession, unit_id: int, root_id: int) -> bool:
    """True when `unit_id` is `root_id` or lies under it."""
    current: int | None = unit_id
    for _ in range(16):
        if current is None:
            return False
        if current == root_id:
            return True
        current = await session.scalar(select(Unit.parent_id).where(Unit.id == current))
    return False


async def children(session: AsyncSession, parent_id: int) -> Sequence[Unit]:
    rows = await session.scalars(
        select(Unit).where(Unit.parent_id == parent_id).order_by(Unit.name)
    )
    return rows.all()


async def member_for_chat(
    session: AsyncSession, channel: str, chat_id: str
) -> tuple[Member, Unit] | None:
    """The active member bound to this chat and their unit, or None."""
    row = (
        await session.execute(
            select(Member, Unit)
            .join(ChatBinding, ChatBinding.member_id == Member.id)
            .join(Unit, Unit.id == Member.unit_id)
            .where(
                ChatBinding.channel == channel,
                ChatBinding.chat_id == chat_id,
                Member.active.is_(True),
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


def role_fits(role: str, unit_kind: str) -> bool:
    """Whether a person of `role` may belong to a unit of `unit_kind`: a head role only to its
    own kind of unit (a village head to a thôn, a group leader to a tổ dân phố, a principal to a
    school); reporters, staff and admins to any."""
    kinds = [kind for kind, head in HEAD_ROLE.items() if head == role]
    return not kinds or unit_kind in kinds


async def create_invite(
    session: AsyncSession,
    unit: Unit,
    role: str,
    now: datetime,
    days: int,
    name: str = "",
    created_by: int | None = None,
    member_id: int | None = None,
) -> str:
    """Stores a new invite (hashed) and returns the plain code, shown once."""
    code = new_code()
    session.add(
        Invite(
            code_hash=hash_code(code),
            unit_id=unit.id,
            role=role,
            name=name,
            member_id=member_id,
            expires_at=now + timedelta(days=days),
            created_by=created_by,
            created_at=now,
        )
    )
    await session.flush()
    return code


async def recent_failures(
    session: AsyncSession, channel: str | None, chat_id: str | None, now: datetime
) -> int:
    """Wrong codes in the last hour from this chat (or, with None, from anyone anywhere)."""
    query = select(func.count(InviteFailure.id)).where(InviteFailure.at > now - timedelta(hours=1))
    if channel is not None and chat_id is not None:
        query = query.where(InviteFailure.channel == channel, InviteFailure.chat_id == chat_id)
    return int(await session.scalar(query) or 0)


async def redeem_invite(
    session: AsyncSession,
    code: str,
    channel: str,
    chat_id: str,
    now: datetime,
    display_name: str = "",
    max_failures: int = 5,
    max_failures_overall: int = GUESSES_PER_HOUR,
) -> tuple[Member, Unit]:
    """Binds the chat to the invite's member (created now unless the invite links an existing one).

    Raises AccessError("throttled") after `max_failures` wrong codes from this chat in an hour,
    or `max_failures_overall` from everyone together (many chats guessing at once), without
    looking at the code; else "unknown", "used" or "expired"; a refusal binds nothing but is
    counted. The caller commits either way.
    """
    if await recent_failures(session, channel, chat_id, now) >= max_failures:
        raise AccessError("throttled")
    if await recent_failures(session, None, None, now) >= max_failures_overall:
        raise AccessError("throttled")
    invite = await session.scalar(
        select(Invite).where(Invite.code_hash == hash_code(code)).with_for_update()
    )
    reason = None
    if invite is None:
        reason = "unknown"
    elif invite.used_at is not None:
        reason = "used"
    elif invite.expires_at <= now:
        reason = "expired"
    if reason or invite is None:
        session.add(InviteFailure(channel=channel, chat_id=chat_id, at=now))
        raise AccessError(reason or "unknown")
    if invite.member_id is not None:
        member = await session.get_one(Member, invite.member_id)
    else:
        member = Member(
            name=invite.name or display_name,
            role=invite.role,
            unit_id=invite.unit_id,
            locale="vi",
            active=True,
            created_at=now,
        )
        session.add(member)
        await session.flush()
    binding = await session.scalar(
        select(ChatBinding).where(ChatBinding.channel == channel, ChatBinding.chat_id == chat_id)
    )
    if binding is None:
        session.add(
            ChatBinding(member_id=member.id, channel=channel, chat_id=chat_id, created_at=now)
        )
    else:
        binding.member_id, binding.blocked_at = member.id, None
    invite.used_at, invite.used_by = now, member.id
    await audit(
        session, now, member.id, "invite.redeemed", "member", member.id, {"role": member.role}
    )
    unit = await session.get_one(Unit, member.unit_id)
    return member, unit


async def audit(
    session: AsyncSession,
    now: datetime,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Adds one audit row (who, when, what) in the caller's transaction."""
    session.add(
        AuditEntry(
            at=now,
            actor_id=actor_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=detail or {},
        )
    )
