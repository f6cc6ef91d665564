"""Fetching a file a platform links to (Zalo images, Zalo OA images and files) within a size
limit; a failure is a polite `FileProblem`, and nothing half-written is left on disk."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx

from bot.channels.common import FileProblem

log = logging.getLogger(__name__)


async def fetch(client: httpx.AsyncClient, url: str, target: Path, limit: int) -> str:
    """Downloads `url` into `target`; returns the content type the server gave (without
    parameters, "" when none). Raises FileProblem (too big, or could not be fetched)."""
    try:
        if not url.startswith(("http://", "https://")):
            raise ValueError("no file url")
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        size = 0
        async with client.stream("GET", url) as response:
            response.raise_for_status()
            mime = str(response.headers.get("content-type", "")).split(";")[0].strip()
            with target.open("wb") as out:
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FileProblem("channels.file_too_big", mb=limit // (1024 * 1024))
                    out.write(chunk)
    except FileProblem:
        await asyncio.to_thread(target.unlink, missing_ok=True)
        raise
    except (httpx.HTTPError, OSError, ValueError) as error:
        await asyncio.to_thread(target.unlink, missing_ok=True)
        log.warning("a file download failed (%s)", type(error).__name__)
        raise FileProblem("channels.file_failed") from error
    return mime
