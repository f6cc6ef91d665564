"""Exports built in a heavy worker (`heavy`): the digest with its chart and workbook, the
commune's dossier. Each is a module-level function a flow names in `work(...)` (or the
scheduler passes to `heavy.run`), run in a fresh process with time and memory limits.

The worker reads the database itself, in a read-only session of its own (`Settings()` from the
environment `heavy.run` was given: `bot.settings.worker_environment`), so nothing of the
message's transaction is held while it runs and other chats are answered meanwhile. The
arguments are plain values (ids, ISO times, a locale, a file stamp); a run again after a
restart writes the same files again (each written beside and then moved into place).

This module stays light to import: what the builds need is imported inside them.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.settings import Settings
    from storage.digest import Digest

DIGEST = "bot.exports:digest_files"
DOSSIER = "bot.exports:dossier_files"
PNG_MIME = "image/png"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

T = TypeVar("T")


class UnitGone(Exception):
    """The unit asked for no longer exists."""


@dataclass(frozen=True)
class DigestFiles:
    """What `digest_files` built: the digest (for the text) and where the files are."""

    digest: Digest
    png: str
    xlsx: str


def _reading(body: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    """Runs `body` with a read-only session on the database the environment names."""
    from bot.settings import Settings
    from storage.db import create_engine, sessionmaker

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    async def main() -> T:
        engine = create_engine(settings.database_url, read_only=True)
        try:
            async with sessionmaker(engine)() as session, session.begin():
                return await body(session, settings)
        finally:
            await engine.dispose()

    return asyncio.run(main())


@contextmanager
def _into_place(path: Path) -> Iterator[Path]:
    """A file beside `path` to write, moved there when the block ends well: a reader (or a
    build run again after a restart, or in another process) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        yield part
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def digest_files(
    unit_id: int,
    now: str,
    locale: str | None,
    stamp: str,
    since: str | None = None,
    period: str | None = None,
) -> DigestFiles:
    """The digest of unit `unit_id` at `now` (ISO) in `locale`, with its completeness chart
    (PNG) and workbook (.xlsx) written under files_dir/exports as
    `tonghop-<unit>-<period>-<stamp>`; nominations after `since` (ISO) count as new. The
    period is the one staff look at by default (`focus_period`), or `period` (the web page's
    downloads of another month)."""
    from zoneinfo import ZoneInfo

    from bot.chart import Bar, completeness_png
    from locales import _, use_locale
    from locales.formats import month_label
    from storage.digest import build_digest, focus_period
    from storage.export import write_xlsx
    from storage.models import Unit

    at = datetime.fromisoformat(now)
    after = datetime.fromisoformat(since) if since else None

    async def build(session: AsyncSession, settings: Settings) -> DigestFiles:
        root = await session.get(Unit, unit_id)
        if root is None:
            raise UnitGone(str(unit_id))
        with use_locale(locale):
            chosen = period or await focus_period(session, settings, at)
            digest = await build_digest(session, settings, root, chosen, at, after)
            folder = settings.files_dir / "exports"
            base = f"tonghop-{root.code}-{digest.current.period}-{stamp}"
            bars = [Bar(r.name, r.on_time, r.late, r.expected) for r in digest.current.rows]
            title = _("digest.chart.title", unit=root.name, month=month_label(chosen))
            labels = (_("digest.chart.on_time"), _("digest.chart.late"), _("digest.chart.axis"))
            png, xlsx = folder / f"{base}.png", folder / f"{base}.xlsx"
            with _into_place(png) as part:
                completeness_png(bars, part, title, *labels)
            with _into_place(xlsx) as part:
                await write_xlsx(session, digest, root, part, ZoneInfo(settings.timezone))
        return DigestFiles(digest, str(png), str(xlsx))

    return _reading(build)


def dossier_files(unit_id: int, year: int, folder: str) -> tuple[int, list[str]]:
    """The nomination dossier of unit `unit_id` for `year`: how many nominees, and the four
    .docx files written in `folder` (none when nobody was passed)."""
    from storage.dossier import gather, render
    from storage.models import Unit

    async def build(session: AsyncSession, _settings: Settings) -> tuple[int, list[str]]:
        unit = await session.get(Unit, unit_id)
        if unit is None:
            raise UnitGone(str(unit_id))
        data = await gather(session, unit, year)
        if not data.rows:
            return 0, []
        return len(data.rows), [str(path) for path in render(data, Path(folder))]

    return _reading(build)
