"""Heavy work asked for by a step (`handlers.flow.work`), run between two transactions.

The turn that asks for it commits first (its notice is sent, the state is the step to come,
awaiting "work", the job kept in the state's data under `JOB_KEY`); then the work runs in a
`heavy` worker with no transaction open; then the step to come runs in a new transaction with
`ctx.work` set. A restart in between leaves the state awaiting "work": the work is run again
before the chat's next message (`Engine.handle`) or when a channel starts (`pending`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import heavy
from handlers.flow import Job
from storage.models import ConversationState

JOB_KEY = "_job"


class WorkPending(Exception):
    """The chat's state awaits work left by a restart: it is run before this message."""

    def __init__(self, job: Job) -> None:
        super().__init__("work pending")
        self.job = job


def job_of(conv: ConversationState) -> Job | None:
    """The work the chat's state awaits, if any."""
    raw = (conv.data or {}).get(JOB_KEY)
    if conv.awaiting != "work" or not isinstance(raw, dict):
        return None
    return Job.from_json(raw)


async def execute(job: Job, env: Mapping[str, str | None] | None = None) -> Any:
    """The work's result, or the exception that stopped it (never raises for the work); the
    worker gets `env` over this process's environment (see `heavy.run`)."""
    try:
        return await heavy.run(
            job.function, *job.args, limits=heavy.Limits(job.seconds, job.memory_mb), env=env
        )
    except Exception as error:
        return error


async def pending(session: AsyncSession, channel: str) -> Sequence[str]:
    """Chats of `channel` whose state awaits work (left by a restart)."""
    rows = await session.scalars(
        select(ConversationState.chat_id).where(
            ConversationState.channel == channel, ConversationState.awaiting == "work"
        )
    )
    return rows.all()
