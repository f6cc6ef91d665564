"""Folding Vietnamese text for matching: what people type without diacritics still matches."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from handlers.types import Incoming

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, no diacritics, đ→d, single spaces: "Báo  cáo" → "bao cao"."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.replace("đ", "d")).strip()


def clean(text: str) -> str:
    """NFC, trimmed, inner runs of spaces folded; keeps diacritics and case."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


# Control characters (C0, C1, DEL), bidirectional overrides and isolates, the BOM and
# non-characters: never meant to be seen, and some (C0) make spreadsheets refuse the file.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")
TEXT_CAP = 20_000
NAME_CAP = 200


def scrub(text: str, cap: int = TEXT_CAP) -> str:
    """Text as it may be stored: NFC, line breaks as "\\n", tabs as spaces, control and
    invisible format characters removed, at most `cap` characters."""
    text = _LINE_BREAKS.sub("\n", text[: cap * 2]).replace("\t", " ")
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", text))[:cap]


def sanitize(msg: Incoming) -> Incoming:
    """The message with every text a person wrote scrubbed (`scrub`): the text, the command's
    arguments, the option id, and the names and captions in `extras`. Every channel's
    messages pass here (the engine calls it first), so nothing else needs to."""
    extras = {
        key: scrub(value, NAME_CAP if key == "display_name" else TEXT_CAP)
        if isinstance(value, str)
        else value
        for key, value in msg.extras.items()
    }
    return replace(
        msg,
        text=scrub(msg.text),
        args=scrub(msg.args),
        choice=scrub(msg.choice, 64) if msg.choice is not None else None,
        extras=extras,
    )
