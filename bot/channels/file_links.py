"""Signed, expiring links to files on disk, served by a channel's own HTTP server: how a
channel hands a person a file its platform cannot carry (the Zalo Bot API has no documents;
a Zalo OA takes only PDF and Word files of up to 5 MB)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from pathlib import Path
from urllib.parse import quote, unquote

import tornado.web

from bot.settings import Settings
from handlers.clock import Clock
from handlers.types import Attachment

log = logging.getLogger(__name__)

FILES_PREFIX = "/files/"
# the route a channel's server adds after its own prefix: token, then the file's name
FILES_ROUTE = FILES_PREFIX + r"([^/]+)/?(.*)"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FileLinks:
    """Links to files on disk: ``<base>/files/<payload>.<hmac>/<name>``, valid until their expiry.

    The payload (path, mime, expiry) is signed with HMAC-SHA256, so nobody can make a link to
    another file or extend one; the 256-bit signature makes a link unguessable.
    """

    def __init__(self, base_url: str, secret: bytes, clock: Clock, hours: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.clock = clock
        self.hours = hours

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self.secret, payload.encode(), hashlib.sha256).digest())

    def url(self, attachment: Attachment) -> str:
        expires = int(self.clock.now().timestamp()) + self.hours * 3600
        raw = json.dumps([str(attachment.path.resolve()), attachment.mime, expires])
        payload = _b64(raw.encode())
        name = quote(attachment.filename or "file", safe="")
        return f"{self.base_url}{FILES_PREFIX}{payload}.{self._sign(payload)}/{name}"

    def resolve(self, token: str) -> tuple[Path, str] | None:
        """(path, mime) for a token that is signed by us, unexpired and names a file; else None."""
        payload, _dot, signature = token.partition(".")
        if not payload or not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            path, mime, expires = json.loads(_unb64(payload))
            file, expiry = Path(str(path)), int(expires)
            if expiry < self.clock.now().timestamp() or not file.is_file():
                return None
        except (ValueError, TypeError, OverflowError, OSError):
            # signed by us, yet not what we sign: nothing to serve
            return None
        return file, str(mime)


def link_secret(settings: Settings, key: str) -> bytes:
    """FILE_LINK_SECRET, or a key derived from the channel's own secret `key` (stable across
    restarts)."""
    if settings.file_link_secret is not None:
        return settings.file_link_secret.get_secret_value().encode()
    return hmac.new(key.encode(), b"thidua file links", hashlib.sha256).digest()


class FileHandler(tornado.web.RequestHandler):
    """Serves a linked file (404 for a link that is forged, expired or names no file)."""

    def initialize(self, links: FileLinks | None) -> None:
        self.links = links

    async def get(self, token: str, name: str) -> None:
        try:
            found = self.links.resolve(token) if self.links else None
        except Exception:
            log.warning("a file link could not be read")
            found = None
        if found is None:
            self.set_status(404)
            self.finish("not found")
            return
        path, mime = found
        data = await asyncio.to_thread(path.read_bytes)
        self.set_header("Content-Type", mime)
        self.set_header("Cache-Control", "private, no-store")
        disposition = "inline" if mime.startswith("image/") else "attachment"
        filename = quote(unquote(name) or path.name, safe="")
        self.set_header("Content-Disposition", f"{disposition}; filename*=UTF-8''{filename}")
        self.finish(data)
