"""Housekeeping jobs the scheduler runs (any process may run them; they are idempotent)."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.app import App
from storage.conversations import prune_processed

log = logging.getLogger(__name__)

# Platforms redeliver an unacknowledged update for at most a day; a week leaves ample margin.
KEEP_PROCESSED = timedelta(days=7)


async def prune_processed_updates(app: App, keep: timedelta = KEEP_PROCESSED) -> int:
    """Deletes the de-duplication rows of updates processed more than `keep` ago; returns how
    many were deleted."""
    async with app.sessions() as session, session.begin():
        deleted = await prune_processed(session, app.clock.now() - keep)
    if deleted:
        log.info("pruned %d processed-update rows", deleted)
    return deleted
