"""A turn's replies, recorded in the turn's transaction so that none is lost or skipped.

The channel sends them from the `replies` table in order (`bot/channels/conveyor.py`); each
payload carries what an adapter needs beyond the neutral reply: `by_number` (options may be
answered with their number) and `locale` (the language of the words an adapter adds).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.types import Incoming, Outcome
from storage import replies


async def record_replies(
    session: AsyncSession, msg: Incoming, outcome: Outcome, now: datetime
) -> Outcome:
    """Records the outcome's replies for `msg`'s chat; the outcome with their ids."""
    if outcome.ignored or not outcome.replies:
        return outcome
    by_number = outcome.awaiting in ("choice", "confirm")
    payloads = [
        reply.to_payload() | {"by_number": by_number, "locale": outcome.locale}
        for reply in outcome.replies
    ]
    ids = await replies.record(session, msg.channel, msg.chat_id, msg.update_id, payloads, now)
    return replace(outcome, reply_ids=tuple(ids))
