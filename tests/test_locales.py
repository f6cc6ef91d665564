"""Every text the code asks for exists in Vietnamese and English with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from locales import LANGUAGES, ROOT, gettext, normalize, use_locale

pytestmark = pytest.mark.nodb

CODE = Path(__file__).resolve().parents[1]
KEY_CALL = re.compile(r"""\b_\(\s*f?["']([a-z_]+(?:\.[a-z0-9_{}.]+)+)["']""")


def catalog(lang: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for po in sorted((ROOT / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fp:
            for message in read_po(fp, locale=lang):
                if message.id:
                    texts[str(message.id)] = str(message.string)
    return texts


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def used_keys() -> set[str]:
    keys: set[str] = set()
    for package in ("bot", "handlers", "storage"):
        for path in (CODE / package).rglob("*.py"):
            keys.update(KEY_CALL.findall(path.read_text(encoding="utf-8")))
    # the web page's templates: `_("web.nav." ~ key)` names a prefix, written here as "web.nav.{"
    for path in (CODE / "bot" / "web" / "templates").glob("*.html"):
        found = KEY_CALL.findall(path.read_text(encoding="utf-8"))
        keys.update(key + "{" if key.endswith(".") else key for key in found)
    return keys


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    vi, en = catalog("vi"), catalog("en")
    assert set(vi) == set(en), set(vi) ^ set(en)
    for key in vi:
        assert vi[key].strip() and en[key].strip(), key
        assert placeholders(vi[key]) == placeholders(en[key]), key


def test_every_key_used_in_code_is_translated() -> None:
    vi = catalog("vi")
    for key in used_keys():
        if "{" in key:  # f-string keys: at least one text must start with the fixed prefix
            prefix = key.split("{", 1)[0]
            assert any(k.startswith(prefix) for k in vi), key
        else:
            assert key in vi, key


def test_unknown_locale_falls_back_to_vietnamese() -> None:
    assert normalize("fr") == "vi" and normalize("en-US") == "en"
    with use_locale("xx"):
        assert gettext("cancel.done") == "Đã hủy việc đang làm."
    assert set(LANGUAGES) == {"vi", "en"}
