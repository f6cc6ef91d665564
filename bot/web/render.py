"""Server-rendered pages: Jinja2 templates (autoescaped) with the words of `locales/` and the
formats people read (`locales.formats`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from locales import current, gettext
from locales.formats import date_label, datetime_label, month_label, number_label

TEMPLATES = Path(__file__).parent / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _query(request: Request, **changes: Any) -> str:
    """The current query string with `changes` applied (None removes a key)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else request.url.path


def render(
    request: Request, template: str, values: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """The page `template` with `values`, in the request's language."""
    application = request.app.state.app
    tz = ZoneInfo(application.settings.timezone)
    signed = getattr(request.state, "signed", None)
    context = {
        "request": request,
        "_": gettext,
        "lang": current(),
        "signed": signed,
        "csrf": signed.row.csrf if signed is not None else "",
        "settings": application.settings,
        "query": lambda **changes: _query(request, **changes),
        "date": date_label,
        "month": month_label,
        "number": number_label,
        "when": lambda at: datetime_label(at, tz) if at is not None else "",
        **values,
    }
    return HTMLResponse(_env.get_template(template).render(context), status_code=status)
