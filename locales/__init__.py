"""The words the bot says: gettext catalogs in vi (default) and en.

Every user-facing text is a message id such as ``"start.welcome"`` looked up here; the texts live
in ``locales/<lang>/LC_MESSAGES/*.po`` (one file per area, all merged). ``make install`` compiles
them to ``.mo``; a catalog whose ``.mo`` is missing or older than its ``.po`` is compiled in memory.
The locale is chosen once per incoming message with `use_locale`; flows just call `_()`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DEFAULT = "vi"
LANGUAGES = ("vi", "en")
ROOT = Path(__file__).parent

_locale: ContextVar[str] = ContextVar("locale", default=DEFAULT)


def normalize(lang: str | None) -> str:
    """Returns a supported language for any code ("en-US" → "en"); unknown ones fall back to vi."""
    code = (lang or "").lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT


def _load_one(po: Path) -> Translations:
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fp:
            return Translations(fp, domain=po.stem)
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=po.parent.parent.name)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=po.stem)


@cache
def translations(lang: str) -> Translations:
    """All catalogs of one language merged into one object."""
    merged = Translations()
    for po in sorted((ROOT / lang / "LC_MESSAGES").glob("*.po")):
        merged.merge(_load_one(po))
    return merged


def current() -> str:
    return _locale.get()


@contextmanager
def use_locale(lang: str | None) -> Iterator[str]:
    """Sets the locale for the code inside the block (one incoming message)."""
    token = _locale.set(normalize(lang))
    try:
        yield _locale.get()
    finally:
        _locale.reset(token)


def gettext(key: str, /, lang: str | None = None, **values: object) -> str:
    """The text of `key` in the current locale, with `{name}` placeholders filled.

    Falls back to Vietnamese, then to the key itself, so a missing text never raises.
    """
    lang = normalize(lang) if lang else current()
    text = translations(lang).gettext(key)
    if text == key and lang != DEFAULT:
        text = translations(DEFAULT).gettext(key)
    return text.format(**values) if values else text


def ngettext(key: str, plural: str, n: int, /, lang: str | None = None, **values: object) -> str:
    """Like `gettext` with a count; `{n}` is available in the text."""
    lang = normalize(lang) if lang else current()
    text = translations(lang).ngettext(key, plural, n)
    if text in (key, plural) and lang != DEFAULT:
        text = translations(DEFAULT).ngettext(key, plural, n)
    return text.format(n=n, **values)


_ = gettext
