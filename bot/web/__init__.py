"""The staff web page and the read-only JSON API, one ASGI application (FastAPI on Starlette),
served by uvicorn inside `thidua run` or alone by `thidua web` (`bot.web.server`).

- `bot.web.session`: sign-in by one-time link, the session cookie, CSRF on every form;
- `bot.web.pages`: Completeness, Nominations, Directives, Downloads (server-rendered, Jinja2);
- `bot.web.api`: `/api/v1/` with bearer tokens, pagination, a rate limit, OpenAPI.

Every page and every API answer is limited to the unit subtree of who asks (a member's unit, a
token's unit), with `storage.access` as in chat; every change goes through the same domain
functions the chat uses and is audited there.
"""

from __future__ import annotations

from bot.web.app import create_app

__all__ = ["create_app"]
