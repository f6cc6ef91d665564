"""Housekeeping the scheduler runs daily (any process may run it; it is idempotent): every table
that grows with traffic or with strangers is pruned, and files left behind by a crash go."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from pathlib import Path

from bot.app import App
from storage import contacts, inbox, replies, webauth
from storage.conversations import prune_invite_failures, prune_processed, prune_strangers
from storage.pace import prune_slots

log = logging.getLogger(__name__)

# Platforms redeliver an unacknowledged update for at most a day; a week leaves ample margin.
KEEP_PROCESSED = timedelta(days=7)
# A stranger's (or a group's) conversation state: kept a month after its last message.
KEEP_STRANGERS = timedelta(days=30)
# Wrong invite codes count for an hour; a day leaves ample margin.
KEEP_FAILURES = timedelta(days=1)
# Files downloaded for a message are deleted once it is handled; a crash may leave some.
KEEP_INCOMING_SECONDS = 24 * 3600


async def prune_processed_updates(app: App, keep: timedelta = KEEP_PROCESSED) -> int:
    """Deletes the de-duplication rows of updates processed more than `keep` ago; returns how
    many were deleted."""
    async with app.sessions() as session, session.begin():
        deleted = await prune_processed(session, app.clock.now() - keep)
    if deleted:
        log.info("pruned %d processed-update rows", deleted)
    return deleted


async def prune_all(app: App) -> dict[str, int]:
    """Prunes everything that grows: processed updates, handled inbox updates and sent replies
    (a week), strangers' conversation states and last interactions (a month idle), wrong invite
    codes (a day), per chat send pacing rows (a day), the web page's sign-in links, sessions and
    API rate windows (a day after they end), left-over incoming files (a day). Returns counts."""
    now = app.clock.now()
    counts: dict[str, int] = {"processed": await prune_processed_updates(app)}
    async with app.sessions() as session, session.begin():
        counts["inbox"] = await inbox.prune(session, now - KEEP_PROCESSED)
        counts["replies"] = await replies.prune(session, now - KEEP_PROCESSED)
        counts["strangers"] = await prune_strangers(session, now - KEEP_STRANGERS)
        counts["invite_failures"] = await prune_invite_failures(session, now - KEEP_FAILURES)
        counts["send_slots"] = await prune_slots(session, now - KEEP_FAILURES)
        counts["web"] = await webauth.prune(session, now - KEEP_FAILURES)
        counts["contacts"] = await contacts.prune(session, now - KEEP_STRANGERS)
    counts["files"] = await asyncio.to_thread(
        _prune_files, app.settings.files_dir / "incoming", now.timestamp() - KEEP_INCOMING_SECONDS
    )
    pruned = {k: v for k, v in counts.items() if v}
    if pruned:
        log.info("pruned %s", pruned)
    return counts


def _prune_files(folder: Path, before: float) -> int:
    deleted = 0
    if not folder.is_dir():
        return 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < min(before, time.time() - 3600):
                path.unlink()
                deleted += 1
        except OSError:
            continue
    return deleted
